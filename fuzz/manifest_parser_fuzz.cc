// Fuzz target for registry::parseManifest. Input format: the bytes up to the first '\n' are the
// Content-Type (so the fuzzer explores header/body disagreements), the rest is the body; without
// a '\n' the whole input is the body and the Content-Type is empty.
// Beyond "does not crash", it checks the parser's contract and aborts on any violation.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "registry/manifest_parser.h"

namespace {

namespace mt = berth::registry::media_types;

void check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view contentType;
  std::string_view body = input;
  if (const auto nl = input.find('\n'); nl != std::string_view::npos) {
    contentType = input.substr(0, nl);
    body = input.substr(nl + 1);
  }

  auto parsed = berth::registry::parseManifest(contentType, body);
  if (!parsed.ok()) {
    check(parsed.error().code == berth::Errc::kManifestInvalid);
    check(!parsed.error().message.empty());
    // Error text goes back to the client; it must stay bounded whatever the input.
    check(parsed.error().message.size() < 1024 && parsed.error().detail.size() < 1024);
    return 0;
  }

  const auto& m = *parsed;
  check(berth::registry::isManifestMediaType(m.mediaType));
  check(m.isIndex == (m.mediaType == mt::kOciIndex || m.mediaType == mt::kDockerManifestList));
  if (m.isIndex) {
    check(m.blobRefs.empty());
  } else {
    check(m.manifestRefs.empty());
    check(!m.blobRefs.empty());       // the config is always a blob reference
    check(!m.artifactType.empty());  // falls back to config.mediaType, which is non-empty
  }
  if (!m.annotationsJson.empty()) {
    const auto annotations = nlohmann::json::parse(m.annotationsJson, nullptr, false);
    check(annotations.is_object());
  }

  // Naming the effective type explicitly must give the same answer.
  auto again = berth::registry::parseManifest(m.mediaType, body);
  check(again.ok());
  check(again->mediaType == m.mediaType && again->blobRefs == m.blobRefs &&
        again->manifestRefs == m.manifestRefs && again->subject == m.subject &&
        again->artifactType == m.artifactType && again->annotationsJson == m.annotationsJson);
  return 0;
}
