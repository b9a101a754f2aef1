#include "storage/fs/fs_blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>
#include <system_error>
#include <utility>

#include "common/unique_fd.h"

namespace berth::storage {
namespace {

namespace fs = std::filesystem;

// Blob bytes of a private registry are not for other local users; umask can only narrow this.
constexpr mode_t kFileMode = 0640;
constexpr mode_t kDirMode = 0750;

constexpr std::size_t kMaxRegistryNameLength = 50;
constexpr std::size_t kMaxUploadIdLength = 128;
// Longest diagnostic echo of a rejected name, so a hostile name cannot bloat logs.
constexpr std::size_t kMaxEchoedNameLength = 64;

constexpr const char* kRegistriesDirName = "registries";
constexpr const char* kBlobsDirName = "blobs";
constexpr const char* kUploadsDirName = "uploads";
constexpr const char* kTrashDirName = "trash";

bool isRegistryName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxRegistryNameLength &&
         std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

bool isUploadId(std::string_view id) {
  return !id.empty() && id.size() <= kMaxUploadIdLength &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-';
         });
}

Status checkRegistry(std::string_view registry) {
  if (!isRegistryName(registry)) {
    return fail(Errc::kNameInvalid, "registry names are 1 to 50 lowercase letters or digits",
                std::string(registry.substr(0, kMaxEchoedNameLength)));
  }
  return okStatus();
}

Status checkUpload(std::string_view registry, std::string_view uploadId) {
  BERTH_TRY(checkRegistry(registry));
  if (!isUploadId(uploadId)) {
    return fail(Errc::kBlobUploadUnknown,
                "blob upload unknown: upload ids are 1 to 128 letters, digits or '-'",
                std::string(uploadId.substr(0, kMaxEchoedNameLength)));
  }
  return okStatus();
}

// A default-constructed Digest would map to the algorithm directory itself.
Status checkDigest(const Digest& digest) {
  if (digest.empty()) {
    return fail(Errc::kDigestInvalid, "a digest is required");
  }
  return okStatus();
}

Error blobUnknown(const Digest& digest) {
  return makeError(Errc::kBlobUnknown, "blob unknown to registry", digest.str());
}

Error uploadUnknown(std::string_view uploadId) {
  return makeError(Errc::kBlobUploadUnknown, "blob upload unknown to registry; start a new upload",
                   std::string(uploadId));
}

std::string errnoText(int err) { return std::generic_category().message(err); }

Error ioError(int err, std::string_view action, const fs::path& path) {
  return internalError(std::string(action) + " '" + path.string() + "' failed: " + errnoText(err) +
                       "; check free disk space and permissions of the blob storage directory");
}

// The errnos by which a path says "nothing here": missing, or a parent that is not a directory.
bool isAbsent(int err) { return err == ENOENT || err == ENOTDIR; }

// Slow devices and network filesystems may interrupt calls with signals; never surface that.
template <typename Call>
auto retryOnEintr(Call call) {
  for (;;) {
    auto result = call();
    if (result != -1 || errno != EINTR) {
      return result;
    }
  }
}

UniqueFd openFile(const fs::path& path, int flags, mode_t mode = 0) {
  return UniqueFd(retryOnEintr([&] { return ::open(path.c_str(), flags | O_CLOEXEC, mode); }));
}

// A rename or create is durable only once the directory holding the new name is on disk.
Status syncDir(const fs::path& dir) {
  UniqueFd fd = openFile(dir, O_RDONLY | O_DIRECTORY);
  if (!fd) {
    return ioError(errno, "open directory", dir);
  }
  if (retryOnEintr([&] { return ::fsync(fd.get()); }) != 0) {
    return ioError(errno, "flush directory", dir);
  }
  return okStatus();
}

struct DirCloser {
  void operator()(DIR* dir) const noexcept { ::closedir(dir); }
};
using DirHandle = std::unique_ptr<DIR, DirCloser>;

