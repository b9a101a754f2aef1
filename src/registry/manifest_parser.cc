#include "registry/manifest_parser.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

namespace berth::registry {
namespace {

using nlohmann::json;

constexpr std::string_view kSchema1Prefix = "application/vnd.docker.distribution.manifest.v1+";
constexpr std::string_view kSchema1Message =
    "Docker schema 1 manifests are not supported; convert with skopeo copy --format v2s2";
constexpr std::string_view kDockerForeignLayer =
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
constexpr std::string_view kOciNonDistributablePrefix =
    "application/vnd.oci.image.layer.nondistributable.";
// Echoed values (digests, media types) are bounded so a hostile body cannot bloat error replies.
constexpr std::size_t kMaxEchoLength = 200;

std::string echo(std::string_view s) { return std::string(s.substr(0, kMaxEchoLength)); }

Unexpected invalid(std::string message, std::string detail = {}) {
  return fail(Errc::kManifestInvalid, std::move(message), std::move(detail));
}

// "Type/Subtype; param=x" -> "type/subtype": media types compare case-insensitively and the
// parameters never change which manifest kind is meant.
std::string normalizeMediaType(std::string_view raw) {
  raw = raw.substr(0, raw.find(';'));
  while (!raw.empty() && (raw.front() == ' ' || raw.front() == '\t')) {
    raw.remove_prefix(1);
  }
  while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t')) {
    raw.remove_suffix(1);
  }
  std::string out(raw);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// Returns the canonical constant for a normalized manifest media type, or empty.
std::string_view canonicalManifestType(std::string_view normalized) {
  for (std::string_view known : {media_types::kOciManifest, media_types::kOciIndex,
                                 media_types::kDockerManifest, media_types::kDockerManifestList}) {
    if (normalized == known) {
      return known;
    }
  }
  return {};
}

bool isIndexType(std::string_view canonical) {
  return canonical == media_types::kOciIndex || canonical == media_types::kDockerManifestList;
}

// Bracket depth outside strings. For any prefix that is valid JSON this equals the parser's
// depth, and the parser stops at the first invalid byte, so the parser never goes deeper than
// this scan allows.
Status checkNesting(std::string_view bytes) {
  int depth = 0;
  bool inString = false;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (inString) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        inString = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        inString = true;
        break;
      case '[':
      case '{':
        if (++depth > kMaxManifestJsonDepth) {
          return invalid("manifest JSON is nested more than " +
                             std::to_string(kMaxManifestJsonDepth) + " levels deep",
                         "byte " + std::to_string(i));
        }
        break;
      case ']':
      case '}':
        --depth;
        break;
      default:
        break;
    }
  }
  return okStatus();
}

// SAX handler that only records the first syntax error: the DOM parse in non-throwing mode
// reports failure without a position, so on failure the bytes are scanned once more with this.
struct SyntaxErrorRecorder {
  std::string message;
  std::size_t position = 0;

  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(json::number_integer_t) { return true; }
  bool number_unsigned(json::number_unsigned_t) { return true; }
  bool number_float(json::number_float_t, const json::string_t&) { return true; }
  bool string(json::string_t&) { return true; }
  bool binary(json::binary_t&) { return true; }
  bool start_object(std::size_t) { return true; }
  bool key(json::string_t&) { return true; }
  bool end_object() { return true; }
  bool start_array(std::size_t) { return true; }
  bool end_array() { return true; }
  bool parse_error(std::size_t pos, const std::string&, const json::exception& ex) {
    position = pos;
    message = ex.what();
    return false;
  }
};

Error syntaxError(std::string_view bytes) {
  SyntaxErrorRecorder recorder;
  json::sax_parse(bytes.begin(), bytes.end(), &recorder);
  std::string what = recorder.message;
  // Drop nlohmann's "[json.exception.parse_error.101] " tag; operators need the position only.
  if (const auto close = what.find("] "); what.starts_with('[') && close != std::string::npos) {
    what.erase(0, close + 2);
  }
  // The lexer appends the offending token verbatim ("; last read: '...'"), which a hostile body
  // can make megabytes long; position and reason are enough. Found by manifest_parser_fuzz.
  if (const auto lastRead = what.find("; last read:"); lastRead != std::string::npos) {
    what.erase(lastRead);
  }
  if (what.size() > kMaxEchoLength) {
    what.resize(kMaxEchoLength);
  }
  if (what.empty()) {
    what = "unparseable input";
  }
  return makeError(Errc::kManifestInvalid, "manifest is not valid JSON: " + what,
                   "byte " + std::to_string(recorder.position));
}

