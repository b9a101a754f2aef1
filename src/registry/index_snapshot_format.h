#pragma once
// The byte format of an index snapshot: the in-memory index of one registry, written to a file
// when the daemon stops cleanly so that the next start maps it instead of reading every catalog
// row (registry/index_snapshot_file.h does the I/O; this file only encodes and decodes, so that
// it can be fuzzed).
//
// Layout, integers little-endian:
//   header       magic, version, the offsets and sizes of the tables below, counts, token
//   sections     one per repository: its manifests, tags and blob links (RepositoryEncoder)
//   directory    one fixed-size record per repository, in strictly ascending name order: where
//                its name lies in the name pool and where its section lies
//   names        the repository names, back to back
//   blobs        per blob of the registry: digest, size
// A start checks the directory in one pass and reads the blob table, and allocates nothing per
// repository: names are found by binary search in the mapped file, and a repository's section
// is decoded the first time a request needs it. Sections are position-independent, so a
// snapshot written over one that was mapped copies the sections nobody decoded byte for byte.
// Everything is bounds-checked: a damaged file yields kInternal naming what is wrong, never a
// read outside the file.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/digest.h"
#include "common/result.h"
#include "metadata/manifest_catalog.h"

namespace berth::registry::snapshot {

inline constexpr std::string_view kMagic{"BERTHIX\n", 8};
inline constexpr std::uint32_t kFormatVersion = 1;
/// A token is 32 characters (16 random bytes in hex), stored in the header and in the catalog.
inline constexpr std::size_t kTokenBytes = 32;
inline constexpr std::size_t kHeaderBytes = 8 + 4 + 4 + 9 * 8 + kTokenBytes;
/// A directory record: name offset and length (u32 each), section offset and length (u64 each).
inline constexpr std::size_t kDirectoryRecordBytes = 24;

struct Header {
  std::uint64_t fileBytes = 0;
  std::uint64_t directoryOffset = 0;
  std::uint64_t directoryBytes = 0;
  std::uint64_t namesOffset = 0;
  std::uint64_t namesBytes = 0;
  std::uint64_t blobsOffset = 0;
  std::uint64_t blobsBytes = 0;
  std::uint64_t repositoryCount = 0;
  std::uint64_t blobCount = 0;
  std::string token;
};

std::string encodeHeader(const Header& header);
/// Checks magic, version, that the file is as long as the header says and that the tables lie
/// inside it after the header.
Result<Header> decodeHeader(std::string_view file);

/// Builds one repository's section.
class RepositoryEncoder {
 public:
  void addManifest(const Digest& digest, std::string_view mediaType, std::string_view artifactType,
                   const std::optional<Digest>& subject, std::int64_t createdUnixSeconds,
                   std::string_view bytes);
  void addTag(std::string_view tag, const Digest& digest);
  void addBlobLink(const Digest& digest);
  /// The section; the encoder is empty again afterwards.
  std::string finish();

 private:
  std::string manifests_, tags_, links_;
  std::uint32_t manifestCount_ = 0, tagCount_ = 0, linkCount_ = 0;
};

/// Decodes a section into the same callbacks ManifestCatalog::load() uses (repository given),
/// tags in the order they were added. The bytes of each manifest are copied out of `section`.
Status decodeRepository(std::string_view section, std::string_view repository,
                        const metadata::CatalogVisitor& visitor);

/// Appends one repository to a directory and name pool being built.
void encodeDirectoryEntry(std::string& records, std::string& names, std::string_view repository,
                          std::uint64_t offset, std::uint64_t length);
void encodeBlobEntry(std::string& table, const Digest& digest, std::uint64_t size);

/// The repository directory of a mapped file, read in place.
class Directory {
 public:
  Directory() = default;
  /// Checks every record once: names non-empty, inside the pool and strictly ascending; sections
  /// between the header and the directory. Reads the file; allocates nothing.
  static Result<Directory> open(std::string_view file, const Header& header);

  std::size_t size() const noexcept { return count_; }
  std::string_view name(std::size_t i) const noexcept;
  std::string_view section(std::size_t i) const noexcept;
  /// The first repository whose name is not less than / greater than `name`.
  std::size_t lowerBound(std::string_view name) const noexcept;
  std::size_t upperBound(std::string_view name) const noexcept;
  /// The repository called `name`, or size() when there is none.
  std::size_t find(std::string_view name) const noexcept;

 private:
  struct Record {
    std::uint32_t nameOffset, nameLength;
    std::uint64_t sectionOffset, sectionLength;
  };
  Record record(std::size_t i) const noexcept;

  std::string_view file_;
  std::string_view records_;
  std::string_view names_;
  std::size_t count_ = 0;
};

Status decodeBlobs(std::string_view file, const Header& header,
                   const std::function<void(Digest&& digest, std::uint64_t size)>& visit);

}  // namespace berth::registry::snapshot