// Calls visit(name, stat) for every entry of `dir` except dot-files, not following symlinks; a
// missing directory has no entries. Entries removed while walking are skipped, so listing runs
// safely alongside publish and delete. Stops at the first error visit returns.
template <typename Visit>
Status forEachEntry(const fs::path& dir, Visit&& visit) {
  UniqueFd fd = openFile(dir, O_RDONLY | O_DIRECTORY);
  if (!fd) {
    int err = errno;
    return isAbsent(err) ? okStatus() : Status(ioError(err, "open directory", dir));
  }
  DirHandle handle(::fdopendir(fd.get()));
  if (!handle) {
    return ioError(errno, "list directory", dir);
  }
  (void)fd.release();  // now owned by handle
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(handle.get());
    if (entry == nullptr) {
      if (errno != 0) {
        return ioError(errno, "list directory", dir);
      }
      return okStatus();
    }
    std::string_view name(entry->d_name);
    if (name.starts_with('.')) {
      continue;
    }
    struct stat st {};
    if (::fstatat(::dirfd(handle.get()), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      int err = errno;
      if (err == ENOENT) {
        continue;
      }
      return ioError(err, "inspect", dir / name);
    }
    BERTH_TRY(visit(name, st));
  }
}

class FsBlobReader final : public BlobReader {
 public:
  FsBlobReader(UniqueFd fd, std::uint64_t size, fs::path path)
      : fd_(std::move(fd)), size_(size), path_(std::move(path)) {}

  std::uint64_t size() const override { return size_; }
  int fileDescriptor() const override { return fd_.get(); }

  Result<std::size_t> readAt(std::uint64_t offset, std::span<std::byte> out) override {
    if (offset >= size_ || out.empty()) {
      return std::size_t{0};
    }
    // Bounded by the size seen at open, so an upload read while growing stays self-consistent.
    std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), size_ - offset));
    ssize_t n = retryOnEintr(
        [&] { return ::pread(fd_.get(), out.data(), want, static_cast<off_t>(offset)); });
    if (n < 0) {
      return ioError(errno, "read", path_);
    }
    return static_cast<std::size_t>(n);
  }

 private:
  UniqueFd fd_;
  std::uint64_t size_;
  fs::path path_;  // for error messages only; the file may since have been renamed or deleted
};

// `absent` makes the not-found error, lazily: pulls open blobs far more often than they miss.
template <typename MakeAbsentError>
Result<std::unique_ptr<BlobReader>> openReader(const fs::path& path, MakeAbsentError absent) {
  UniqueFd fd = openFile(path, O_RDONLY);
  if (!fd) {
    int err = errno;
    return isAbsent(err) ? absent() : ioError(err, "open", path);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return ioError(errno, "inspect", path);
  }
  if (!S_ISREG(st.st_mode)) {
    return absent();
  }
  return std::unique_ptr<BlobReader>(
      std::make_unique<FsBlobReader>(std::move(fd), static_cast<std::uint64_t>(st.st_size), path));
}

class FsUploadWriter final : public UploadWriter {
 public:
  FsUploadWriter(UniqueFd fd, std::uint64_t size, fs::path path, std::string uploadId)
      : fd_(std::move(fd)), size_(size), path_(std::move(path)), uploadId_(std::move(uploadId)) {}

  std::uint64_t size() const override { return size_; }

  Status append(std::span<const std::byte> bytes) override {
    std::size_t written = 0;
    if (int err = writeAt(fd_.get(), bytes, size_, written); err != 0) {
      return rollBack(err);
    }
    size_ += bytes.size();
    startWriteback();
    return okStatus();
  }

  Status appendUncached(std::span<const std::byte> bytes) override {
    // [head: up to the next block boundary][middle: whole blocks, O_DIRECT][tail]. The head and
    // tail go through the page cache; the fsync at publish covers both kinds of write.
    constexpr std::size_t kBlock = kUploadDirectAlignment;
    const std::size_t head =
        std::min<std::size_t>(bytes.size(), (kBlock - size_ % kBlock) % kBlock);
    const std::size_t middle = (bytes.size() - head) / kBlock * kBlock;
    if (middle == 0 || reinterpret_cast<std::uintptr_t>(bytes.data() + head) % kBlock != 0 ||
        !openDirect()) {
      return append(bytes);
    }
    // Each writeAt continues from `done` up to the end of the span it is given.
    std::size_t done = 0;
    int err = writeAt(fd_.get(), bytes.first(head), size_, done);
    if (err == 0) {
      err = writeAt(directFd_.get(), bytes.first(head + middle), size_, done);
      if (err == EINVAL) {
        // The filesystem turned direct I/O down: the rest, and later appends, go buffered.
        directFd_.reset();
        directRefused_ = true;
        err = 0;
      }
    }
    if (err == 0) {
      err = writeAt(fd_.get(), bytes, size_, done);
    }
    if (err != 0) {
      return rollBack(err);
    }
    size_ += bytes.size();
    return okStatus();
  }

