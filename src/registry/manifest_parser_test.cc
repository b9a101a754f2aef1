#include "registry/manifest_parser.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace berth::registry {
namespace {

using nlohmann::json;
namespace mt = media_types;

std::string digestText(char c) { return "sha256:" + std::string(64, c); }
Digest digest(char c) { return *Digest::parse(digestText(c)); }

json descriptor(std::string_view mediaType, char digestChar, std::int64_t size = 10) {
  return {{"mediaType", mediaType}, {"digest", digestText(digestChar)}, {"size", size}};
}

constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
constexpr std::string_view kOciLayer = "application/vnd.oci.image.layer.v1.tar+gzip";
constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
constexpr std::string_view kDockerLayer = "application/vnd.docker.image.rootfs.diff.tar.gzip";

json ociManifest() {
  return {{"schemaVersion", 2},
          {"mediaType", mt::kOciManifest},
          {"config", descriptor(kOciConfig, 'c')},
          {"layers", {descriptor(kOciLayer, '1'), descriptor(kOciLayer, '2')}}};
}

json ociIndex() {
  return {{"schemaVersion", 2},
          {"mediaType", mt::kOciIndex},
          {"manifests", {descriptor(mt::kOciManifest, 'a'), descriptor(mt::kOciManifest, 'b')}}};
}

json without(json j, const char* key) {
  j.erase(key);
  return j;
}

json with(json j, const char* key, json value) {
  j[key] = std::move(value);
  return j;
}

// Named test instances make a failing row obvious in the output.
template <typename Info>
std::string caseName(const Info& testInfo) {
  return testInfo.param.name;
}

// ---- Accepted manifests -------------------------------------------------------------------

struct ValidCase {
  const char* name;
  std::string contentType;
  std::string body;
  std::string_view mediaType;
  std::string artifactType;
  std::vector<Digest> blobRefs;
  std::vector<Digest> manifestRefs;
  std::optional<Digest> subject;
  std::string annotationsJson;
};

std::ostream& operator<<(std::ostream& os, const ValidCase& c) { return os << c.name; }

class ValidManifestTest : public ::testing::TestWithParam<ValidCase> {};

TEST_P(ValidManifestTest, Parses) {
  const auto& c = GetParam();
  auto parsed = parseManifest(c.contentType, c.body);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message << " / " << parsed.error().detail;
  EXPECT_EQ(parsed->mediaType, c.mediaType);
  EXPECT_EQ(parsed->isIndex, c.mediaType == mt::kOciIndex || c.mediaType == mt::kDockerManifestList);
  EXPECT_EQ(parsed->artifactType, c.artifactType);
  EXPECT_EQ(parsed->blobRefs, c.blobRefs);
  EXPECT_EQ(parsed->manifestRefs, c.manifestRefs);
  EXPECT_EQ(parsed->subject, c.subject);
  EXPECT_EQ(parsed->annotationsJson, c.annotationsJson);
}

std::vector<ValidCase> validCases() {
  const std::string oci = ociManifest().dump();
  const std::vector<Digest> ociBlobs = {digest('c'), digest('1'), digest('2')};
  const std::vector<Digest> indexRefs = {digest('a'), digest('b')};

  json docker = {{"schemaVersion", 2},
                 {"mediaType", mt::kDockerManifest},
                 {"config", descriptor(kDockerConfig, 'c')},
                 {"layers", {descriptor(kDockerLayer, '1')}}};
  json dockerList = {
      {"schemaVersion", 2},
      {"mediaType", mt::kDockerManifestList},
      {"manifests",
       {with(descriptor(mt::kDockerManifest, 'a'), "platform",
             {{"architecture", "amd64"}, {"os", "linux"}}),
        with(descriptor(mt::kDockerManifest, 'b'), "platform",
             {{"architecture", "arm64"}, {"os", "linux"}})}}};
  json artifact = {{"schemaVersion", 2},
                   {"mediaType", mt::kOciManifest},
                   {"artifactType", "application/vnd.example.sbom+json"},
                   {"config", descriptor(mt::kOciEmptyJson, 'e', 2)},
                   {"layers", json::array()}};
  json configTyped = {{"schemaVersion", 2},
                      {"mediaType", mt::kOciManifest},
                      {"config", descriptor("application/vnd.example.sig.config+json", 'c')},
                      {"layers", {descriptor("application/vnd.example.sig", '1')}}};
  json signature = with(with(artifact, "subject", descriptor(mt::kOciManifest, 'f')),
                        "annotations", {{"org.opencontainers.image.created", "2024-01-01"}});
  json indexArtifact = with(with(ociIndex(), "artifactType", "application/vnd.example.bundle"),
                            "subject", descriptor(mt::kOciIndex, 'f'));
  json foreign = {{"schemaVersion", 2},
                  {"mediaType", mt::kDockerManifest},
                  {"config", descriptor(kDockerConfig, 'c')},
                  {"layers",
                   {with(descriptor("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
                                    '9'),
                         "urls", {"https://example.com/layer"}),
                    descriptor(kDockerLayer, '1')}}};
  json nulls = with(with(ociManifest(), "subject", nullptr), "annotations", nullptr);
  // Brackets inside strings do not count as nesting.
  json bracketString =
      with(ociManifest(), "annotations", {{"x", std::string(1000, '[') + "\"\\" + "{{{"}});
  json unknownFields = with(ociManifest(), "x-extension", {{"a", {1, 2, {{"b", nullptr}}}}});
  json sha512 = ociManifest();
  sha512["layers"][0]["digest"] = "sha512:" + std::string(128, '0');
  json bigSize = ociManifest();
  bigSize["layers"][0]["size"] = std::uint64_t{1} << 63;

  return {
      {"oci_manifest", std::string(mt::kOciManifest), oci, mt::kOciManifest,
       std::string(kOciConfig), ociBlobs, {}, {}, ""},
      {"oci_manifest_no_mediatype_no_content_type", "", without(ociManifest(), "mediaType").dump(),
       mt::kOciManifest, std::string(kOciConfig), ociBlobs, {}, {}, ""},
      {"oci_manifest_no_mediatype_octet_stream", "application/octet-stream",
       without(ociManifest(), "mediaType").dump(), mt::kOciManifest, std::string(kOciConfig),
       ociBlobs, {}, {}, ""},
      {"oci_manifest_header_without_body_mediatype", std::string(mt::kOciManifest),
       without(ociManifest(), "mediaType").dump(), mt::kOciManifest, std::string(kOciConfig),
       ociBlobs, {}, {}, ""},
      {"content_type_parameters_and_case",
       "Application/VND.OCI.Image.Manifest.v1+JSON ; charset=utf-8", oci, mt::kOciManifest,
       std::string(kOciConfig), ociBlobs, {}, {}, ""},
      {"body_mediatype_wins_over_generic_content_type", "application/json", docker.dump(),
       mt::kDockerManifest, std::string(kDockerConfig), {digest('c'), digest('1')}, {}, {}, ""},
      {"docker_v2", std::string(mt::kDockerManifest), docker.dump(), mt::kDockerManifest,
       std::string(kDockerConfig), {digest('c'), digest('1')}, {}, {}, ""},
      {"docker_list", std::string(mt::kDockerManifestList), dockerList.dump(),
       mt::kDockerManifestList, "", {}, indexRefs, {}, ""},
      {"oci_index", std::string(mt::kOciIndex),
       with(ociIndex(), "annotations", {{"b", "2"}, {"a", "1"}}).dump(2), mt::kOciIndex, "", {},
       indexRefs, {}, R"({"a":"1","b":"2"})"},
      {"oci_index_inferred_from_manifests", "", without(ociIndex(), "mediaType").dump(),
       mt::kOciIndex, "", {}, indexRefs, {}, ""},
      {"empty_index", std::string(mt::kOciIndex),
       R"({"schemaVersion":2,"mediaType":")" + std::string(mt::kOciIndex) + R"(","manifests":[]})",
       mt::kOciIndex, "", {}, {}, {}, ""},
      {"artifact_with_artifact_type", std::string(mt::kOciManifest), artifact.dump(),
       mt::kOciManifest, "application/vnd.example.sbom+json", {digest('e')}, {}, {}, ""},
      {"artifact_type_from_config_media_type", std::string(mt::kOciManifest), configTyped.dump(),
       mt::kOciManifest, "application/vnd.example.sig.config+json", {digest('c'), digest('1')},
       {}, {}, ""},
      {"subject_and_annotations", std::string(mt::kOciManifest), signature.dump(),
       mt::kOciManifest, "application/vnd.example.sbom+json", {digest('e')}, {}, digest('f'),
       R"({"org.opencontainers.image.created":"2024-01-01"})"},
      {"index_with_artifact_type_and_subject", std::string(mt::kOciIndex), indexArtifact.dump(),
       mt::kOciIndex, "application/vnd.example.bundle", {}, indexRefs, digest('f'), ""},
      {"foreign_layer_not_a_blob_ref", std::string(mt::kDockerManifest), foreign.dump(),
       mt::kDockerManifest, std::string(kDockerConfig), {digest('c'), digest('1')}, {}, {}, ""},
      {"null_optionals_are_absent", std::string(mt::kOciManifest), nulls.dump(), mt::kOciManifest,
       std::string(kOciConfig), ociBlobs, {}, {}, ""},
      {"brackets_in_strings", std::string(mt::kOciManifest), bracketString.dump(),
       mt::kOciManifest, std::string(kOciConfig), ociBlobs, {}, {},
       json{{"x", std::string(1000, '[') + "\"\\{{{"}}.dump()},
      {"unknown_fields_ignored", std::string(mt::kOciManifest), unknownFields.dump(),
       mt::kOciManifest, std::string(kOciConfig), ociBlobs, {}, {}, ""},
      {"sha512_layer", std::string(mt::kOciManifest), sha512.dump(), mt::kOciManifest,
       std::string(kOciConfig), {digest('c'), *Digest::parse("sha512:" + std::string(128, '0')),
                                 digest('2')},
       {}, {}, ""},
      {"huge_size", std::string(mt::kOciManifest), bigSize.dump(), mt::kOciManifest,
       std::string(kOciConfig), ociBlobs, {}, {}, ""},
      {"nesting_at_limit", std::string(mt::kOciManifest),
       with(ociManifest(), "x", json::parse(std::string(62, '[') + std::string(62, ']'))).dump(),
       mt::kOciManifest, std::string(kOciConfig), ociBlobs, {}, {}, ""},
  };
}

INSTANTIATE_TEST_SUITE_P(Table, ValidManifestTest, ::testing::ValuesIn(validCases()),
                         caseName<::testing::TestParamInfo<ValidCase>>);

// ---- Rejected manifests -------------------------------------------------------------------

struct InvalidCase {
  const char* name;
  std::string contentType;
  std::string body;
  std::string messagePart;  // the message must say this, so operators learn what to fix
};

std::ostream& operator<<(std::ostream& os, const InvalidCase& c) { return os << c.name; }

class InvalidManifestTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidManifestTest, IsRejected) {
  const auto& c = GetParam();
  auto parsed = parseManifest(c.contentType, c.body);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, Errc::kManifestInvalid);
  EXPECT_NE(parsed.error().message.find(c.messagePart), std::string::npos)
      << "message: " << parsed.error().message;
}

