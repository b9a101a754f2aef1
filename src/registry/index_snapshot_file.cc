#include "registry/index_snapshot_file.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace berth::registry {

namespace {

Error ioFailure(std::string_view what, const std::filesystem::path& path, int error) {
  return makeError(Errc::kInternal, "index snapshot: cannot " + std::string(what) + " " +
                                        path.string() + ": " + std::strerror(error));
}

Status writeAll(int fd, std::string_view bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ioFailure("write", path, errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return okStatus();
}

Status syncDirectoryOf(const std::filesystem::path& file) {
  const std::filesystem::path dir = file.parent_path().empty() ? "." : file.parent_path();
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd || ::fsync(fd.get()) != 0) return ioFailure("flush directory", dir, errno);
  return okStatus();
}

constexpr std::size_t kWriteBuffer = 1 << 20;

}  // namespace

Result<std::string> newIndexSnapshotToken() {
  unsigned char raw[snapshot::kTokenBytes / 2];
  if (RAND_bytes(raw, sizeof raw) != 1) {
    return makeError(Errc::kInternal, "index snapshot: the random generator failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (unsigned char byte : raw) {
    token += kHex[byte >> 4];
    token += kHex[byte & 15];
  }
  return token;
}

// ---------------------------------------------------------------- reading

Result<std::shared_ptr<const IndexSnapshotFile>> IndexSnapshotFile::open(
    const std::filesystem::path& file, std::string_view expectedToken) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::shared_ptr<const IndexSnapshotFile>();
    return ioFailure("open", file, errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return ioFailure("stat", file, errno);
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size < snapshot::kHeaderBytes) {
    return makeError(Errc::kInternal, "index snapshot " + file.string() + " is too short");
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (map == MAP_FAILED) return ioFailure("map", file, errno);
  std::string_view bytes(static_cast<const char*>(map), size);
  auto header = snapshot::decodeHeader(bytes);
  if (!header.ok() || header->token != expectedToken) {
    ::munmap(map, size);
    if (!header.ok()) {
      return makeError(Errc::kInternal, file.string() + ": " + header.error().message);
    }
    return makeError(Errc::kInternal, "index snapshot " + file.string() +
                                          " is not the one the catalog recorded");
  }
  return std::make_shared<const IndexSnapshotFile>(file, bytes, std::move(*header));
}

IndexSnapshotFile::~IndexSnapshotFile() {
  ::munmap(const_cast<char*>(bytes_.data()), bytes_.size());
}

void IndexSnapshotFile::releaseTables() const noexcept {
  // Whole pages inside the tables only; a page shared with a section may still be wanted.
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto base = reinterpret_cast<std::uintptr_t>(bytes_.data());
  const std::uintptr_t begin = (base + header_.directoryOffset + page - 1) & ~(page - 1);
  const std::uintptr_t end = base + bytes_.size();
  if (end > begin) {
    ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
  }
}

// ---------------------------------------------------------------- writing

Result<IndexSnapshotWriter> IndexSnapshotWriter::create(const std::filesystem::path& file,
                                                         std::string token) {
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  if (ec) {
    return makeError(Errc::kInternal, "index snapshot: cannot create " +
                                          file.parent_path().string() + ": " + ec.message());
  }
  std::filesystem::path temp = file;
  temp += ".tmp";
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd) return ioFailure("create", temp, errno);
  IndexSnapshotWriter writer(file, std::move(temp), std::move(fd), std::move(token));
  // Room for the header, written last once the offsets are known.
  BERTH_TRY(writer.append(std::string(snapshot::kHeaderBytes, '\0')));
  return writer;
}

IndexSnapshotWriter::IndexSnapshotWriter(std::filesystem::path file, std::filesystem::path temp,
                                         UniqueFd fd, std::string token)
    : file_(std::move(file)), temp_(std::move(temp)), fd_(std::move(fd)), token_(std::move(token)) {
  buffer_.reserve(kWriteBuffer);
}

IndexSnapshotWriter::IndexSnapshotWriter(IndexSnapshotWriter&& other) noexcept
    : file_(std::move(other.file_)),
      temp_(std::move(other.temp_)),
      fd_(std::move(other.fd_)),
      token_(std::move(other.token_)),
      buffer_(std::move(other.buffer_)),
      written_(other.written_),
      directory_(std::move(other.directory_)),
      names_(std::move(other.names_)),
      blobs_(std::move(other.blobs_)),
      lastName_(std::move(other.lastName_)),
      repositories_(other.repositories_),
      blobCount_(other.blobCount_),
      committed_(std::exchange(other.committed_, true)) {}

IndexSnapshotWriter::~IndexSnapshotWriter() {
  if (!committed_ && !temp_.empty()) {
    fd_.reset();
    ::unlink(temp_.c_str());
  }
}

Status IndexSnapshotWriter::append(std::string_view bytes) {
  written_ += bytes.size();
  if (buffer_.size() + bytes.size() > kWriteBuffer) {
    BERTH_TRY(flush());
    if (bytes.size() > kWriteBuffer) return writeAll(fd_.get(), bytes, temp_);
  }
  buffer_.append(bytes);
  return okStatus();
}

Status IndexSnapshotWriter::flush() {
  BERTH_TRY(writeAll(fd_.get(), buffer_, temp_));
  buffer_.clear();
  return okStatus();
}

Status IndexSnapshotWriter::addRepository(std::string_view name, std::string_view section) {
  if (repositories_ > 0 && name <= lastName_) {
    return makeError(Errc::kInternal, "index snapshot: repositories out of order at '" +
                                          std::string(name) + "'");
  }
  snapshot::encodeDirectoryEntry(directory_, names_, name, written_, section.size());
  BERTH_TRY(append(section));
  lastName_ = name;
  ++repositories_;
  return okStatus();
}

void IndexSnapshotWriter::addBlob(const Digest& digest, std::uint64_t size) {
  snapshot::encodeBlobEntry(blobs_, digest, size);
  ++blobCount_;
}

Status IndexSnapshotWriter::commit() {
  snapshot::Header header;
  header.directoryOffset = written_;
  header.directoryBytes = directory_.size();
  BERTH_TRY(append(directory_));
  header.namesOffset = written_;
  header.namesBytes = names_.size();
  BERTH_TRY(append(names_));
  header.blobsOffset = written_;
  header.blobsBytes = blobs_.size();
  BERTH_TRY(append(blobs_));
  header.fileBytes = written_;
  header.repositoryCount = repositories_;
  header.blobCount = blobCount_;
  header.token = token_;
  BERTH_TRY(flush());
  const std::string encoded = snapshot::encodeHeader(header);
  if (::pwrite(fd_.get(), encoded.data(), encoded.size(), 0) !=
      static_cast<ssize_t>(encoded.size())) {
    return ioFailure("write", temp_, errno);
  }
  if (::fsync(fd_.get()) != 0) return ioFailure("flush", temp_, errno);
  if (::rename(temp_.c_str(), file_.c_str()) != 0) return ioFailure("rename", temp_, errno);
  committed_ = true;
  return syncDirectoryOf(file_);
}

}  // namespace berth::registry