  Status truncate(std::uint64_t size) override {
    if (size > size_) {
      // Growing would invent zero bytes the client never sent.
      return internalError("cannot truncate upload " + uploadId_ + " to " + std::to_string(size) +
                           " bytes: it holds only " + std::to_string(size_));
    }
    if (retryOnEintr([&] { return ::ftruncate(fd_.get(), static_cast<off_t>(size)); }) != 0) {
      return ioError(errno, "truncate upload", path_);
    }
    size_ = size;
    return okStatus();
  }

  Result<std::unique_ptr<BlobReader>> openForRead() override {
    return openReader(path_, [this] { return uploadUnknown(uploadId_); });
  }

 private:
  Status rollBack(int writeErr) {
    Error error = ioError(writeErr, "write upload", path_);
    if (retryOnEintr([&] { return ::ftruncate(fd_.get(), static_cast<off_t>(size_)); }) != 0) {
      int truncateErr = errno;
      // size_ stays authoritative either way: the next append overwrites the stray tail.
      error.message += " (and cutting it back to " + std::to_string(size_) +
                       " bytes failed: " + errnoText(truncateErr) + ")";
    }
    return error;
  }

  /// Writes bytes[written, size) at offset + written, advancing `written`. pwrite at our own
  /// offset rather than O_APPEND: the offset is the single source of truth for size(), and a
  /// failed append is undone by cutting the file back to it. Returns 0 or an errno.
  static int writeAt(int fd, std::span<const std::byte> bytes, std::uint64_t offset,
                     std::size_t& written) {
    while (written < bytes.size()) {
      ssize_t n = ::pwrite(fd, bytes.data() + written, bytes.size() - written,
                           static_cast<off_t>(offset + written));
      if (n > 0) {
        written += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) {
        continue;
      }
      // A zero-byte write makes no progress; treat it as the disk being full.
      return n < 0 ? errno : ENOSPC;
    }
    return 0;
  }

  bool openDirect() {
    if (directFd_) return true;
    if (directRefused_) return false;
    directFd_ = openFile(path_, O_WRONLY | O_DIRECT);
    // EINVAL: the filesystem has no direct I/O (e.g. some network or FUSE filesystems).
    directRefused_ = !directFd_;
    return !directRefused_;
  }

  /// Asks the kernel to start writing completed ranges to disk now, without waiting for them,
  /// so the fsync at publish has little left to do: a 1 GiB push otherwise ends with a ~1.5 s
  /// fsync after the last byte arrived. Also keeps dirty page cache per upload bounded.
  void startWriteback() {
    if (size_ - flushedTo_ < kWritebackChunk) return;
    const std::uint64_t end = size_ - size_ % kWritebackChunk;
    // Advisory: a failure only means the final fsync does the work.
    (void)::sync_file_range(fd_.get(), static_cast<off_t>(flushedTo_),
                            static_cast<off_t>(end - flushedTo_), SYNC_FILE_RANGE_WRITE);
    flushedTo_ = end;
  }

  static constexpr std::uint64_t kWritebackChunk = 8 * 1024 * 1024;

  UniqueFd fd_;
  UniqueFd directFd_;  // opened on the first uncached append
  bool directRefused_ = false;
  std::uint64_t size_;
  std::uint64_t flushedTo_ = 0;
  fs::path path_;
  std::string uploadId_;
};

}  // namespace

Result<std::unique_ptr<FsBlobStore>> FsBlobStore::open(fs::path root) {
  if (root.empty()) {
    return internalError("no blob storage directory given; configure an absolute path");
  }
  std::error_code ec;
  fs::path absolute = fs::absolute(root, ec).lexically_normal();
  if (ec) {
    return internalError("cannot resolve blob storage directory '" + root.string() +
                         "': " + ec.message());
  }
  if (!absolute.has_filename() && absolute.has_relative_path()) {
    absolute = absolute.parent_path();  // drop the trailing slash so parent_path() walks up
  }
  fs::create_directories(absolute, ec);
  if (ec || !fs::is_directory(absolute, ec)) {
    return internalError("cannot use '" + absolute.string() + "' as blob storage directory: " +
                         (ec ? ec.message() : std::string("not a directory")) +
                         "; create it as a directory writable by the berth user");
  }
  std::unique_ptr<FsBlobStore> store(new FsBlobStore(std::move(absolute)));
  BERTH_TRY(store->ensureDir(store->root_ / kRegistriesDirName));
  BERTH_TRY(store->ensureDir(store->trashDir()));
  BERTH_TRY(store->sweepTrash());
  BERTH_TRY(store->checkWritable());
  return store;
}