// JSON null counts as absent for optional fields, as the Go decoders most clients use treat it.
const json* optionalField(const json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    return nullptr;
  }
  return &*it;
}

Result<std::string> optionalString(const json& object, const char* name, std::string_view where) {
  const json* field = optionalField(object, name);
  if (field == nullptr) {
    return std::string();
  }
  if (!field->is_string()) {
    return invalid(std::string(where) + name + " must be a string");
  }
  return field->get<std::string>();
}

Status checkStringMap(const json& value, std::string_view field) {
  if (!value.is_object()) {
    return invalid(std::string(field) + " must be an object of strings");
  }
  for (const auto& [k, v] : value.items()) {
    if (!v.is_string()) {
      return invalid(std::string(field) + "." + k + " must be a string");
    }
  }
  return okStatus();
}

struct Descriptor {
  std::string mediaType;
  Digest digest;
  bool hasUrls = false;
};

// `field` names the descriptor in messages, e.g. "layers[2]".
Result<Descriptor> parseDescriptor(const json& value, const std::string& field) {
  if (!value.is_object()) {
    return invalid("manifest " + field + " must be a descriptor object");
  }
  Descriptor d;
  const json* mediaType = optionalField(value, "mediaType");
  if (mediaType == nullptr || !mediaType->is_string() || mediaType->get_ref<const std::string&>().empty()) {
    return invalid("manifest " + field + ".mediaType must be a non-empty string");
  }
  d.mediaType = mediaType->get<std::string>();

  const json* digest = optionalField(value, "digest");
  if (digest == nullptr || !digest->is_string()) {
    return invalid("manifest " + field + ".digest must be a string such as 'sha256:<64 hex>'");
  }
  const auto& digestText = digest->get_ref<const std::string&>();
  auto parsed = Digest::parse(digestText);
  if (!parsed.ok()) {
    return invalid("manifest " + field + ".digest is invalid: " + parsed.error().message,
                   echo(digestText));
  }
  d.digest = std::move(parsed).value();

  const json* size = optionalField(value, "size");
  // is_number_integer excludes floats such as 1.5 or 1e3; unsigned values are non-negative.
  if (size == nullptr || !size->is_number_integer() ||
      (!size->is_number_unsigned() && size->get<std::int64_t>() < 0)) {
    return invalid("manifest " + field + ".size must be a non-negative integer");
  }

  if (const json* urls = optionalField(value, "urls")) {
    if (!urls->is_array()) {
      return invalid("manifest " + field + ".urls must be an array of strings");
    }
    for (const auto& u : *urls) {
      if (!u.is_string()) {
        return invalid("manifest " + field + ".urls must be an array of strings");
      }
    }
    d.hasUrls = !urls->empty();
  }
  if (const json* annotations = optionalField(value, "annotations")) {
    BERTH_TRY(checkStringMap(*annotations, "manifest " + field + ".annotations"));
  }
  return d;
}

bool isForeignLayerType(std::string_view mediaType) {
  return mediaType == kDockerForeignLayer || mediaType.starts_with(kOciNonDistributablePrefix);
}

Status parseImageManifest(const json& body, ParsedManifest& out) {
  const json* config = optionalField(body, "config");
  if (config == nullptr) {
    return invalid("image manifest must have a config descriptor");
  }
  auto configDesc = parseDescriptor(*config, "config");
  if (!configDesc.ok()) {
    return std::move(configDesc).error();
  }
  out.blobRefs.push_back(configDesc->digest);

  const json* layers = optionalField(body, "layers");
  if (layers == nullptr || !layers->is_array()) {
    return invalid("image manifest must have a layers array (it may be empty for artifacts)");
  }
  for (std::size_t i = 0; i < layers->size(); ++i) {
    const std::string field = "layers[" + std::to_string(i) + "]";
    auto layer = parseDescriptor((*layers)[i], field);
    if (!layer.ok()) {
      return std::move(layer).error();
    }
    if (isForeignLayerType(layer->mediaType)) {
      if (!layer->hasUrls) {
        return invalid("manifest " + field + " is a non-distributable layer and must list urls");
      }
      continue;  // fetched from its urls, so it need not exist here
    }
    out.blobRefs.push_back(std::move(layer->digest));
  }

  auto artifactType = optionalString(body, "artifactType", "manifest ");
  if (!artifactType.ok()) {
    return std::move(artifactType).error();
  }
  // Referrers rule (distribution spec 1.1): without artifactType, report config.mediaType.
  out.artifactType =
      artifactType->empty() ? std::move(configDesc->mediaType) : std::move(artifactType).value();
  return okStatus();
}

