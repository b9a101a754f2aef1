#include "cli/output/output_format.h"

#include <gtest/gtest.h>

namespace berth::cli {
namespace {

Json parse(std::string_view text) { return Json::parse(text); }

// --- json -----------------------------------------------------------------------------------

TEST(JsonOutput, TwoSpaceIndentSortedKeysTrailingNewline) {
  EXPECT_EQ(formatJson(parse(R"({"b":1,"a":{"z":[1,"x"],"y":{}},"c":[]})"), false),
            "{\n"
            "  \"a\": {\n"
            "    \"y\": {},\n"
            "    \"z\": [\n"
            "      1,\n"
            "      \"x\"\n"
            "    ]\n"
            "  },\n"
            "  \"b\": 1,\n"
            "  \"c\": []\n"
            "}\n");
}

TEST(JsonOutput, ScalarsAndUnicodeKeptRaw) {
  EXPECT_EQ(formatJson(Json("h\xC3\xA9\n"), false), "\"h\xC3\xA9\\n\"\n");
  EXPECT_EQ(formatJson(Json(true), false), "true\n");
  EXPECT_EQ(formatJson(Json(1.5), false), "1.5\n");
}

TEST(JsonOutput, ColorOnlyWhenAsked) {
  const std::string colored = formatJson(parse(R"({"a":"b"})"), true);
  EXPECT_NE(colored.find("\x1b["), std::string::npos);
  EXPECT_EQ(formatJson(parse(R"({"a":"b"})"), false).find("\x1b["), std::string::npos);
}

TEST(OutputFormat, NullPrintsNothingInEveryFormat) {
  for (auto f : {OutputFormat::kJson, OutputFormat::kYaml, OutputFormat::kTsv, OutputFormat::kTable,
                 OutputFormat::kNone}) {
    EXPECT_EQ(formatOutput(Json(), f, {}), "");
  }
  EXPECT_EQ(formatOutput(parse(R"({"a":1})"), OutputFormat::kNone, {}), "");
}

TEST(OutputFormat, ParseIsCaseInsensitiveAndListsChoices) {
  EXPECT_EQ(*parseOutputFormat("TSV"), OutputFormat::kTsv);
  auto bad = parseOutputFormat("xml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "argument --output/-o: invalid choice: 'xml' (choose from 'json', 'jsonc', 'none', "
            "'table', 'tsv', 'yaml', 'yamlc')");
}

// --- tsv ------------------------------------------------------------------------------------

TEST(TsvOutput, ScalarIsItsValue) {
  EXPECT_EQ(formatTsv(Json("/subscriptions/x/resourceGroups/rg"), true),
            "/subscriptions/x/resourceGroups/rg\n");
  EXPECT_EQ(formatTsv(Json(42), true), "42\n");
  EXPECT_EQ(formatTsv(Json(false), true), "false\n");  // a bare boolean row is lowercased
}

TEST(TsvOutput, ListOfScalarsOnePerLine) {
  EXPECT_EQ(formatTsv(parse(R"(["a","b",3,true,null])"), true), "a\nb\n3\ntrue\nNone\n");
}

TEST(TsvOutput, ObjectValuesTabSeparatedSortedForCommandResults) {
  EXPECT_EQ(formatTsv(parse(R"({"name":"r1","location":"eastus","admin":true,"n":null})"), true),
            "True\teastus\tNone\tr1\n");
}

TEST(TsvOutput, QueryResultsKeepTheirOrder) {
  EXPECT_EQ(formatTsv(parse(R"({"name":"r1","location":"eastus"})"), false), "r1\teastus\n");
}

TEST(TsvOutput, NestedListsPrintLengthObjectsEmpty) {
  EXPECT_EQ(formatTsv(parse(R"({"a":"x","b":{"k":1},"c":[1,2,3],"d":"y"})"), true), "x\t\t3\ty\n");
}

TEST(TsvOutput, ListOfObjectsOneLineEach) {
  EXPECT_EQ(formatTsv(parse(R"([{"id":"1","name":"a"},{"id":"2","name":"b"}])"), true),
            "1\ta\n2\tb\n");
  EXPECT_EQ(formatTsv(parse(R"([["a",1],["b",2]])"), true), "a\t1\nb\t2\n");
}

TEST(TsvOutput, EmptyListPrintsNothing) { EXPECT_EQ(formatTsv(Json::array(), true), ""); }

// --- table ----------------------------------------------------------------------------------

TEST(TableOutput, HeadersDashesLeftAlignedPaddedToHeaderPlusTwo) {
  const Json rows = parse(R"([{"name":"myregistry","location":"eastus","id":"/x","type":"t",
                                "etag":"e","sku":{"name":"Premium"},"tags":[],"admin":false},
                               {"name":"r2","location":"westeurope","n":null}])");
  EXPECT_EQ(formatTable(rows, true),
            "Admin    Location    Name      \n"
            "-------  ----------  ----------\n"
            "False    eastus      myregistry\n"
            "         westeurope  r2        \n");
}

TEST(TableOutput, QueryOrderKeptAndUnionOfKeys) {
  const Json rows = parse(R"([{"b":"1"},{"a":"22","b":"3"}])");
  EXPECT_EQ(formatTable(rows, false),
            "B    A  \n"
            "---  ---\n"
            "1       \n"
            "3    22 \n");
}

TEST(TableOutput, ScalarsAndListsOfScalars) {
  EXPECT_EQ(formatTable(Json("abc"), true), "Result  \n--------\nabc     \n");
  EXPECT_EQ(formatTable(parse(R"([["a","b"]])"), true),
            "Column1    Column2  \n---------  ---------\na          b        \n");
  EXPECT_EQ(formatTable(Json::array(), true), "\n");
}

TEST(TableOutput, NumbersAreLeftAlignedToo) {
  EXPECT_EQ(formatTable(parse(R"([{"n":5},{"n":12345}])"), true), "N    \n-----\n5    \n12345\n");
}

// --- yaml -----------------------------------------------------------------------------------

TEST(YamlOutput, BlockStyleSortedKeysSequencesNotIndented) {
  const Json doc = parse(R"({"name":"r","tags":{},"list":["a",{"k":"v","j":1}],"empty":[],
                             "nested":{"x":null,"y":[["p","q"]]}})");
  EXPECT_EQ(formatYaml(doc, false),
            "empty: []\n"
            "list:\n"
            "- a\n"
            "- j: 1\n"
            "  k: v\n"
            "name: r\n"
            "nested:\n"
            "  x: null\n"
            "  y:\n"
            "  - - p\n"
            "    - q\n"
            "tags: {}\n");
}

