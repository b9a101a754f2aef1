#include "cli/jmespath/parser.h"

#include <gtest/gtest.h>

#include <string>

#include "cli/jmespath/test_support.h"

namespace berth::jmespath {
namespace {

using testing::errorOf;
using testing::eval;
using testing::expectAll;
using testing::expectErrors;

TEST(Parser, BuildsTheExpectedTreeShapes) {
  auto sub = parse("a.b");
  ASSERT_TRUE(sub.ok());
  EXPECT_EQ(sub->kind, NodeKind::kSubexpression);
  EXPECT_EQ(sub->children[0].name, "a");
  EXPECT_EQ(sub->children[1].name, "b");

  auto projection = parse("a[*].b");
  ASSERT_TRUE(projection.ok());
  EXPECT_EQ(projection->kind, NodeKind::kProjection);
  EXPECT_EQ(projection->children[1].kind, NodeKind::kField);

  auto pipe = parse("a[*].b | [0]");
  ASSERT_TRUE(pipe.ok());
  EXPECT_EQ(pipe->kind, NodeKind::kPipe);
  EXPECT_EQ(pipe->children[0].kind, NodeKind::kProjection);
  EXPECT_EQ(pipe->children[1].kind, NodeKind::kIndex);

  auto slice = parse("[1:-1:2]");
  ASSERT_TRUE(slice.ok());
  EXPECT_EQ(slice->kind, NodeKind::kProjection);
  EXPECT_EQ(slice->children[0].kind, NodeKind::kSlice);
  EXPECT_EQ(slice->children[0].start, 1);
  EXPECT_EQ(slice->children[0].stop, -1);
  EXPECT_EQ(slice->children[0].step, 2);

  auto fn = parse("length(@)");
  ASSERT_TRUE(fn.ok());
  EXPECT_EQ(fn->kind, NodeKind::kFunction);
  ASSERT_NE(fn->function, nullptr);
  EXPECT_EQ(fn->children.size(), 1u);
}

TEST(Parser, OperatorPrecedence) {
  const auto data = Json::parse(R"({"t": true, "f": false, "n": 5, "a": {"b": 1}})");
  expectAll(data, {
                      {"t || f && f", "true"},  // && binds tighter than ||
                      {"(t || f) && f", "false"},
                      {"f && t || n", "5"},
                      {"n == `5` && t", "true"},  // comparison binds tighter than &&
                      {"!f && t", "true"},
                      {"!(f || t)", "false"},
                      {"a.b == `1` || f", "true"},
                      {"t | !@", "false"},  // pipe binds loosest
                      {"a | b", "1"},
                  });
}

TEST(Parser, NotBindsTighterThanDotLikeTheReferenceImplementation) {
  // jmespath.py (and so the Azure CLI) reads `!a.b` as `(!a).b`, which is null.
  const auto data = Json::parse(R"({"a": {"b": false}})");
  EXPECT_EQ(eval("!a.b", data), nullptr);
  EXPECT_EQ(eval("!(a.b)", data), true);
  EXPECT_EQ(eval("[?!contains(@, 'x')]", Json::parse(R"(["ax", "b"])")), Json::parse(R"(["b"])"));
}

TEST(Parser, ComparatorsAreLeftAssociative) {
  // (1 == 1) == true
  EXPECT_EQ(eval("`1` == `1` == `true`", nullptr), true);
  EXPECT_EQ(eval("`1` < `2` == `true`", nullptr), true);
}

TEST(Parser, SyntaxErrorsNameTheColumn) {
  const Json data = Json::object();
  EXPECT_EQ(errorOf("foo.", data),
            "invalid --query expression at column 5: unexpected end of expression");
  EXPECT_EQ(errorOf("foo..bar", data),
            "invalid --query expression at column 5: expected an identifier, '*', '[' or '{' "
            "after '.', found '.'");
  EXPECT_EQ(errorOf("a b", data), "invalid --query expression at column 3: unexpected identifier");
  EXPECT_EQ(errorOf("[a, b", data),
            "invalid --query expression at column 6: expected ',' before the end of the "
            "expression");
  EXPECT_EQ(errorOf("(a", data),
            "invalid --query expression at column 3: expected ')' before the end of the "
            "expression");
}

TEST(Parser, InvalidSyntax) {
  expectErrors(Json::object(),
               {
                   // dots
                   ".foo",
                   "foo.1",
                   "foo.-11",
                   "foo.",
                   "foo..bar",
                   "foo.bar.",
                   "foo[.]",
                   "foo.`literal`",
                   "foo.'raw'",
                   "foo[*].`x`",
                   "foo.@",
                   // lone tokens
                   ".",
                   ":",
                   ",",
                   "]",
                   "[",
                   "}",
                   "{",
                   ")",
                   "(",
                   "a[",
                   "a]",
                   "a][",
                   "*.[0]",
                   "foo[#]",
                   "|",
                   "||",
                   "&&",
                   "!",
                   "==",
                   "&",
                   // wildcards
                   ".*",
                   "*foo",
                   "*0",
                   "foo[*]bar",
                   "foo[*]*",
                   // multi-select lists
                   "foo[0, 1]",
                   "foo.[0]",
                   "foo[0, ]",
                   "foo[0,",
                   "foo.[a",
                   "foo[0,, 1]",
                   "foo[abc]",
                   "foo[abc, def]",
                   "foo.[abc, 1]",
                   "foo.[abc, ]",
                   "foo.[]",
                   "[a b]",
                   // multi-select hashes
                   "a{}",
                   "a{",
                   "a{foo}",
                   "a{foo:",
                   "a{foo: 0",
                   "a{foo:}",
                   "a{foo: 0, ",
                   "a.{}",
                   "a.{foo}",
                   "a.{foo:}",
                   "a.{foo: ,}",
                   "a.{foo: bar, }",
                   "a.{foo: bar, baz}",
                   "{1: a}",
                   "{'k': a}",
                   "{a: b c: d}",
                   // or / and / comparisons
                   "foo ||",
                   "foo.|| bar",
                   " || foo",
                   "foo || || foo",
                   "foo.[a ||]",
                   "foo &&",
                   "&& foo",
                   "a ==",
                   "a < < b",
                   "a <> b",
                   "a ^ b",
                   "a === b",
                   // filters
                   "foo[?]",
                   "foo[?bar==]",
                   "foo[?==]",
                   "foo[?==bar]",
                   "foo[bar==baz]",
                   "foo[?a",
                   "foo[?a]bar",
                   // slices
                   "foo[1:2:3:4]",
                   "foo[1 2]",
                   "foo[:a]",
                   "foo[::-]",
                   "foo[1:2",
                   // parentheses
                   "()",
                   "(a",
                   "a)",
                   "((a)",
                   "(a b)",
                   // functions
                   "length(",
                   "length(@",
                   "length(@,)",
                   "length(@ @)",
                   "\"length\"(@)",
                   "(length)(@)",
                   "@(a)",
                   "foo[0](a)",
                   // expression references
                   "&",
                   "sort_by(@, &)",
                   "@.@",
                   "[1, 2]",
               },
               "invalid --query expression at column ");
}

TEST(Parser, QuotedFunctionNameIsRejected) {
  EXPECT_NE(errorOf(R"("abs"(`1`))").find("column 1: a function name cannot be quoted"),
            std::string::npos);
}

TEST(Parser, UnknownFunctionsAreReportedWhenCompiling) {
  // Even where evaluation would never reach the call.
  EXPECT_EQ(errorOf("`false` && nope(@)"),
            "invalid --query expression at column 12: unknown-function: there is no function "
            "named 'nope'");
  EXPECT_NE(errorOf("a.Length(@)").find("unknown-function"), std::string::npos);
}

TEST(Parser, ArityIsCheckedWhenCompiling) {
  EXPECT_EQ(errorOf("abs(`1`, `2`)"),
            "invalid --query expression at column 1: invalid-arity: abs() takes 1 argument, got "
            "2");
  EXPECT_EQ(errorOf("a | starts_with('x')"),
            "invalid --query expression at column 5: invalid-arity: starts_with() takes 2 "
            "arguments, got 1");
  EXPECT_EQ(errorOf("merge()"),
            "invalid --query expression at column 1: invalid-arity: merge() takes at least 1 "
            "argument, got 0");
  expectErrors(Json::object(),
               {"length()", "length(@, @)", "type()", "not_null()", "sort_by(@)", "map(&a)",
                "join(',')", "contains(@)", "to_string(@, @)", "keys()", "max_by(@, &a, &b)"},
               "invalid-arity");
}

TEST(Parser, ZeroSliceStepIsAnInvalidValue) {
  EXPECT_EQ(errorOf("foo[::0]"),
            "invalid --query expression at column 4: invalid-value: a slice step cannot be 0");
  EXPECT_NE(errorOf("[1:2:0]").find("invalid-value"), std::string::npos);
}

TEST(Parser, ValidSyntaxThatOnlyLooksOdd) {
  const Json data = Json::object();
  expectAll(data, {
                      {"foo.[abc]", "null"},
                      {"foo.[abc, def]", "null"},
                      {"a.{foo: bar}", "null"},
                      {"a.{foo: bar, baz: bam}", "null"},
                      {"foo.[a || b]", "null"},
                      {"foo[?a.b.c==d.e.f]", "null"},
                      {"foo[? bar == `baz` ]", "null"},
                      {R"(foo[?bar==`["a", "b"]`])", "null"},
                      {"[*]", "null"},
                      {"[]", "null"},
                      {"[0]", "null"},
                      {"[*].bar", "null"},
                      {"[*][0]", "null"},
                      {"foo.[*]", "null"},
                      {"@", "{}"},
                      {"length(@ )", "0"},
                      {"`1`", "1"},
                      {"(`1`)", "1"},
                      {"((((a))))", "null"},
                      {"{\"\\\\\":{\" \":@}}", R"({"\\": {" ": {}}})"},
                  });
}

}  // namespace
}  // namespace berth::jmespath