Status parseIndex(const json& body, ParsedManifest& out) {
  const json* manifests = optionalField(body, "manifests");
  if (manifests == nullptr || !manifests->is_array()) {
    return invalid("index must have a manifests array");
  }
  for (std::size_t i = 0; i < manifests->size(); ++i) {
    auto child = parseDescriptor((*manifests)[i], "manifests[" + std::to_string(i) + "]");
    if (!child.ok()) {
      return std::move(child).error();
    }
    out.manifestRefs.push_back(std::move(child->digest));
  }
  auto artifactType = optionalString(body, "artifactType", "index ");
  if (!artifactType.ok()) {
    return std::move(artifactType).error();
  }
  out.artifactType = std::move(artifactType).value();
  return okStatus();
}

// Decides the effective media type (see the header for the precedence).
Result<std::string_view> effectiveMediaType(std::string_view contentType, const json& body) {
  const std::string ctNormalized = normalizeMediaType(contentType);
  auto bodyType = optionalString(body, "mediaType", "manifest ");
  if (!bodyType.ok()) {
    return std::move(bodyType).error();
  }
  const std::string bodyNormalized = normalizeMediaType(*bodyType);

  const json* schemaVersion = optionalField(body, "schemaVersion");
  const bool schema1 = ctNormalized.starts_with(kSchema1Prefix) ||
                       bodyNormalized.starts_with(kSchema1Prefix) ||
                       (schemaVersion != nullptr && schemaVersion->is_number_integer() &&
                        *schemaVersion == 1);
  if (schema1) {
    return invalid(std::string(kSchema1Message));
  }

  const std::string_view fromHeader = canonicalManifestType(ctNormalized);
  const std::string_view fromBody = canonicalManifestType(bodyNormalized);
  if (!fromHeader.empty()) {
    if (!bodyType->empty() && bodyNormalized != fromHeader) {
      return invalid("manifest mediaType '" + echo(*bodyType) +
                         "' does not match the Content-Type '" + std::string(fromHeader) + "'",
                     echo(*bodyType));
    }
    return fromHeader;
  }
  if (!fromBody.empty()) {
    return fromBody;
  }
  if (!bodyType->empty()) {
    return invalid("manifest mediaType '" + echo(*bodyType) +
                       "' is not a supported manifest type (OCI image manifest or index, Docker "
                       "schema 2 manifest or manifest list)",
                   echo(*bodyType));
  }
  if (const json* m = optionalField(body, "manifests"); m != nullptr && m->is_array()) {
    return media_types::kOciIndex;
  }
  if (body.contains("config") && body.contains("layers")) {
    return media_types::kOciManifest;
  }
  return invalid(
      "cannot tell the manifest type: send Content-Type " + std::string(media_types::kOciManifest) +
          " or " + std::string(media_types::kOciIndex) + ", or set mediaType in the body",
      echo(contentType));
}

}  // namespace

bool isManifestMediaType(std::string_view mediaType) {
  return !canonicalManifestType(normalizeMediaType(mediaType)).empty();
}

Result<ParsedManifest> parseManifest(std::string_view contentType, std::string_view bytes) {
  BERTH_TRY(checkNesting(bytes));
  // Non-throwing parse: nlohmann reports failure through is_discarded() instead of an exception.
  const json body = json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    return syntaxError(bytes);
  }
  if (!body.is_object()) {
    return invalid("manifest must be a JSON object");
  }

  auto type = effectiveMediaType(contentType, body);
  if (!type.ok()) {
    return std::move(type).error();
  }

  const json* schemaVersion = optionalField(body, "schemaVersion");
  if (schemaVersion == nullptr || !schemaVersion->is_number_integer() || *schemaVersion != 2) {
    return invalid("manifest schemaVersion must be 2");
  }

  ParsedManifest out;
  out.mediaType = std::string(*type);
  out.isIndex = isIndexType(*type);
  BERTH_TRY(out.isIndex ? parseIndex(body, out) : parseImageManifest(body, out));

  if (const json* subject = optionalField(body, "subject")) {
    auto desc = parseDescriptor(*subject, "subject");
    if (!desc.ok()) {
      return std::move(desc).error();
    }
    out.subject = std::move(desc->digest);
  }
  if (const json* annotations = optionalField(body, "annotations")) {
    BERTH_TRY(checkStringMap(*annotations, "manifest annotations"));
    // The parser already rejected invalid UTF-8; replace keeps dump() non-throwing regardless.
    out.annotationsJson = annotations->dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return out;
}

}  // namespace berth::registry
