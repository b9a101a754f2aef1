// Hostile inputs: deep nesting, runaway growth, invalid UTF-8. Each must end in an Error value,
// never a crash, an exception or unbounded memory.

#include <gtest/gtest.h>

#include <string>

#include "cli/jmespath/jmespath.h"
#include "cli/jmespath/parser.h"
#include "cli/jmespath/test_support.h"

namespace berth::jmespath {
namespace {

using testing::errorOf;
using testing::eval;

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += s;
  }
  return out;
}

TEST(Limits, DeeplyNestedExpressionsAreRejected) {
  const std::size_t kDeep = 20000;
  const std::string kTooDeep = "nests more than 256 levels deep";
  for (const std::string& expression : {
           repeat("(", kDeep) + "a" + repeat(")", kDeep),
           repeat("!", kDeep) + "a",
           repeat("[", kDeep),
           repeat("{a:", kDeep),
           repeat("a.", kDeep) + "a",
           "a" + repeat("[0]", kDeep),
           "a" + repeat("[*]", kDeep),
           "a" + repeat("[]", kDeep),
           "a" + repeat("[?b]", kDeep),
           repeat("a | ", kDeep) + "a",
           repeat("a || ", kDeep) + "a",
           repeat("a == ", kDeep) + "a",
           repeat("abs(", kDeep) + "a" + repeat(")", kDeep),
           repeat("& ", kDeep) + "a",
           repeat("[a, ", kDeep) + "a" + repeat("]", kDeep),
       }) {
    SCOPED_TRACE(expression.substr(0, 20));
    const std::string message = errorOf(expression);
    EXPECT_NE(message.find(kTooDeep), std::string::npos) << message;
  }
}

TEST(Limits, NestingJustUnderTheLimitWorks) {
  const std::size_t n = 100;
  EXPECT_EQ(eval(repeat("(", n) + "a" + repeat(")", n), Json::parse(R"({"a": 1})")), 1);
  EXPECT_EQ(eval(repeat("!", n + 1) + "a", Json::parse(R"({"a": 1})")), false);
  EXPECT_EQ(eval("a" + repeat(".a", n), Json::object()), nullptr);
}

TEST(Limits, EveryRecursiveShapeEvaluatesNearTheLimit) {
  // Run under ASan this shows the evaluator's stack use at full depth is safe.
  const std::size_t n = 120;  // most shapes below add two tree levels per repetition
  const Json data = Json::parse(R"({"a": {"a": 1}})");
  EXPECT_EQ(eval(repeat("abs(", n) + "`-1`" + repeat(")", n), data), 1);
  EXPECT_EQ(eval(repeat("[", n) + "a" + repeat("]", n) + repeat("[0]", n), data),
            Json::parse(R"({"a": 1})"));
  EXPECT_EQ(eval(repeat("{k:", n) + "`1`" + repeat("}", n) + repeat(".k", n), data), 1);
  EXPECT_EQ(eval(repeat("!", 251) + "a", data), false);
  EXPECT_EQ(eval(repeat("length(map(&", 80) + "@" + repeat(", [@]))", 80), data), 1);
  EXPECT_EQ(eval("a" + repeat(" || a", 250), data), Json::parse(R"({"a": 1})"));
}

TEST(Limits, DeepJsonLiteralIsRejectedNotReadAsAString) {
  const std::string literal = "`" + repeat("[", 100000) + repeat("]", 100000) + "`";
  EXPECT_NE(errorOf(literal).find("JSON literal nests more than 512 levels deep"),
            std::string::npos);
  EXPECT_EQ(eval("`" + repeat("[", 500) + repeat("]", 500) + "` | length(@)", nullptr), 1);
}

TEST(Limits, DeepDocumentIsRejected) {
  const Json deep = Json::parse(repeat("[", 100000) + repeat("]", 100000));
  const std::string message = errorOf("@", deep);
  EXPECT_NE(message.find("nests more than 512 levels deep"), std::string::npos) << message;
  const Json fine = Json::parse(repeat("[", 400) + repeat("]", 400));
  EXPECT_EQ(eval("@", fine), fine);
}

