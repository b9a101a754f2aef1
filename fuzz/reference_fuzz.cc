// Fuzz target for the reference validators (repository names, tags, tag-or-digest). The whole
// input is tried as each kind. Short inputs are also checked against the distribution spec's
// regular expressions, the grammar as written, which the hand-written scanners must agree with.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <regex>
#include <string>
#include <string_view>

#include "common/digest.h"
#include "common/reference.h"

namespace {

void check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

// std::regex recurses per input character; the oracle is only consulted for inputs this short.
constexpr std::size_t kMaxOracleLength = 64;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  const bool nameOk = berth::validateRepositoryName(input).ok();
  const bool tagOk = berth::validateTag(input).ok();
  const bool digestLike = berth::looksLikeDigest(input);
  const bool digestOk = berth::Digest::parse(input).ok();

  if (nameOk) {
    check(!input.empty() && input.size() <= berth::kMaxRepositoryNameLength);
    check(input.find("//") == std::string_view::npos && input.front() != '/' &&
          input.back() != '/');
  }
  if (tagOk) {
    check(!digestLike);  // a valid tag must never be mistaken for a digest
  }
  if (digestOk) {
    check(digestLike && !tagOk);
  }
  if (!nameOk) {
    auto status = berth::validateRepositoryName(input);
    check(status.error().code == berth::Errc::kNameInvalid && status.error().detail.size() <= 300);
  }

  if (size <= kMaxOracleLength) {
    // Immutable after first use, so this is a constant, not shared mutable state.
    static const std::regex kNameGrammar(
        R"([a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*)");
    static const std::regex kTagGrammar(R"([a-zA-Z0-9_][a-zA-Z0-9._-]{0,127})");
    const std::string s(input);
    check(nameOk == std::regex_match(s, kNameGrammar));
    check(tagOk == std::regex_match(s, kTagGrammar));
  }
  return 0;
}