std::vector<InvalidCase> invalidCases() {
  const std::string ociCt(mt::kOciManifest);
  auto layer0 = [](const char* key, json value) {
    json m = ociManifest();
    m["layers"][0][key] = std::move(value);
    return m.dump();
  };
  auto layer0Without = [](const char* key) {
    json m = ociManifest();
    m["layers"][0].erase(key);
    return m.dump();
  };
  const std::string schema1 =
      R"({"schemaVersion":1,"name":"a","tag":"b","architecture":"amd64","fsLayers":[],"history":[]})";
  std::string deep = std::string(65, '[') + std::string(65, ']');
  std::string deepInManifest =
      with(ociManifest(), "x", json::parse(std::string(64, '[') + std::string(64, ']'))).dump();
  std::string veryDeep = std::string(1000000, '[');

  return {
      {"empty_body", ociCt, "", "not valid JSON"},
      {"garbage", ociCt, "hello", "not valid JSON"},
      {"truncated", ociCt, R"({"schemaVersion":2,"config":{)", "not valid JSON"},
      {"trailing_garbage", ociCt, ociManifest().dump() + "x", "not valid JSON"},
      {"invalid_utf8", ociCt, "{\"a\":\"\xff\"}", "not valid JSON"},
      {"json_array", ociCt, "[]", "JSON object"},
      {"json_string", ociCt, R"("manifest")", "JSON object"},
      {"json_null", ociCt, "null", "JSON object"},
      {"too_deep", ociCt, deep, "nested more than 64"},
      {"too_deep_inside_manifest", ociCt, deepInManifest, "nested more than 64"},
      {"very_deep", ociCt, veryDeep, "nested more than 64"},
      {"mismatched_types", ociCt,
       with(ociManifest(), "mediaType", mt::kDockerManifest).dump(), "does not match"},
      {"index_body_manifest_header", std::string(mt::kOciIndex), ociManifest().dump(),
       "does not match"},
      {"body_mediatype_not_string", "", with(ociManifest(), "mediaType", 5).dump(),
       "mediaType must be a string"},
      {"unknown_body_mediatype", "", with(ociManifest(), "mediaType", "text/plain").dump(),
       "not a supported manifest type"},
      {"old_artifact_manifest", "application/vnd.oci.artifact.manifest.v1+json",
       R"({"mediaType":"application/vnd.oci.artifact.manifest.v1+json","blobs":[]})",
       "not a supported manifest type"},
      {"unrecognisable_body", "application/json", R"({"schemaVersion":2})",
       "cannot tell the manifest type"},
      {"schema1_by_version", "", schema1, "skopeo copy --format v2s2"},
      {"schema1_by_content_type", "application/vnd.docker.distribution.manifest.v1+prettyjws",
       R"({"schemaVersion":2})", "Docker schema 1"},
      {"schema1_by_body_mediatype", "",
       R"({"mediaType":"application/vnd.docker.distribution.manifest.v1+json"})",
       "Docker schema 1"},
      {"schema1_with_v2_header", std::string(mt::kDockerManifest), schema1, "Docker schema 1"},
      {"schema_version_missing", ociCt, without(ociManifest(), "schemaVersion").dump(),
       "schemaVersion must be 2"},
      {"schema_version_3", ociCt, with(ociManifest(), "schemaVersion", 3).dump(),
       "schemaVersion must be 2"},
      {"schema_version_string", ociCt, with(ociManifest(), "schemaVersion", "2").dump(),
       "schemaVersion must be 2"},
      {"schema_version_float", ociCt, with(ociManifest(), "schemaVersion", 2.5).dump(),
       "schemaVersion must be 2"},
      {"config_missing", ociCt, without(ociManifest(), "config").dump(), "config descriptor"},
      {"config_not_object", ociCt, with(ociManifest(), "config", "x").dump(), "config must be"},
      {"layers_missing", ociCt, without(ociManifest(), "layers").dump(), "layers array"},
      {"layers_not_array", ociCt, with(ociManifest(), "layers", json::object()).dump(),
       "layers array"},
      {"layer_not_object", ociCt, with(ociManifest(), "layers", {1}).dump(), "layers[0]"},
      {"layer_digest_missing", ociCt, layer0Without("digest"), "layers[0].digest"},
      {"layer_digest_uppercase", ociCt, layer0("digest", "sha256:" + std::string(64, 'A')),
       "layers[0].digest is invalid"},
      {"layer_digest_unknown_algorithm", ociCt, layer0("digest", "md5:abc"),
       "layers[0].digest is invalid"},
      {"layer_digest_number", ociCt, layer0("digest", 7), "layers[0].digest"},
      {"layer_media_type_missing", ociCt, layer0Without("mediaType"), "layers[0].mediaType"},
      {"layer_media_type_empty", ociCt, layer0("mediaType", ""), "layers[0].mediaType"},
      {"layer_size_missing", ociCt, layer0Without("size"), "layers[0].size"},
      {"layer_size_negative", ociCt, layer0("size", -1), "layers[0].size"},
      {"layer_size_float", ociCt, layer0("size", 1.5), "layers[0].size"},
      {"layer_size_string", ociCt, layer0("size", "10"), "layers[0].size"},
      {"layer_urls_not_strings", ociCt, layer0("urls", {1}), "layers[0].urls"},
      {"layer_annotations_not_strings", ociCt, layer0("annotations", {{"a", 1}}),
       "layers[0].annotations.a"},
      {"foreign_layer_without_urls", std::string(mt::kDockerManifest),
       with(with(ociManifest(), "mediaType", mt::kDockerManifest), "layers",
            {descriptor("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", '1')})
           .dump(),
       "must list urls"},
      {"index_manifests_missing", std::string(mt::kOciIndex), without(ociIndex(), "manifests").dump(),
       "manifests array"},
      {"index_entry_bad_digest", std::string(mt::kOciIndex),
       with(ociIndex(), "manifests", {with(descriptor(mt::kOciManifest, 'a'), "digest", "sha256:x")})
           .dump(),
       "manifests[0].digest is invalid"},
      {"subject_not_descriptor", ociCt, with(ociManifest(), "subject", "sha256:x").dump(),
       "subject"},
      {"subject_bad_size", ociCt,
       with(ociManifest(), "subject", descriptor(mt::kOciManifest, 'f', -5)).dump(),
       "subject.size"},
      {"artifact_type_not_string", ociCt, with(ociManifest(), "artifactType", 1).dump(),
       "artifactType must be a string"},
      {"annotations_not_object", ociCt, with(ociManifest(), "annotations", {"a"}).dump(),
       "annotations must be an object"},
      {"annotation_value_not_string", ociCt,
       with(ociManifest(), "annotations", {{"k", {{"nested", "x"}}}}).dump(),
       "annotations.k must be a string"},
  };
}