TEST(Limits, ExponentialGrowthRunsOutOfBudget) {
  // Each step doubles the value; 64 steps would need 2^64 values.
  const std::string message = errorOf("@" + repeat(".[@, @]", 64), Json::parse("[1, 2, 3]"));
  EXPECT_NE(message.find("needs more work than one search is allowed"), std::string::npos)
      << message;
  const std::string strings = errorOf("'ab'" + repeat(" | join('', [@, @])", 64), Json::object());
  EXPECT_NE(strings.find("needs more work"), std::string::npos) << strings;
  const std::string hashes = errorOf("@" + repeat(".{a: @, b: @}", 64), Json::object());
  EXPECT_NE(hashes.find("needs more work"), std::string::npos) << hashes;
}

TEST(Limits, ModerateGrowthStaysWithinBudget) {
  const Json result = eval("@" + repeat(".[@, @]", 10), Json::parse("[1]"));
  EXPECT_EQ(result.size(), 2u);
  // A full binary tree: 1024 leaves "[1]", 1023 inner nodes each adding "[", "," and "]".
  EXPECT_EQ(result.dump().size(), 3u * 1024 + 3u * 1023);
}

TEST(Limits, BudgetScalesWithTheDocument) {
  // Copying this document three times costs more than the fixed allowance, but a document may
  // always be copied a few times over.
  const Json big = {{"blob", std::string(8u << 20, 'x')}};
  EXPECT_EQ(eval("[@, @, @] | length([*].blob)", big), 3);

  Json list = Json::array();
  for (int i = 0; i < 20000; ++i) {
    list.push_back(Json{{"name", "n" + std::to_string(i)}, {"i", i}});
  }
  EXPECT_EQ(eval("length([*])", list), 20000);
  EXPECT_EQ(eval("[?i == `19999`].name | [0]", list), "n19999");
  EXPECT_EQ(eval("[[*], [*], [*]] | length([])", list), 60000);
  EXPECT_EQ(eval("sort_by(@, &name)[0].name", list), "n0");
}

TEST(Limits, InvalidUtf8NeverThrows) {
  EXPECT_EQ(eval("to_string(['\xff'])", Json::object()), "[\"\xef\xbf\xbd\"]");  // U+FFFD
  EXPECT_EQ(eval("length('\xff\xfe')", nullptr), 2);
  EXPECT_EQ(eval("reverse('a\xffz')", nullptr),
            "z\xff"
            "a");
  Json data;
  data["k"] = "\xc3";
  EXPECT_EQ(eval("to_string(@)", data), "{\"k\":\"\xef\xbf\xbd\"}");
  EXPECT_FALSE(search("\"\xff\"", data).ok());
}

TEST(Expression, CompilesOnceAndSearchesMany) {
  auto expression = Expression::compile("items[?size > `1`].name | sort(@)");
  ASSERT_TRUE(expression.ok());
  EXPECT_EQ(expression->text(), "items[?size > `1`].name | sort(@)");
  const Expression copy = *expression;
  auto first = copy.search(Json::parse(R"({"items": [{"name": "b", "size": 2}]})"));
  auto second = expression->search(
      Json::parse(R"({"items": [{"name": "z", "size": 5}, {"name": "a", "size": 3}]})"));
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*first, Json::parse(R"(["b"])"));
  EXPECT_EQ(*second, Json::parse(R"(["a", "z"])"));
  auto on_null = expression->search(nullptr);  // sort(null) is a type error
  ASSERT_FALSE(on_null.ok());
  EXPECT_NE(on_null.error().message.find("invalid-type: sort() argument 1"), std::string::npos);
}

TEST(Expression, ErrorsAreInvalidParameter) {
  auto compiled = Expression::compile("a[");
  ASSERT_FALSE(compiled.ok());
  EXPECT_EQ(compiled.error().code, Errc::kInvalidParameter);
  auto runtime = search("abs(a)", Json::parse(R"({"a": "x"})"));
  ASSERT_FALSE(runtime.ok());
  EXPECT_EQ(runtime.error().code, Errc::kInvalidParameter);
  EXPECT_EQ(runtime.error().message,
            "--query failed at column 1: invalid-type: abs() argument 1 must be a number, got "
            "string");
}

}  // namespace
}  // namespace berth::jmespath