fs::path FsBlobStore::registryDir(std::string_view registry) const {
  return root_ / kRegistriesDirName / registry;
}

fs::path FsBlobStore::blobPath(std::string_view registry, const Digest& digest) const {
  std::string_view hex = digest.hex();
  return registryDir(registry) / kBlobsDirName / digest.algorithmName() / hex.substr(0, 2) / hex;
}

fs::path FsBlobStore::uploadsDir(std::string_view registry) const {
  return registryDir(registry) / kUploadsDirName;
}

fs::path FsBlobStore::uploadPath(std::string_view registry, std::string_view uploadId) const {
  return uploadsDir(registry) / uploadId;
}

fs::path FsBlobStore::trashDir() const { return root_ / kTrashDirName; }

Status FsBlobStore::ensureDir(const fs::path& dir) const {
  if (::mkdir(dir.c_str(), kDirMode) == 0) {
    return syncDir(dir.parent_path());
  }
  int err = errno;
  if (err == EEXIST) {
    return okStatus();
  }
  // Stop at the root: if it vanished, recreating it empty would hide the operator's mistake.
  if (err == ENOENT && dir.parent_path() != root_ && dir.has_relative_path()) {
    BERTH_TRY(ensureDir(dir.parent_path()));
    if (::mkdir(dir.c_str(), kDirMode) == 0) {
      return syncDir(dir.parent_path());
    }
    err = errno;
    if (err == EEXIST) {
      return okStatus();
    }
  }
  return ioError(err, "create directory", dir);
}

Status FsBlobStore::sweepTrash() const {
  const fs::path trash = trashDir();
  return forEachEntry(trash, [&](std::string_view name, const struct stat&) -> Status {
    std::error_code ec;
    fs::remove_all(trash / name, ec);
    if (ec) {
      return internalError("cannot finish deleting '" + (trash / name).string() + "': " +
                           ec.message() + "; check permissions of the blob storage directory");
    }
    return okStatus();
  });
}

Status FsBlobStore::checkWritable() const {
  // A real write, because permission bits say nothing about read-only mounts or running as root.
  std::string probe = (trashDir() / "probe-XXXXXX").string();
  if (::mkdtemp(probe.data()) == nullptr) {
    return ioError(errno, "create a test directory in", trashDir());
  }
  if (::rmdir(probe.c_str()) != 0) {
    return ioError(errno, "remove test directory", probe);
  }
  return okStatus();
}

Result<std::uint64_t> FsBlobStore::stat(std::string_view registry, const Digest& digest) {
  BERTH_TRY(checkRegistry(registry));
  BERTH_TRY(checkDigest(digest));
  const fs::path path = blobPath(registry, digest);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    return isAbsent(err) ? blobUnknown(digest) : ioError(err, "inspect blob", path);
  }
  if (!S_ISREG(st.st_mode)) {
    return blobUnknown(digest);
  }
  return static_cast<std::uint64_t>(st.st_size);
}

Result<std::unique_ptr<BlobReader>> FsBlobStore::open(std::string_view registry,
                                                      const Digest& digest) {
  BERTH_TRY(checkRegistry(registry));
  BERTH_TRY(checkDigest(digest));
  return openReader(blobPath(registry, digest), [&] { return blobUnknown(digest); });
}

