// Every built-in function: results, edge cases, and invalid-type errors.

#include "cli/jmespath/functions.h"

#include <gtest/gtest.h>

#include "cli/jmespath/test_support.h"

namespace berth::jmespath {
namespace {

using testing::errorOf;
using testing::eval;
using testing::expectAll;
using testing::expectErrors;

const Json& doc() {
  static const Json kDoc = Json::parse(R"({
    "n": -3, "f": 2.5, "nf": -2.5, "z": 0, "big": 9007199254740993,
    "s": "hello", "e": "", "u": "h\u00e9\u2713\ud83d\ude00",
    "nums": [4, -1, 2.5, 10], "ints": [1, 2, 3], "strs": ["b", "a", "c", "B"],
    "empty": [], "mixed": [1, "a"], "bools": [true, false], "nested": [[1], [2]],
    "obj": {"b": 2, "a": 1}, "obj2": {"a": 10, "c": 3},
    "t": true, "nul": null,
    "people": [{"name": "ann", "age": 30, "nick": "a"}, {"name": "bob", "age": 25},
               {"name": "cy", "age": 35, "nick": "c"}, {"name": "dee", "age": 25}]
  })");
  return kDoc;
}

TEST(Functions, Abs) {
  expectAll(doc(), {{"abs(n)", "3"},
                    {"abs(f)", "2.5"},
                    {"abs(nf)", "2.5"},
                    {"abs(z)", "0"},
                    {"abs(`-9223372036854775808`)", "9223372036854775808"},
                    {"abs(`18446744073709551615`)", "18446744073709551615"},
                    {"nums[*].abs(@)", "[4, 1, 2.5, 10]"}});
  expectErrors(doc(), {"abs(s)", "abs(nul)", "abs(nums)", "abs(t)"}, "invalid-type");
}

TEST(Functions, Avg) {
  expectAll(doc(), {{"avg(ints)", "2.0"}, {"avg(nums)", "3.875"}, {"avg(empty)", "null"}});
  EXPECT_TRUE(eval("avg(ints)", doc()).is_number_float());
  expectErrors(doc(), {"avg(mixed)", "avg(strs)", "avg(s)", "avg(obj)"}, "invalid-type");
}

TEST(Functions, CeilAndFloor) {
  expectAll(doc(), {{"ceil(f)", "3"},
                    {"ceil(nf)", "-2"},
                    {"ceil(n)", "-3"},
                    {"floor(f)", "2"},
                    {"floor(nf)", "-3"},
                    {"floor(n)", "-3"},
                    {"floor(`1e300`)", "1e300"},
                    {"ceil(`0.000001`)", "1"}});
  EXPECT_TRUE(eval("ceil(f)", doc()).is_number_integer());
  expectErrors(doc(), {"ceil(s)", "floor(nul)", "floor(ints)"}, "invalid-type");
}

TEST(Functions, Contains) {
  expectAll(doc(), {{"contains(s, 'ell')", "true"},
                    {"contains(s, 'xyz')", "false"},
                    {"contains(s, '')", "true"},
                    {"contains(s, `1`)", "false"},
                    {"contains(ints, `2`)", "true"},
                    {"contains(ints, `2.0`)", "true"},
                    {"contains(ints, '2')", "false"},
                    {"contains(nested, `[2]`)", "true"},
                    {"contains(empty, nul)", "false"},
                    {"contains(`[null]`, nul)", "true"},
                    {"contains(u, '\xe2\x9c\x93')", "true"}});
  expectErrors(doc(), {"contains(obj, 'a')", "contains(n, `1`)", "contains(nul, 'a')"},
               "invalid-type");
}

TEST(Functions, StartsWithAndEndsWith) {
  expectAll(doc(), {{"starts_with(s, 'he')", "true"},
                    {"starts_with(s, 'lo')", "false"},
                    {"starts_with(s, '')", "true"},
                    {"starts_with(e, 'a')", "false"},
                    {"starts_with(s, 'hello world')", "false"},
                    {"ends_with(s, 'lo')", "true"},
                    {"ends_with(s, 'he')", "false"},
                    {"ends_with(s, '')", "true"},
                    {"ends_with(e, '')", "true"},
                    {"ends_with(s, 'xhello')", "false"}});
  expectErrors(
      doc(),
      {"starts_with(n, 'a')", "starts_with(s, `1`)", "ends_with(nul, 'a')", "ends_with(s, strs)"},
      "invalid-type");
}

TEST(Functions, Join) {
  expectAll(doc(), {{"join(', ', strs)", R"("b, a, c, B")"},
                    {"join('', strs)", R"("bacB")"},
                    {"join('-', empty)", R"("")"},
                    {"join('-', ['only'])", R"("only")"},
                    {"join(`\"/\"`, people[].name)", R"("ann/bob/cy/dee")"}});
  expectErrors(doc(), {"join(',', ints)", "join(',', mixed)", "join(`1`, strs)", "join(',', s)"},
               "invalid-type");
}

TEST(Functions, KeysAndValues) {
  expectAll(doc(), {{"keys(obj)", R"(["a", "b"])"},
                    {"values(obj)", "[1, 2]"},
                    {"keys(`{}`)", "[]"},
                    {"values(`{}`)", "[]"},
                    {"keys(people[0])", R"(["age", "name", "nick"])"}});
  expectErrors(doc(), {"keys(ints)", "values(s)", "keys(nul)", "values(nums)"}, "invalid-type");
}

TEST(Functions, Length) {
  expectAll(doc(), {{"length(s)", "5"},
                    {"length(e)", "0"},
                    {"length(u)", "4"},  // code points, not bytes
                    {"length(nums)", "4"},
                    {"length(empty)", "0"},
                    {"length(obj)", "2"},
                    {"length(people[?age == `25`])", "2"}});
  expectErrors(doc(), {"length(n)", "length(nul)", "length(t)"}, "invalid-type");
}

TEST(Functions, Map) {
  expectAll(doc(), {{"map(&name, people)", R"(["ann", "bob", "cy", "dee"])"},
                    {"map(&nick, people)", R"(["a", null, "c", null])"},  // nulls kept
                    {"map(&[0], nested)", "[1, 2]"},
                    {"map(&abs(@), nums)", "[4, 1, 2.5, 10]"},
                    {"map(&@, empty)", "[]"},
                    {"map(&length(@), strs)", "[1, 1, 1, 1]"},
                    {"map(&map(&@, @), nested)", "[[1], [2]]"}});
  expectErrors(doc(), {"map(name, people)", "map(&name, obj)", "map(&name, s)"}, "invalid-type");
}

TEST(Functions, MaxAndMin) {
  expectAll(doc(), {{"max(nums)", "10"},
                    {"min(nums)", "-1"},
                    {"max(strs)", R"("c")"},
                    {"min(strs)", R"("B")"},  // code point order: upper case first
                    {"max(empty)", "null"},
                    {"min(empty)", "null"},
                    {"max(`[1, 1.0]`)", "1"},
                    {"min(`[2.0, 2]`)", "2.0"}});
  EXPECT_TRUE(eval("max(`[1, 1.0]`)", doc()).is_number_integer());  // first of equals
  expectErrors(doc(),
               {"max(mixed)", "min(mixed)", "max(bools)", "min(nested)", "max(s)", "min(obj)"},
               "invalid-type");
}

TEST(Functions, MaxByAndMinBy) {
  expectAll(doc(), {{"max_by(people, &age).name", R"("cy")"},
                    {"min_by(people, &age).name", R"("bob")"},  // first of equal minima
                    {"max_by(people, &name).name", R"("dee")"},
                    {"min_by(people, &name).name", R"("ann")"},
                    {"max_by(empty, &age)", "null"},
                    {"min_by(empty, &age)", "null"},
                    {"max_by(nums, &@)", "10"}});
  EXPECT_EQ(errorOf("max_by(people, &nick)", doc()),
            "--query failed at column 1: invalid-type: max_by() needs its expression to give "
            "every element a number, or every element a string; got null");
  expectErrors(doc(),
               {"min_by(people, &nick)", "max_by(people, &to_array(age))", "max_by(people, age)",
                "min_by(obj, &a)", "max_by(mixed, &@)"},
               "invalid-type");
}

TEST(Functions, Merge) {
  expectAll(doc(), {{"merge(obj)", R"({"a": 1, "b": 2})"},
                    {"merge(obj, obj2)", R"({"a": 10, "b": 2, "c": 3})"},
                    {"merge(obj2, obj)", R"({"a": 1, "b": 2, "c": 3})"},
                    {"merge(`{}`, `{}`)", "{}"},
                    {"merge(obj, `{\"z\": null}`)", R"({"a": 1, "b": 2, "z": null})"}});
  expectErrors(doc(), {"merge(obj, ints)", "merge(s)", "merge(nul)"}, "invalid-type");
}

TEST(Functions, NotNull) {
  expectAll(doc(), {{"not_null(nul, missing, s)", R"("hello")"},
                    {"not_null(nul)", "null"},
                    {"not_null(e, s)", R"("")"},  // empty string is not null
                    {"not_null(missing, z)", "0"},
                    {"people[*].not_null(nick, name)", R"(["a", "bob", "c", "dee"])"}});
  expectErrors(doc(), {"not_null(&s)"}, "invalid-type");
}

TEST(Functions, Reverse) {
  expectAll(doc(), {{"reverse(s)", R"("olleh")"},
                    {"reverse(e)", R"("")"},
                    {"reverse(u)", "\"\xf0\x9f\x98\x80\xe2\x9c\x93\xc3\xa9h\""},
                    {"reverse(ints)", "[3, 2, 1]"},
                    {"reverse(empty)", "[]"},
                    {"reverse(mixed)", R"(["a", 1])"}});
  expectErrors(doc(), {"reverse(obj)", "reverse(n)", "reverse(nul)"}, "invalid-type");
}

TEST(Functions, Sort) {
  expectAll(doc(), {{"sort(nums)", "[-1, 2.5, 4, 10]"},
                    {"sort(strs)", R"(["B", "a", "b", "c"])"},
                    {"sort(empty)", "[]"},
                    {"sort(`[3, 1.5, 3.0, 1]`)", "[1, 1.5, 3, 3.0]"}});
  EXPECT_TRUE(eval("sort(`[3.0, 3]`)", doc())[0].is_number_float());  // stable
  expectErrors(doc(), {"sort(mixed)", "sort(bools)", "sort(nested)", "sort(obj)", "sort(s)"},
               "invalid-type");
  EXPECT_EQ(errorOf("sort(mixed)", doc()),
            "--query failed at column 1: invalid-type: sort() argument 1 must be an array of "
            "numbers or an array of strings, got an array mixing number and string");
}

TEST(Functions, SortBy) {
  expectAll(doc(), {{"sort_by(people, &age)[].name", R"(["bob", "dee", "ann", "cy"])"},  // stable
                    {"sort_by(people, &name)[].age", "[30, 25, 35, 25]"},
                    {"sort_by(people, &age)[-1].name", R"("cy")"},
                    {"sort_by(empty, &age)", "[]"},
                    {"sort_by(nums, &@)", "[-1, 2.5, 4, 10]"},
                    {"sort_by(people, &to_string(age))[0].name", R"("bob")"},
                    {"reverse(sort_by(people, &age))[0].name", R"("cy")"}});
  EXPECT_EQ(errorOf("sort_by(mixed, &@)", doc()),
            "--query failed at column 1: invalid-type: sort_by() needs its expression to give "
            "every element a number, or every element a string; got a mix of numbers and "
            "strings");
  expectErrors(doc(),
               {"sort_by(people, &nick)", "sort_by(people, name)", "sort_by(obj, &a)",
                "sort_by(nested, &@)", "sort_by(people, &[age])"},
               "invalid-type");
}

TEST(Functions, Sum) {
  expectAll(doc(), {{"sum(ints)", "6"},
                    {"sum(nums)", "15.5"},
                    {"sum(empty)", "0"},
                    {"sum(`[9223372036854775807, 1]`)", "9223372036854775808.0"}});
  EXPECT_TRUE(eval("sum(ints)", doc()).is_number_integer());
  expectErrors(doc(), {"sum(strs)", "sum(mixed)", "sum(n)", "sum(bools)"}, "invalid-type");
}

TEST(Functions, ToArray) {
  expectAll(doc(), {{"to_array(s)", R"(["hello"])"},
                    {"to_array(ints)", "[1, 2, 3]"},
                    {"to_array(obj)", R"([{"a": 1, "b": 2}])"},
                    {"to_array(nul)", "[null]"},
                    {"to_array(t)", "[true]"},
                    {"to_array(z)", "[0]"}});
}

TEST(Functions, ToNumber) {
  expectAll(doc(), {{"to_number('42')", "42"},
                    {"to_number('-1.5')", "-1.5"},
                    {"to_number('1e3')", "1000.0"},
                    {"to_number('0')", "0"},
                    {"to_number(n)", "-3"},
                    {"to_number(f)", "2.5"},
                    {"to_number('abc')", "null"},
                    {"to_number('')", "null"},
                    {"to_number(' 1')", "null"},
                    {"to_number('1 ')", "null"},
                    {"to_number('01')", "null"},
                    {"to_number('1.')", "null"},
                    {"to_number('+1')", "null"},
                    {"to_number('0x10')", "null"},
                    {"to_number('1e999')", "null"},
                    {"to_number(t)", "null"},
                    {"to_number(nul)", "null"},
                    {"to_number(ints)", "null"},
                    {"to_number(obj)", "null"}});
  EXPECT_TRUE(eval("to_number('42')", doc()).is_number_integer());
}

TEST(Functions, ToString) {
  expectAll(doc(), {{"to_string(s)", R"("hello")"},
                    {"to_string(n)", R"("-3")"},
                    {"to_string(f)", R"("2.5")"},
                    {"to_string(t)", R"("true")"},
                    {"to_string(nul)", R"("null")"},
                    {"to_string(ints)", R"("[1,2,3]")"},
                    {"to_string(obj)", R"("{\"a\":1,\"b\":2}")"},
                    {"to_string(`\"q\"`)", R"("q")"}});
  expectErrors(doc(), {"to_string(&s)"}, "invalid-type");
}

TEST(Functions, Type) {
  expectAll(doc(), {{"type(s)", R"("string")"},
                    {"type(n)", R"("number")"},
                    {"type(f)", R"("number")"},
                    {"type(big)", R"("number")"},
                    {"type(t)", R"("boolean")"},
                    {"type(ints)", R"("array")"},
                    {"type(obj)", R"("object")"},
                    {"type(nul)", R"("null")"},
                    {"type(missing)", R"("null")"},
                    {"type(@)", R"("object")"}});
  expectErrors(doc(), {"type(&s)"}, "invalid-type");
}

TEST(Functions, ExpressionReferencesOnlyWhereExpected) {
  EXPECT_EQ(errorOf("length(&s)", doc()),
            "--query failed at column 1: invalid-type: length() argument 1 must be a string or "
            "an array or an object, got an expression reference");
  EXPECT_EQ(errorOf("map(s, ints)", doc()),
            "--query failed at column 1: invalid-type: map() argument 1 must be an expression "
            "reference (&...), got string");
  EXPECT_EQ(errorOf("people | sort_by(@, @)", doc()),
            "--query failed at column 10: invalid-type: sort_by() argument 2 must be an "
            "expression reference (&...), got array");
}

TEST(Functions, CallsComposeAndProject) {
  expectAll(doc(), {{"length(sort(strs))", "4"},
                    {"people[?starts_with(name, 'b') || age > `30`].name", R"(["bob", "cy"])"},
                    {"people[*].length(name)", "[3, 3, 2, 3]"},
                    {"people[].name.length(@)", "[3, 3, 2, 3]"},
                    {"max(people[*].age)", "35"},
                    {"sum(people[].age) == `115`", "true"},
                    {"to_string(length(people))", R"("4")"},
                    {"join(',', sort(map(&name, people)))", R"("ann,bob,cy,dee")"},
                    {"people[?contains(keys(@), 'nick')].name", R"(["ann", "cy"])"},
                    {"{n: length(people), oldest: max_by(people, &age).name}",
                     R"({"n": 4, "oldest": "cy"})"}});
}

TEST(Functions, LookupTable) {
  for (const char* name :
       {"abs",      "avg",       "ceil",      "contains", "ends_with", "floor",       "join",
        "keys",     "length",    "map",       "max",      "max_by",    "merge",       "min",
        "min_by",   "not_null",  "reverse",   "sort",     "sort_by",   "starts_with", "sum",
        "to_array", "to_number", "to_string", "type",     "values"}) {
    const FunctionSpec* spec = findFunction(name);
    ASSERT_NE(spec, nullptr) << name;
    EXPECT_EQ(spec->name, name);
  }
  EXPECT_EQ(findFunction("ABS"), nullptr);
  EXPECT_EQ(findFunction("group_by"), nullptr);
  EXPECT_EQ(findFunction(""), nullptr);
}

}  // namespace
}  // namespace berth::jmespath
