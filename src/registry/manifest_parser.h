#pragma once
// Parsing and validation of pushed manifests (OCI image manifest/index, Docker schema 2
// manifest/list). Pure: no I/O, no global state, never throws (beyond std::bad_alloc), safe on
// arbitrary bytes. Only structure is checked here; whether referenced blobs and manifests exist is
// the registry service's business.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/digest.h"
#include "common/result.h"

namespace berth::registry {

namespace media_types {
constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
constexpr std::string_view kOciImageIndex = kOciIndex;
constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
constexpr std::string_view kOciEmptyJson = "application/vnd.oci.empty.v1+json";
}  // namespace media_types

/// What the registry needs to know about a manifest besides its raw bytes.
struct ParsedManifest {
  std::string mediaType;     // the effective media type, always one of the four manifest types
  std::string artifactType;  // artifactType, or for image manifests without one config.mediaType
                             // (the referrers API rule); empty for an index without one
  std::optional<Digest> subject;
  // config + layers of an image manifest, in document order (duplicates kept). Non-distributable
  // ("foreign") layers are left out: clients fetch them from their `urls`, so requiring them to
  // exist here would reject Windows images exactly as CNCF distribution avoids doing.
  std::vector<Digest> blobRefs;
  std::vector<Digest> manifestRefs;  // manifests[] of an index/list, in document order
  bool isIndex = false;              // OCI index or Docker manifest list
  std::string annotationsJson;       // "annotations" serialized compactly, or empty if absent
};

/// Longest nesting of JSON arrays/objects accepted. Real manifests nest about 4 deep; the bound
/// exists so a hostile body cannot exhaust the stack of the (recursive) JSON code.
constexpr int kMaxManifestJsonDepth = 64;

/// Parses `bytes` pushed with Content-Type `contentType` (parameters such as "; charset=utf-8"
/// are ignored, comparison is case-insensitive).
/// The effective media type is the Content-Type when it names a manifest type, else the body's
/// `mediaType` when that does, else inferred from the shape: a `manifests` array means an OCI
/// index, `config` plus `layers` an OCI image manifest (OCI allows omitting mediaType).
/// Errors, all kManifestInvalid with a message naming the offending field: body not a JSON object
/// (message carries the parser's byte position), nested deeper than kMaxManifestJsonDepth, body
/// mediaType disagreeing with a manifest Content-Type, Docker schema 1, schemaVersion other than
/// 2, malformed descriptors (mediaType string, valid digest, non-negative integer size), missing
/// config/layers or manifests, annotations that are not a string-to-string object.
Result<ParsedManifest> parseManifest(std::string_view contentType, std::string_view bytes);

/// True for the four manifest media types above (after stripping parameters, case-insensitive).
/// Used to build Accept-driven responses and to recognise manifest Content-Types.
bool isManifestMediaType(std::string_view mediaType);

}  // namespace berth::registry