Result<std::unique_ptr<UploadWriter>> FsBlobStore::createUpload(std::string_view registry,
                                                                std::string_view uploadId) {
  BERTH_TRY(checkUpload(registry, uploadId));
  const fs::path path = uploadPath(registry, uploadId);
  constexpr int kFlags = O_RDWR | O_CREAT | O_EXCL;
  UniqueFd fd = openFile(path, kFlags, kFileMode);
  if (!fd && errno == ENOENT) {
    // First upload of this registry; the directory is created lazily so that an unused registry
    // costs nothing. No fsync: an upload lost in a crash is merely unknown.
    BERTH_TRY(ensureDir(uploadsDir(registry)));
    fd = openFile(path, kFlags, kFileMode);
  }
  if (!fd) {
    int err = errno;
    if (err == EEXIST) {
      return fail(Errc::kConflict, "an upload with this id already exists", std::string(uploadId));
    }
    return ioError(err, "create upload", path);
  }
  return std::unique_ptr<UploadWriter>(
      std::make_unique<FsUploadWriter>(std::move(fd), 0, path, std::string(uploadId)));
}

Result<std::unique_ptr<UploadWriter>> FsBlobStore::openUpload(std::string_view registry,
                                                              std::string_view uploadId) {
  BERTH_TRY(checkUpload(registry, uploadId));
  const fs::path path = uploadPath(registry, uploadId);
  UniqueFd fd = openFile(path, O_RDWR);
  if (!fd) {
    int err = errno;
    return isAbsent(err) || err == EISDIR ? uploadUnknown(uploadId)
                                          : ioError(err, "open upload", path);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return ioError(errno, "inspect upload", path);
  }
  if (!S_ISREG(st.st_mode)) {
    return uploadUnknown(uploadId);
  }
  return std::unique_ptr<UploadWriter>(std::make_unique<FsUploadWriter>(
      std::move(fd), static_cast<std::uint64_t>(st.st_size), path, std::string(uploadId)));
}

Status FsBlobStore::publishUpload(std::string_view registry, std::string_view uploadId,
                                  const Digest& digest) {
  BERTH_TRY(checkUpload(registry, uploadId));
  BERTH_TRY(checkDigest(digest));
  const fs::path upload = uploadPath(registry, uploadId);
  const fs::path blob = blobPath(registry, digest);
  {
    // The bytes must be on disk before their name is: a digest never names partial bytes.
    UniqueFd fd = openFile(upload, O_RDONLY);
    if (!fd) {
      int err = errno;
      return isAbsent(err) ? Status(uploadUnknown(uploadId))
                           : Status(ioError(err, "open upload", upload));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
      return ioError(errno, "inspect upload", upload);
    }
    if (!S_ISREG(st.st_mode)) {
      return uploadUnknown(uploadId);
    }
    if (retryOnEintr([&] { return ::fsync(fd.get()); }) != 0) {
      return ioError(errno, "flush upload", upload);
    }
  }
  BERTH_TRY(moveIntoPlace(upload, blob, uploadId));
  // Also when the blob already existed: a concurrent publish of the same digest may have renamed
  // but not yet synced, and OK promises durability.
  BERTH_TRY(syncDir(blob.parent_path()));
  return syncDir(upload.parent_path());
}

Status FsBlobStore::moveIntoPlace(const fs::path& upload, const fs::path& blob,
                                  std::string_view uploadId) const {
  auto discardUpload = [&]() -> Status {
    if (::unlink(upload.c_str()) != 0 && errno != ENOENT) {
      return ioError(errno, "remove upload", upload);
    }
    return okStatus();
  };
  for (bool createdDir = false;; createdDir = true) {
    // NOREPLACE keeps an existing blob's inode (and its readers' view) untouched.
    if (::renameat2(AT_FDCWD, upload.c_str(), AT_FDCWD, blob.c_str(), RENAME_NOREPLACE) == 0) {
      return okStatus();
    }
    int err = errno;
    if (err == EEXIST) {
      return discardUpload();
    }
    if (err == EINVAL || err == ENOSYS) {
      // A filesystem without NOREPLACE: replacing would also be correct (same digest, same
      // bytes), checking first just spares the existing file.
      struct stat st {};
      if (::stat(blob.c_str(), &st) == 0) {
        return discardUpload();
      }
      if (::rename(upload.c_str(), blob.c_str()) == 0) {
        return okStatus();
      }
      err = errno;
    }
    if (err != ENOENT) {
      return ioError(err, "publish upload as", blob);
    }
    if (createdDir) {
      return uploadUnknown(uploadId);  // deleted meanwhile, or its registry was
    }
    // First blob under this prefix. Directories are never removed while the store runs (except
    // with their registry), so one retry suffices.
    BERTH_TRY(ensureDir(blob.parent_path()));
  }
}