INSTANTIATE_TEST_SUITE_P(Table, InvalidManifestTest, ::testing::ValuesIn(invalidCases()),
                         caseName<::testing::TestParamInfo<InvalidCase>>);

TEST(ManifestParserTest, SyntaxErrorCarriesPosition) {
  auto parsed = parseManifest(mt::kOciManifest, R"({"schemaVersion": 2, "config": })");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("column"), std::string::npos) << parsed.error().message;
  EXPECT_EQ(parsed.error().message.find("json.exception"), std::string::npos);
  EXPECT_EQ(parsed.error().detail, "byte 32");
}

// Found by manifest_parser_fuzz: nlohmann echoes the whole offending token in its message.
TEST(ManifestParserTest, SyntaxErrorMessageIsBounded) {
  auto parsed = parseManifest(mt::kOciManifest, "{\"a\": t" + std::string(100000, 'r') + "}");
  ASSERT_FALSE(parsed.ok());
  EXPECT_LT(parsed.error().message.size(), 300u) << parsed.error().message.substr(0, 400);
  EXPECT_NE(parsed.error().message.find("invalid literal"), std::string::npos);
}

TEST(ManifestParserTest, DigestErrorEchoesDigestInDetail) {
  json m = ociManifest();
  m["config"]["digest"] = "sha256:nothex";
  auto parsed = parseManifest(mt::kOciManifest, m.dump());
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().detail, "sha256:nothex");
  EXPECT_NE(parsed.error().message.find("config.digest"), std::string::npos);
}

TEST(ManifestParserTest, IsManifestMediaType) {
  EXPECT_TRUE(isManifestMediaType(mt::kOciManifest));
  EXPECT_TRUE(isManifestMediaType(mt::kOciIndex));
  EXPECT_TRUE(isManifestMediaType(mt::kDockerManifest));
  EXPECT_TRUE(isManifestMediaType(mt::kDockerManifestList));
  EXPECT_TRUE(isManifestMediaType("application/vnd.oci.image.index.v1+json; charset=utf-8"));
  EXPECT_TRUE(isManifestMediaType("APPLICATION/VND.OCI.IMAGE.MANIFEST.V1+JSON"));
  EXPECT_FALSE(isManifestMediaType("application/vnd.docker.distribution.manifest.v1+prettyjws"));
  EXPECT_FALSE(isManifestMediaType(mt::kOciEmptyJson));
  EXPECT_FALSE(isManifestMediaType("application/json"));
  EXPECT_FALSE(isManifestMediaType(""));
}

}  // namespace
}  // namespace berth::registry
