// Fuzz target for the index snapshot format (registry/index_snapshot_format.h), which berth reads
// from a file it wrote itself but must never trust blindly: a damaged or foreign file has to end
// in an error, not a read outside the input. The input is taken whole as a snapshot file (header,
// directory, every section, blob table) and whole as one repository section. Checks contracts:
// errors are kInternal with a bounded message; every name and section the directory hands out
// lies inside the input; binary search finds every listed name at its own index.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "registry/index_snapshot_format.h"

namespace {

namespace snapshot = berth::registry::snapshot;

void check(bool condition) {
  if (!condition) std::abort();
}

bool inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void checkError(const berth::Status& status) {
  if (!status.ok()) {
    check(status.error().code == berth::Errc::kInternal);
    check(status.error().message.size() < 400);
  }
}

void decodeSection(std::string_view section) {
  berth::metadata::CatalogVisitor visitor;
  visitor.manifest = [](std::string_view, berth::metadata::ManifestRow&& row) {
    check(!row.digest.empty());
    check(!row.subject || !row.subject->empty());
  };
  visitor.tag = [](std::string_view, std::string_view tag, berth::Digest&& digest) {
    check(!tag.empty() && tag.size() <= 128);
    check(!digest.empty());
  };
  visitor.blobLink = [](std::string_view, berth::Digest&& digest) { check(!digest.empty()); };
  checkError(snapshot::decodeRepository(section, "fuzz/repo", visitor));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  decodeSection(input);

  auto header = snapshot::decodeHeader(input);
  if (!header.ok()) {
    checkError(berth::Status(header.error()));
    return 0;
  }
  checkError(snapshot::decodeBlobs(input, *header, [](berth::Digest&& digest, std::uint64_t) {
    check(!digest.empty());
  }));
  auto directory = snapshot::Directory::open(input, *header);
  if (!directory.ok()) {
    checkError(berth::Status(directory.error()));
    return 0;
  }
  for (std::size_t i = 0; i < directory->size(); ++i) {
    const std::string_view name = directory->name(i);
    const std::string_view section = directory->section(i);
    check(!name.empty() && inside(name, input));
    check(inside(section, input));
    check(directory->find(name) == i);
    check(directory->lowerBound(name) == i && directory->upperBound(name) == i + 1);
    if (i > 0) check(directory->name(i - 1) < name);
    decodeSection(section);
  }
  return 0;
}
