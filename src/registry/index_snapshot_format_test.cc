#include "registry/index_snapshot_format.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace berth::registry::snapshot {
namespace {

struct Decoded {
  std::vector<metadata::ManifestRow> manifests;
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<std::string> links;
  std::vector<std::string> repositories;  // the name each callback was given
};

Status decode(std::string_view section, Decoded& out) {
  metadata::CatalogVisitor visitor;
  visitor.manifest = [&](std::string_view repo, metadata::ManifestRow&& row) {
    out.repositories.emplace_back(repo);
    out.manifests.push_back(std::move(row));
  };
  visitor.tag = [&](std::string_view repo, std::string_view tag, Digest&& digest) {
    out.repositories.emplace_back(repo);
    out.tags.emplace_back(tag, digest.str());
  };
  visitor.blobLink = [&](std::string_view repo, Digest&& digest) {
    out.repositories.emplace_back(repo);
    out.links.push_back(digest.str());
  };
  return decodeRepository(section, "team/app", visitor);
}

std::string sampleSection() {
  RepositoryEncoder encoder;
  const std::string bytes("{\"a\":1}\0binary\xff", 15);
  encoder.addManifest(digestOf(bytes), "application/vnd.oci.image.manifest.v1+json",
                      "application/vnd.example", digestOf("subject"), 1'700'000'123, bytes);
  encoder.addManifest(digestOf("second"), "application/vnd.oci.image.index.v1+json", "",
                      std::nullopt, -5, "second");
  encoder.addTag("latest", digestOf(bytes));
  encoder.addTag("v1", digestOf("second"));
  encoder.addBlobLink(digestOf("layer"));
  return encoder.finish();
}

TEST(IndexSnapshotFormat, RepositorySectionRoundTripsEveryField) {
  Decoded out;
  ASSERT_TRUE(decode(sampleSection(), out).ok());
  ASSERT_EQ(out.manifests.size(), 2u);
  const std::string bytes("{\"a\":1}\0binary\xff", 15);
  const metadata::ManifestRow& first = out.manifests[0];
  EXPECT_EQ(first.digest, digestOf(bytes));
  EXPECT_EQ(first.mediaType, "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(first.artifactType, "application/vnd.example");
  ASSERT_TRUE(first.subject.has_value());
  EXPECT_EQ(*first.subject, digestOf("subject"));
  EXPECT_EQ(first.createdUnixSeconds, 1'700'000'123);
  EXPECT_EQ(first.bytes, bytes);
  EXPECT_FALSE(out.manifests[1].subject.has_value());
  EXPECT_EQ(out.manifests[1].artifactType, "");
  EXPECT_EQ(out.manifests[1].createdUnixSeconds, -5);
  EXPECT_EQ(out.tags, (std::vector<std::pair<std::string, std::string>>{
                          {"latest", digestOf(bytes).str()}, {"v1", digestOf("second").str()}}));
  EXPECT_EQ(out.links, std::vector<std::string>{digestOf("layer").str()});
  for (const std::string& repo : out.repositories) EXPECT_EQ(repo, "team/app");
}

TEST(IndexSnapshotFormat, AnEmptyRepositoryIsTwelveBytes) {
  RepositoryEncoder encoder;
  const std::string section = encoder.finish();
  EXPECT_EQ(section.size(), 12u);
  Decoded out;
  EXPECT_TRUE(decode(section, out).ok());
  EXPECT_TRUE(out.manifests.empty());
}

TEST(IndexSnapshotFormat, EveryCutOfASectionIsAnErrorNotACrash) {
  const std::string section = sampleSection();
  for (std::size_t length = 0; length < section.size(); ++length) {
    Decoded out;
    Status status = decode(std::string_view(section).substr(0, length), out);
    ASSERT_FALSE(status.ok()) << "cut at " << length;
    EXPECT_EQ(status.error().code, Errc::kInternal);
    EXPECT_NE(status.error().message.find("index snapshot is damaged"), std::string::npos);
  }
  Decoded out;
  EXPECT_FALSE(decode(section + "x", out).ok()) << "trailing bytes";
}

TEST(IndexSnapshotFormat, EveryFlippedByteDecodesOrFailsCleanly) {
  const std::string section = sampleSection();
  for (std::size_t i = 0; i < section.size(); ++i) {
    for (unsigned char flip : {0x01, 0x80, 0xff}) {
      std::string damaged = section;
      damaged[i] = static_cast<char>(damaged[i] ^ flip);
      Decoded out;
      Status status = decode(damaged, out);
      if (!status.ok()) {
        EXPECT_EQ(status.error().code, Errc::kInternal);
      }
    }
  }
}

Header sampleHeader() {
  Header header;
  header.fileBytes = kHeaderBytes + 40;
  header.directoryOffset = kHeaderBytes + 10;
  header.directoryBytes = 20;
  header.blobsOffset = kHeaderBytes + 30;
  header.blobsBytes = 10;
  header.repositoryCount = 1;
  header.blobCount = 1;
  header.token = std::string(kTokenBytes, 'a');
  return header;
}

TEST(IndexSnapshotFormat, HeaderRoundTripsAndChecksTheFile) {
  std::string file = encodeHeader(sampleHeader());
  ASSERT_EQ(file.size(), kHeaderBytes);
  file.resize(kHeaderBytes + 40, '\0');
  auto header = decodeHeader(file);
  ASSERT_TRUE(header.ok()) << header.error().message;
  EXPECT_EQ(header->token, std::string(kTokenBytes, 'a'));
  EXPECT_EQ(header->directoryOffset, kHeaderBytes + 10);
  EXPECT_EQ(header->blobCount, 1u);

  auto shorter = decodeHeader(std::string_view(file).substr(0, file.size() - 1));
  ASSERT_FALSE(shorter.ok());
  EXPECT_NE(shorter.error().message.find("cut short"), std::string::npos);

  std::string notOurs = file;
  notOurs[0] = 'X';
  EXPECT_NE(decodeHeader(notOurs).error().message.find("not an index snapshot"), std::string::npos);

  std::string newer = file;
  newer[8] = 2;  // format version
  EXPECT_NE(decodeHeader(newer).error().message.find("format 2"), std::string::npos);

  Header outside = sampleHeader();
  outside.blobsBytes = 11;  // one byte past the end
  std::string bad = encodeHeader(outside);
  bad.resize(kHeaderBytes + 40, '\0');
  EXPECT_FALSE(decodeHeader(bad).ok());
  EXPECT_FALSE(decodeHeader("").ok());
}

/// A whole file: header, the given sections, a directory and a blob table.
std::string buildFile(const std::vector<std::pair<std::string, std::string>>& repositories,
                      Header* headerOut = nullptr) {
  std::string body;
  std::string directory;
  for (const auto& [name, section] : repositories) {
    encodeDirectoryEntry(directory, name, kHeaderBytes + body.size(), section.size());
    body += section;
  }
  std::string blobs;
  encodeBlobEntry(blobs, digestOf("layer"), 12345);
  Header header;
  header.directoryOffset = kHeaderBytes + body.size();
  header.directoryBytes = directory.size();
  header.blobsOffset = header.directoryOffset + directory.size();
  header.blobsBytes = blobs.size();
  header.fileBytes = header.blobsOffset + blobs.size();
  header.repositoryCount = repositories.size();
  header.blobCount = 1;
  header.token = "t";
  if (headerOut != nullptr) *headerOut = header;
  return encodeHeader(header) + body + directory + blobs;
}

TEST(IndexSnapshotFormat, DirectoryAndBlobTableRoundTrip) {
  const std::string file = buildFile({{"a", sampleSection()}, {"b/c", RepositoryEncoder().finish()}});
  auto header = decodeHeader(file);
  ASSERT_TRUE(header.ok()) << header.error().message;
  std::vector<std::string> names;
  ASSERT_TRUE(decodeDirectory(file, *header, [&](std::string_view name, std::string_view section) {
                names.emplace_back(name);
                Decoded out;
                EXPECT_TRUE(decode(section, out).ok()) << name;
              }).ok());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b/c"}));
  std::vector<std::pair<std::string, std::uint64_t>> blobs;
  ASSERT_TRUE(decodeBlobs(file, *header, [&](Digest&& digest, std::uint64_t size) {
                blobs.emplace_back(digest.str(), size);
              }).ok());
  ASSERT_EQ(blobs.size(), 1u);
  EXPECT_EQ(blobs[0].first, digestOf("layer").str());
  EXPECT_EQ(blobs[0].second, 12345u);
}

TEST(IndexSnapshotFormat, DirectoryNamesMustAscend) {
  const std::string empty = RepositoryEncoder().finish();
  for (const auto& names : {std::vector<std::string>{"b", "a"}, std::vector<std::string>{"a", "a"}}) {
    const std::string file = buildFile({{names[0], empty}, {names[1], empty}});
    auto header = decodeHeader(file);
    ASSERT_TRUE(header.ok());
    Status status = decodeDirectory(file, *header, [](std::string_view, std::string_view) {});
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.error().message.find("out of order"), std::string::npos);
  }
}

TEST(IndexSnapshotFormat, ASectionOutsideItsAreaIsRefused) {
  std::string directory;
  encodeDirectoryEntry(directory, "a", kHeaderBytes, 1000);  // runs into the directory
  Header header;
  header.directoryOffset = kHeaderBytes + 12;
  header.directoryBytes = directory.size();
  header.blobsOffset = header.directoryOffset + directory.size();
  header.fileBytes = header.blobsOffset;
  header.repositoryCount = 1;
  const std::string file = encodeHeader(header) + RepositoryEncoder().finish() + directory;
  auto decoded = decodeHeader(file);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  Status status = decodeDirectory(file, *decoded, [](std::string_view, std::string_view) {});
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("section bounds"), std::string::npos);
}

TEST(IndexSnapshotFormat, CountsBeyondTheTableAreRefusedBeforeAnythingIsRead) {
  Header header;
  std::string file = buildFile({{"a", RepositoryEncoder().finish()}}, &header);
  header.repositoryCount = 1'000'000'000;
  header.blobCount = 1'000'000'000;
  std::size_t calls = 0;
  EXPECT_FALSE(decodeDirectory(file, header, [&](std::string_view, std::string_view) { ++calls; }).ok());
  EXPECT_FALSE(decodeBlobs(file, header, [&](Digest&&, std::uint64_t) { ++calls; }).ok());
  EXPECT_EQ(calls, 0u);
}

}  // namespace
}  // namespace berth::registry::snapshot
