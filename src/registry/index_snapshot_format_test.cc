#include "registry/index_snapshot_format.h"

#include <gtest/gtest.h>

#include <cstring>
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
  header.namesOffset = kHeaderBytes + 30;
  header.namesBytes = 0;
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

/// A whole file: header, the given sections, a directory, its names and a blob table.
std::string buildFile(const std::vector<std::pair<std::string, std::string>>& repositories,
                      Header* headerOut = nullptr) {
  std::string body;
  std::string records, names;
  for (const auto& [name, section] : repositories) {
    encodeDirectoryEntry(records, names, name, kHeaderBytes + body.size(), section.size());
    body += section;
  }
  std::string blobs;
  encodeBlobEntry(blobs, digestOf("layer"), 12345);
  Header header;
  header.directoryOffset = kHeaderBytes + body.size();
  header.directoryBytes = records.size();
  header.namesOffset = header.directoryOffset + records.size();
  header.namesBytes = names.size();
  header.blobsOffset = header.namesOffset + names.size();
  header.blobsBytes = blobs.size();
  header.fileBytes = header.blobsOffset + blobs.size();
  header.repositoryCount = repositories.size();
  header.blobCount = 1;
  header.token = "t";
  if (headerOut != nullptr) *headerOut = header;
  return encodeHeader(header) + body + records + names + blobs;
}

TEST(IndexSnapshotFormat, DirectoryIsSearchedInPlace) {
  const std::string empty = RepositoryEncoder().finish();
  const std::string file =
      buildFile({{"a", sampleSection()}, {"b/c", empty}, {"b/d", empty}, {"z", empty}});
  auto header = decodeHeader(file);
  ASSERT_TRUE(header.ok()) << header.error().message;
  auto directory = Directory::open(file, *header);
  ASSERT_TRUE(directory.ok()) << directory.error().message;
  ASSERT_EQ(directory->size(), 4u);
  EXPECT_EQ(directory->name(1), "b/c");
  EXPECT_EQ(directory->find("b/d"), 2u);
  EXPECT_EQ(directory->find("b"), 4u) << "absent: size()";
  EXPECT_EQ(directory->find(""), 4u);
  EXPECT_EQ(directory->lowerBound("b"), 1u);
  EXPECT_EQ(directory->upperBound("b/c"), 2u);
  EXPECT_EQ(directory->upperBound("zz"), 4u);
  Decoded out;
  EXPECT_TRUE(decode(directory->section(0), out).ok());
  EXPECT_EQ(out.manifests.size(), 2u);
  EXPECT_EQ(directory->section(3), empty);
  std::vector<std::pair<std::string, std::uint64_t>> blobs;
  ASSERT_TRUE(decodeBlobs(file, *header, [&](Digest&& digest, std::uint64_t size) {
                blobs.emplace_back(digest.str(), size);
              }).ok());
  ASSERT_EQ(blobs.size(), 1u);
  EXPECT_EQ(blobs[0].first, digestOf("layer").str());
  EXPECT_EQ(blobs[0].second, 12345u);
}

TEST(IndexSnapshotFormat, AnEmptyDirectoryFindsNothing) {
  const std::string file = buildFile({});
  auto header = decodeHeader(file);
  ASSERT_TRUE(header.ok());
  auto directory = Directory::open(file, *header);
  ASSERT_TRUE(directory.ok());
  EXPECT_EQ(directory->find("a"), 0u);
  EXPECT_EQ(directory->lowerBound("a"), 0u);
}

TEST(IndexSnapshotFormat, DirectoryNamesMustAscend) {
  const std::string empty = RepositoryEncoder().finish();
  for (const auto& names : {std::vector<std::string>{"b", "a"}, std::vector<std::string>{"a", "a"}}) {
    const std::string file = buildFile({{names[0], empty}, {names[1], empty}});
    auto header = decodeHeader(file);
    ASSERT_TRUE(header.ok());
    auto directory = Directory::open(file, *header);
    ASSERT_FALSE(directory.ok());
    EXPECT_NE(directory.error().message.find("out of order"), std::string::npos);
  }
}

TEST(IndexSnapshotFormat, ASectionOrANameOutsideItsAreaIsRefused) {
  Header header;
  const std::string file = buildFile({{"a", RepositoryEncoder().finish()}}, &header);
  auto damage = [&](std::size_t recordByte, std::uint64_t value, std::size_t width) {
    std::string bad = file;
    std::memcpy(bad.data() + header.directoryOffset + recordByte, &value, width);
    return Directory::open(bad, header);
  };
  EXPECT_TRUE(damage(16, 12, 8).ok()) << "the section's own length";
  auto longSection = damage(16, 1000, 8);  // runs into the directory
  ASSERT_FALSE(longSection.ok());
  EXPECT_NE(longSection.error().message.find("section bounds"), std::string::npos);
  EXPECT_FALSE(damage(8, 3, 8).ok()) << "section inside the header";
  auto longName = damage(4, 2, 4);  // the pool holds one byte
  ASSERT_FALSE(longName.ok());
  EXPECT_NE(longName.error().message.find("name bounds"), std::string::npos);
  EXPECT_FALSE(damage(4, 0, 4).ok()) << "empty name";
  EXPECT_FALSE(damage(0, 5, 4).ok()) << "name offset past the pool";
}

TEST(IndexSnapshotFormat, CountsThatDoNotMatchTheirTableAreRefused) {
  Header header;
  std::string file = buildFile({{"a", RepositoryEncoder().finish()}}, &header);
  Header tooMany = header;
  tooMany.repositoryCount = 1'000'000'000'000;
  EXPECT_FALSE(Directory::open(file, tooMany).ok());
  Header ragged = header;
  ragged.directoryBytes -= 1;
  EXPECT_FALSE(Directory::open(file, ragged).ok());
  Header blobs = header;
  blobs.blobCount = 1'000'000'000;
  std::size_t calls = 0;
  EXPECT_FALSE(decodeBlobs(file, blobs, [&](Digest&&, std::uint64_t) { ++calls; }).ok());
  EXPECT_EQ(calls, 0u);
}

}  // namespace
}  // namespace berth::registry::snapshot