Status FsBlobStore::deleteUpload(std::string_view registry, std::string_view uploadId) {
  BERTH_TRY(checkUpload(registry, uploadId));
  const fs::path path = uploadPath(registry, uploadId);
  if (::unlink(path.c_str()) != 0 && !isAbsent(errno)) {
    return ioError(errno, "remove upload", path);
  }
  return okStatus();
}

Status FsBlobStore::deleteBlob(std::string_view registry, const Digest& digest) {
  BERTH_TRY(checkRegistry(registry));
  BERTH_TRY(checkDigest(digest));
  // The prefix directory stays: removing it could race a publish that just created it.
  const fs::path path = blobPath(registry, digest);
  if (::unlink(path.c_str()) != 0 && !isAbsent(errno)) {
    return ioError(errno, "remove blob", path);
  }
  return okStatus();
}

Status FsBlobStore::listBlobs(std::string_view registry,
                              const std::function<void(const BlobEntry&)>& visit) {
  BERTH_TRY(checkRegistry(registry));
  const fs::path blobs = registryDir(registry) / kBlobsDirName;
  // Anything that is not exactly <alg>/<2 hex>/<hex> of a valid digest is skipped: leftovers of
  // tools or crashes must neither break listing nor be taken for blobs (and deleted by GC).
  return forEachEntry(blobs, [&](std::string_view alg, const struct stat& algSt) -> Status {
    if (!S_ISDIR(algSt.st_mode)) {
      return okStatus();
    }
    const fs::path algDir = blobs / alg;
    return forEachEntry(algDir, [&](std::string_view prefix, const struct stat& prefixSt) {
      if (!S_ISDIR(prefixSt.st_mode) || prefix.size() != 2) {
        return okStatus();
      }
      std::string text = std::string(alg) + ":";
      const std::size_t hexStart = text.size();
      return forEachEntry(algDir / prefix, [&](std::string_view name, const struct stat& st) {
        if (!S_ISREG(st.st_mode) || !name.starts_with(prefix)) {
          return okStatus();
        }
        text.resize(hexStart);
        text += name;
        Result<Digest> digest = Digest::parse(text);
        if (digest.ok()) {
          visit(BlobEntry{std::move(digest).value(), static_cast<std::uint64_t>(st.st_size),
                          static_cast<std::int64_t>(st.st_mtim.tv_sec)});
        }
        return okStatus();
      });
    });
  });
}

Status FsBlobStore::listUploads(std::string_view registry,
                                const std::function<void(const UploadEntry&)>& visit) {
  BERTH_TRY(checkRegistry(registry));
  return forEachEntry(uploadsDir(registry), [&](std::string_view name, const struct stat& st) {
    if (S_ISREG(st.st_mode) && isUploadId(name)) {
      visit(UploadEntry{std::string(name), static_cast<std::uint64_t>(st.st_size),
                        static_cast<std::int64_t>(st.st_mtim.tv_sec)});
    }
    return okStatus();
  });
}

Status FsBlobStore::deleteRegistry(std::string_view registry) {
  BERTH_TRY(checkRegistry(registry));
  // Rename out of sight first: the registry vanishes atomically, a concurrent publish cannot
  // make remove_all fail halfway, and a crash leaves trash that open() finishes, not a registry
  // with half its blobs.
  std::string holder = (trashDir() / "registry-XXXXXX").string();
  if (::mkdtemp(holder.data()) == nullptr) {
    return ioError(errno, "create a directory in", trashDir());
  }
  const fs::path source = registryDir(registry);
  const fs::path parked = fs::path(holder) / registry;
  bool existed = true;
  if (::rename(source.c_str(), parked.c_str()) != 0) {
    int err = errno;
    if (!isAbsent(err)) {
      ::rmdir(holder.c_str());  // best effort; open() sweeps it otherwise
      return ioError(err, "move registry to trash:", source);
    }
    existed = false;
  }
  std::error_code ec;
  fs::remove_all(holder, ec);
  if (ec && existed) {
    return internalError("registry " + std::string(registry) + " is deleted but removing its " +
                         "files from '" + holder + "' failed: " + ec.message() +
                         "; they are removed at the next start, or remove them by hand");
  }
  return okStatus();
}

}  // namespace berth::storage
