#include "registry/index_snapshot_format.h"

#include <bit>
#include <cstring>
#include <limits>

namespace berth::registry::snapshot {

static_assert(std::endian::native == std::endian::little,
              "the snapshot format is little-endian and written with memcpy");

namespace {

template <typename T>
void put(std::string& out, T value) {
  char raw[sizeof(T)];
  std::memcpy(raw, &value, sizeof(T));
  out.append(raw, sizeof(T));
}

/// A length-prefixed string; L is the prefix type, so the caller states the bound it relies on.
template <typename L>
void putText(std::string& out, std::string_view text) {
  put<L>(out, static_cast<L>(text.size()));
  out.append(text);
}

Error damaged(std::string_view what, std::size_t offset) {
  return makeError(Errc::kInternal,
                   "index snapshot is damaged: " + std::string(what) + " at byte " +
                       std::to_string(offset));
}

/// Sequential, bounds-checked reads; every failure names what was being read and where.
class Reader {
 public:
  Reader(std::string_view bytes, std::size_t base) : bytes_(bytes), base_(base) {}

  template <typename T>
  Status get(T& value, std::string_view what) {
    if (bytes_.size() - at_ < sizeof(T)) return damaged(what, base_ + at_);
    std::memcpy(&value, bytes_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return okStatus();
  }

  template <typename L>
  Status text(std::string_view& value, std::string_view what) {
    L length = 0;
    BERTH_TRY(get(length, what));
    if (bytes_.size() - at_ < length) return damaged(what, base_ + at_);
    value = bytes_.substr(at_, length);
    at_ += length;
    return okStatus();
  }

  Status digest(Digest& value, std::string_view what) {
    std::string_view text;
    BERTH_TRY(this->text<std::uint8_t>(text, what));
    auto parsed = Digest::parse(text);
    if (!parsed.ok()) return damaged(what, base_ + at_ - text.size());
    value = std::move(*parsed);
    return okStatus();
  }

  bool done() const noexcept { return at_ == bytes_.size(); }
  std::size_t offset() const noexcept { return base_ + at_; }

 private:
  std::string_view bytes_;
  std::size_t base_;  // where bytes_ starts in the file, for messages
  std::size_t at_ = 0;
};

// A count read from the file bounds nothing by itself; each entry takes at least this many
// bytes, so a count the remaining bytes cannot hold is caught before anything is reserved.
Status checkCount(std::uint64_t count, std::size_t minEntryBytes, std::size_t available,
                  std::string_view what, std::size_t offset) {
  if (count > available / minEntryBytes) return damaged(what, offset);
  return okStatus();
}

// Repository names and tags are bounded by the grammar (docs/api.md); a longer one is damage.
constexpr std::size_t kMaxNameBytes = 4096;
constexpr std::size_t kMaxTagBytes = 128;

}  // namespace

std::string encodeHeader(const Header& header) {
  std::string out(kMagic);
  put<std::uint32_t>(out, kFormatVersion);
  put<std::uint32_t>(out, 0);  // reserved
  for (std::uint64_t field : {header.fileBytes, header.directoryOffset, header.directoryBytes,
                              header.namesOffset, header.namesBytes, header.blobsOffset,
                              header.blobsBytes, header.repositoryCount, header.blobCount}) {
    put<std::uint64_t>(out, field);
  }
  std::string token = header.token.substr(0, kTokenBytes);
  token.resize(kTokenBytes, '\0');
  out += token;
  return out;
}

Result<Header> decodeHeader(std::string_view file) {
  if (file.size() < kHeaderBytes || file.substr(0, kMagic.size()) != kMagic) {
    return makeError(Errc::kInternal, "not an index snapshot (no berth header)");
  }
  Reader in(file.substr(kMagic.size(), kHeaderBytes - kMagic.size()), kMagic.size());
  std::uint32_t version = 0, reserved = 0;
  BERTH_TRY(in.get(version, "format version"));
  if (version != kFormatVersion) {
    return makeError(Errc::kInternal, "index snapshot format " + std::to_string(version) +
                                          " is not the one this berth writes (" +
                                          std::to_string(kFormatVersion) + ")");
  }
  BERTH_TRY(in.get(reserved, "header"));
  Header header;
  for (std::uint64_t* field :
       {&header.fileBytes, &header.directoryOffset, &header.directoryBytes, &header.namesOffset,
        &header.namesBytes, &header.blobsOffset, &header.blobsBytes, &header.repositoryCount,
        &header.blobCount}) {
    BERTH_TRY(in.get(*field, "header"));
  }
  std::string_view token = file.substr(kHeaderBytes - kTokenBytes, kTokenBytes);
  header.token = std::string(token.substr(0, token.find('\0')));
  if (header.fileBytes != file.size()) {
    return makeError(Errc::kInternal, "index snapshot is " + std::to_string(file.size()) +
                                          " bytes long, its header says " +
                                          std::to_string(header.fileBytes) + " (cut short?)");
  }
  auto inside = [&](std::uint64_t offset, std::uint64_t bytes) {
    return offset >= kHeaderBytes && offset <= file.size() && bytes <= file.size() - offset;
  };
  if (!inside(header.directoryOffset, header.directoryBytes) ||
      !inside(header.namesOffset, header.namesBytes) ||
      !inside(header.blobsOffset, header.blobsBytes)) {
    return damaged("table bounds in the header", 0);
  }
  return header;
}

void RepositoryEncoder::addManifest(const Digest& digest, std::string_view mediaType,
                                    std::string_view artifactType,
                                    const std::optional<Digest>& subject,
                                    std::int64_t createdUnixSeconds, std::string_view bytes) {
  putText<std::uint8_t>(manifests_, digest.str());
  putText<std::uint32_t>(manifests_, mediaType);
  putText<std::uint32_t>(manifests_, artifactType);
  putText<std::uint8_t>(manifests_, subject ? std::string_view(subject->str()) : std::string_view());
  put<std::int64_t>(manifests_, createdUnixSeconds);
  putText<std::uint32_t>(manifests_, bytes);
  ++manifestCount_;
}

void RepositoryEncoder::addTag(std::string_view tag, const Digest& digest) {
  putText<std::uint8_t>(tags_, tag);
  putText<std::uint8_t>(tags_, digest.str());
  ++tagCount_;
}

void RepositoryEncoder::addBlobLink(const Digest& digest) {
  putText<std::uint8_t>(links_, digest.str());
  ++linkCount_;
}

std::string RepositoryEncoder::finish() {
  std::string out;
  out.reserve(12 + manifests_.size() + tags_.size() + links_.size());
  put<std::uint32_t>(out, manifestCount_);
  out += manifests_;
  put<std::uint32_t>(out, tagCount_);
  out += tags_;
  put<std::uint32_t>(out, linkCount_);
  out += links_;
  *this = RepositoryEncoder();
  return out;
}

Status decodeRepository(std::string_view section, std::string_view repository,
                        const metadata::CatalogVisitor& visitor) {
  Reader in(section, 0);
  std::uint32_t count = 0;
  BERTH_TRY(in.get(count, "manifest count"));
  for (std::uint32_t i = 0; i < count; ++i) {
    metadata::ManifestRow row;
    std::string_view mediaType, artifactType, subject, bytes;
    BERTH_TRY(in.digest(row.digest, "manifest digest"));
    BERTH_TRY(in.text<std::uint32_t>(mediaType, "manifest media type"));
    BERTH_TRY(in.text<std::uint32_t>(artifactType, "manifest artifact type"));
    BERTH_TRY(in.text<std::uint8_t>(subject, "manifest subject"));
    BERTH_TRY(in.get(row.createdUnixSeconds, "manifest creation time"));
    BERTH_TRY(in.text<std::uint32_t>(bytes, "manifest bytes"));
    if (!subject.empty()) {
      auto parsed = Digest::parse(subject);
      if (!parsed.ok()) return damaged("manifest subject", in.offset());
      row.subject = std::move(*parsed);
    }
    if (visitor.manifest) {
      row.mediaType = mediaType;
      row.artifactType = artifactType;
      row.bytes = bytes;
      visitor.manifest(repository, std::move(row));
    }
  }
  BERTH_TRY(in.get(count, "tag count"));
  for (std::uint32_t i = 0; i < count; ++i) {
    std::string_view tag;
    Digest digest;
    BERTH_TRY(in.text<std::uint8_t>(tag, "tag name"));
    if (tag.empty() || tag.size() > kMaxTagBytes) return damaged("tag name", in.offset());
    BERTH_TRY(in.digest(digest, "tag digest"));
    if (visitor.tag) visitor.tag(repository, tag, std::move(digest));
  }
  BERTH_TRY(in.get(count, "blob link count"));
  for (std::uint32_t i = 0; i < count; ++i) {
    Digest digest;
    BERTH_TRY(in.digest(digest, "blob link"));
    if (visitor.blobLink) visitor.blobLink(repository, std::move(digest));
  }
  if (!in.done()) return damaged("bytes after the repository's content", in.offset());
  return okStatus();
}

void encodeDirectoryEntry(std::string& records, std::string& names, std::string_view repository,
                          std::uint64_t offset, std::uint64_t length) {
  put<std::uint32_t>(records, static_cast<std::uint32_t>(names.size()));
  put<std::uint32_t>(records, static_cast<std::uint32_t>(repository.size()));
  put<std::uint64_t>(records, offset);
  put<std::uint64_t>(records, length);
  names.append(repository);
}

void encodeBlobEntry(std::string& table, const Digest& digest, std::uint64_t size) {
  putText<std::uint8_t>(table, digest.str());
  put<std::uint64_t>(table, size);
}

Directory::Record Directory::record(std::size_t i) const noexcept {
  const char* at = records_.data() + i * kDirectoryRecordBytes;
  Record r{};
  std::memcpy(&r.nameOffset, at, 4);
  std::memcpy(&r.nameLength, at + 4, 4);
  std::memcpy(&r.sectionOffset, at + 8, 8);
  std::memcpy(&r.sectionLength, at + 16, 8);
  return r;
}

std::string_view Directory::name(std::size_t i) const noexcept {
  const Record r = record(i);
  return names_.substr(r.nameOffset, r.nameLength);
}

std::string_view Directory::section(std::size_t i) const noexcept {
  const Record r = record(i);
  return file_.substr(r.sectionOffset, r.sectionLength);
}

std::size_t Directory::lowerBound(std::string_view name) const noexcept {
  std::size_t low = 0, high = count_;
  while (low < high) {
    const std::size_t mid = low + (high - low) / 2;
    if (this->name(mid) < name) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return low;
}

std::size_t Directory::upperBound(std::string_view name) const noexcept {
  const std::size_t at = lowerBound(name);
  return at < count_ && this->name(at) == name ? at + 1 : at;
}

std::size_t Directory::find(std::string_view name) const noexcept {
  const std::size_t at = lowerBound(name);
  return at < count_ && this->name(at) == name ? at : count_;
}

Result<Directory> Directory::open(std::string_view file, const Header& header) {
  if (header.directoryBytes % kDirectoryRecordBytes != 0 ||
      header.repositoryCount != header.directoryBytes / kDirectoryRecordBytes) {
    return damaged("directory size for " + std::to_string(header.repositoryCount) +
                       " repositories",
                   header.directoryOffset);
  }
  Directory directory;
  directory.file_ = file;
  directory.records_ = file.substr(header.directoryOffset, header.directoryBytes);
  directory.names_ = file.substr(header.namesOffset, header.namesBytes);
  directory.count_ = header.repositoryCount;
  std::string_view previous;
  for (std::size_t i = 0; i < directory.count_; ++i) {
    const Record r = directory.record(i);
    const std::size_t at = header.directoryOffset + i * kDirectoryRecordBytes;
    if (r.nameLength == 0 || r.nameLength > kMaxNameBytes || r.nameOffset > header.namesBytes ||
        r.nameLength > header.namesBytes - r.nameOffset) {
      return damaged("repository name bounds", at);
    }
    const std::string_view name = directory.name(i);
    if (i > 0 && name <= previous) return damaged("repository names out of order", at);
    // Sections live between the header and the directory.
    if (r.sectionOffset < kHeaderBytes || r.sectionOffset > header.directoryOffset ||
        r.sectionLength > header.directoryOffset - r.sectionOffset) {
      return damaged("section bounds of repository '" + std::string(name) + "'", at);
    }
    previous = name;
  }
  return directory;
}

Status decodeBlobs(std::string_view file, const Header& header,
                   const std::function<void(Digest&& digest, std::uint64_t size)>& visit) {
  Reader in(file.substr(header.blobsOffset, header.blobsBytes), header.blobsOffset);
  BERTH_TRY(checkCount(header.blobCount, 1 + 8, header.blobsBytes, "blob count", 0));
  for (std::uint64_t i = 0; i < header.blobCount; ++i) {
    Digest digest;
    std::uint64_t size = 0;
    BERTH_TRY(in.digest(digest, "blob digest"));
    BERTH_TRY(in.get(size, "blob size"));
    visit(std::move(digest), size);
  }
  if (!in.done()) return damaged("bytes after the blob table", in.offset());
  return okStatus();
}

}  // namespace berth::registry::snapshot