TEST(YamlOutput, QuotesStringsThatWouldReadBackAsOtherTypes) {
  const Json doc = parse(R"({"a":"true","b":"123","c":"","d":"null","e":"2026-11-22T09:00:00Z",
                             "f":"1.5","g":"Yes","h":"~","i":"0x1F","j":"plain text"})");
  EXPECT_EQ(formatYaml(doc, false),
            "a: 'true'\n"
            "b: '123'\n"
            "c: ''\n"
            "d: 'null'\n"
            "e: '2026-11-22T09:00:00Z'\n"
            "f: '1.5'\n"
            "g: 'Yes'\n"
            "h: '~'\n"
            "i: '0x1F'\n"
            "j: plain text\n");
}

TEST(YamlOutput, Yaml11ResolverEdgeCases) {
  auto quoted = [](std::string_view text) {
    return formatYaml(Json{{"k", std::string(text)}}, false) != "k: " + std::string(text) + "\n";
  };
  for (auto q : {"1:30", "12:30:00", ".5", "-.inf", ".NaN", "+1_000", "0b101", "0o17x", "017",
                 "1.", "-1.5e+3", "2026-1-2 3:04:05", "2026-01-02", "2026-01-02T03:04:05.5+01:00",
                 "1:30.5", "-", "NULL", "<<", "="}) {
    if (std::string_view(q) == "0o17x") continue;
    EXPECT_TRUE(quoted(q)) << q;
  }
  for (auto p : {"1e5", "v1", "0o17x", "1.2.3", "2026-01-02T03:04", "12:60", "0x", "0b", "inf",
                 "nan", "yes!", "sha256:abc", "e2e/app", "10.0.0.1", "127.0.0.1:5000"}) {
    EXPECT_FALSE(quoted(p)) << p;
  }
}

TEST(YamlOutput, QuotesIndicatorsAndWhitespace) {
  const Json doc = parse(R"({"a":"- x","b":"key: value","c":"# comment","d":" lead",
                             "e":"trail ","f":"it's","g":"a #b","h":"*star","i":"@at",
                             "j":"a:b","k":"-x","l":"---"})");
  EXPECT_EQ(formatYaml(doc, false),
            "a: '- x'\n"
            "b: 'key: value'\n"
            "c: '# comment'\n"
            "d: ' lead'\n"
            "e: 'trail '\n"
            "f: it's\n"
            "g: 'a #b'\n"
            "h: '*star'\n"
            "i: '@at'\n"
            "j: a:b\n"
            "k: -x\n"
            "l: '---'\n");
}

TEST(YamlOutput, DoubleQuotesControlCharactersAndLineBreaks) {
  const Json doc = parse(R"({"a":"tab\there","b":"two\nlines","c":"bell\u0007","d":"'q'"})");
  EXPECT_EQ(formatYaml(doc, false),
            "a: \"tab\\there\"\n"
            "b: \"two\\nlines\"\n"
            "c: \"bell\\a\"\n"
            "d: '''q'''\n");
}

TEST(YamlOutput, KeysAreQuotedWhenNeeded) {
  EXPECT_EQ(formatYaml(parse(R"({"on":1,"a b":2,"":3})"), false), "'': 3\na b: 2\n'on': 1\n");
}

TEST(YamlOutput, TopLevelScalarsLikePyYaml) {
  EXPECT_EQ(formatYaml(Json("abc"), false), "abc\n...\n");
  EXPECT_EQ(formatYaml(Json("true"), false), "'true'\n");
  EXPECT_EQ(formatYaml(Json(5), false), "5\n...\n");
  EXPECT_EQ(formatYaml(Json(1e20), false), "1.0e+20\n...\n");
  EXPECT_EQ(formatYaml(Json::array(), false), "[]\n");
  EXPECT_EQ(formatYaml(parse(R"(["x"])"), false), "- x\n");
}

TEST(YamlOutput, UnicodeStaysPlain) {
  EXPECT_EQ(formatYaml(parse(R"({"a":"caf\u00e9"})"), false), "a: caf\xC3\xA9\n");
}

// --- conversions ----------------------------------------------------------------------------

TEST(JsonConversion, RoundTripsValuesAndSortsKeys) {
  const Json ordered =
      parse(R"({"b":[1,2.5,"x",null,true],"a":{"d":-3,"c":18446744073709551615}})");
  nlohmann::json sorted = toSortedJson(ordered);
  EXPECT_EQ(sorted.dump(), R"({"a":{"c":18446744073709551615,"d":-3},"b":[1,2.5,"x",null,true]})");
  EXPECT_EQ(toOrderedJson(sorted).dump(), sorted.dump());
}

}  // namespace
}  // namespace berth::cli
