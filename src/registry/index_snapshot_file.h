#pragma once
// The index snapshot on disk: written atomically (temporary file, fsync, rename, fsync of the
// directory) and read through a private read-only mapping, so a start touches only the pages of
// the header, the directory and the blob table, and a repository's section is paged in when it
// is first decoded. Whether a file may be used at all is the catalog's call (its token, see
// ManifestCatalog::indexSnapshotToken); this layer only checks that the file is the one named.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/digest.h"
#include "common/result.h"
#include "common/unique_fd.h"
#include "registry/index_snapshot_format.h"

namespace berth::registry {

/// A fresh random token (kTokenBytes hex characters).
Result<std::string> newIndexSnapshotToken();

class IndexSnapshotFile {
 public:
  /// Maps the file and checks its header and that it carries `expectedToken`. Null when the file
  /// does not exist; kInternal (with the reason) when it cannot be used.
  static Result<std::shared_ptr<const IndexSnapshotFile>> open(const std::filesystem::path& file,
                                                               std::string_view expectedToken);
  ~IndexSnapshotFile();
  IndexSnapshotFile(const IndexSnapshotFile&) = delete;
  IndexSnapshotFile& operator=(const IndexSnapshotFile&) = delete;

  std::string_view bytes() const noexcept { return bytes_; }
  const snapshot::Header& header() const noexcept { return header_; }
  const std::filesystem::path& path() const noexcept { return path_; }
  /// Lets the kernel drop the pages of the tables, checked once at start; lookups fault back in
  /// only the pages they read.
  void releaseTables() const noexcept;

  IndexSnapshotFile(std::filesystem::path path, std::string_view bytes, snapshot::Header header)
      : path_(std::move(path)), bytes_(bytes), header_(std::move(header)) {}

 private:
  std::filesystem::path path_;
  std::string_view bytes_;  // the mapping, unmapped by the destructor
  snapshot::Header header_;
};

/// Writes a snapshot: sections first (streamed through a buffer), then the directory, the name
/// pool and the blob table, then the header. Nothing is visible under the final name until commit() returns
/// OK; a writer destroyed before that removes its temporary file.
class IndexSnapshotWriter {
 public:
  static Result<IndexSnapshotWriter> create(const std::filesystem::path& file, std::string token);
  IndexSnapshotWriter(IndexSnapshotWriter&&) noexcept;
  IndexSnapshotWriter& operator=(IndexSnapshotWriter&&) = delete;
  ~IndexSnapshotWriter();

  /// Repositories must come in strictly ascending name order.
  Status addRepository(std::string_view name, std::string_view section);
  void addBlob(const Digest& digest, std::uint64_t size);
  /// Durable under the final name when OK.
  Status commit();

 private:
  IndexSnapshotWriter(std::filesystem::path file, std::filesystem::path temp, UniqueFd fd,
                      std::string token);
  Status append(std::string_view bytes);
  Status flush();

  std::filesystem::path file_, temp_;
  UniqueFd fd_;
  std::string token_;
  std::string buffer_;
  std::uint64_t written_ = 0;  // bytes in the file or in buffer_
  std::string directory_, names_, blobs_;
  std::string lastName_;
  std::uint64_t repositories_ = 0, blobCount_ = 0;
  bool committed_ = false;
};

}  // namespace berth::registry
