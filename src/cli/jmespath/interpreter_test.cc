// Expression semantics, grouped like the JMESPath compliance suites. Documents and cases are our
// own; the behaviour they pin is the specification's and jmespath.py's.

#include "cli/jmespath/interpreter.h"

#include <gtest/gtest.h>

#include "cli/jmespath/test_support.h"

namespace berth::jmespath {
namespace {

using testing::errorOf;
using testing::eval;
using testing::expectAll;

TEST(Basic, Identifiers) {
  const auto data =
      Json::parse(R"({"pool": {"name": "p1", "spec": {"size": 3, "zone": null}}, "count": 7})");
  expectAll(data, {
                      {"count", "7"},
                      {"pool.name", R"("p1")"},
                      {"pool.spec.size", "3"},
                      {"pool.spec", R"({"size": 3, "zone": null})"},
                      {"pool.spec.zone", "null"},
                      {"pool.missing", "null"},
                      {"missing.deeper.still", "null"},
                      {"Pool", "null"},             // case matters
                      {"pool.name.first", "null"},  // member of a string
                      {"count.value", "null"},      // member of a number
                  });
  EXPECT_EQ(eval("a", Json::parse("[1]")), nullptr);       // member of an array
  EXPECT_EQ(eval("a", Json::parse("\"text\"")), nullptr);  // member of a string
  EXPECT_EQ(eval("a", nullptr), nullptr);
}

TEST(Basic, QuotedIdentifiersReachAnyKey) {
  const auto data = Json::parse(R"({
    "dotted.key": 1, "with space": 2, "line\nbreak": 3, "say \"hi\"": 4, "C:\\dir": 5,
    "\u2713": 6, "42": 7, "": 8, "@": 9, "-dash": 10, "nested": {"in.ner": {"x": 11}}
  })");
  expectAll(data, {
                      {R"("dotted.key")", "1"},
                      {R"("with space")", "2"},
                      {R"("line\nbreak")", "3"},
                      {R"("say \"hi\"")", "4"},
                      {R"("C:\\dir")", "5"},
                      {R"("\u2713")", "6"},
                      {"\"\xe2\x9c\x93\"", "6"},
                      {R"("42")", "7"},
                      {R"("")", "8"},
                      {R"("@")", "9"},
                      {R"("-dash")", "10"},
                      {R"(nested."in.ner".x)", "11"},
                      {R"("nested"."in.ner"."x")", "11"},
                      {R"("dotted".key)", "null"},
                  });
}

TEST(Subexpressions, ChainThroughObjectsAndIndexes) {
  const auto data = Json::parse(R"({"a": {"b": [{"c": [10, 20]}, {"c": [30]}]}})");
  expectAll(data, {
                      {"a.b[0].c", "[10, 20]"},
                      {"a.b[0].c[1]", "20"},
                      {"a.b[1].c[0]", "30"},
                      {"a.b[1].c[1]", "null"},
                      {"a.b[2].c", "null"},
                      {"a.b.c", "null"},  // b is an array, not an object
                      {"a.b[0].c.d", "null"},
                  });
}

TEST(IndexExpressions, PositiveAndNegative) {
  const auto data =
      Json::parse(R"({"l": ["a", "b", "c"], "o": {"0": "zero"}, "nested": [[1, 2], [3]]})");
  expectAll(data, {
                      {"l[0]", R"("a")"},
                      {"l[2]", R"("c")"},
                      {"l[3]", "null"},
                      {"l[-1]", R"("c")"},
                      {"l[-3]", R"("a")"},
                      {"l[-4]", "null"},
                      {"l[-9223372036854775808]", "null"},
                      {"l[9223372036854775807]", "null"},
                      {"o[0]", "null"},  // indexing is for arrays only
                      {"nested[0][1]", "2"},
                      {"nested[1][0]", "3"},
                      {"nested[-1][-1]", "3"},
                      {"nested[1][1]", "null"},
                  });
  EXPECT_EQ(eval("[1]", Json::parse("[5, 6]")), 6);
  EXPECT_EQ(eval("[0]", Json::parse("\"string\"")), nullptr);
}

TEST(Slices, EveryCombinationOfBoundsAndStep) {
  const auto data = Json::parse(R"({"n": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], "e": [], "s": "abc"})");
  expectAll(data, {
                      {"n[:]", "[0,1,2,3,4,5,6,7,8,9]"},
                      {"n[::]", "[0,1,2,3,4,5,6,7,8,9]"},
                      {"n[0:3]", "[0,1,2]"},
                      {"n[:3]", "[0,1,2]"},
                      {"n[7:]", "[7,8,9]"},
                      {"n[7:100]", "[7,8,9]"},
                      {"n[100:]", "[]"},
                      {"n[3:3]", "[]"},
                      {"n[5:2]", "[]"},
                      {"n[-3:]", "[7,8,9]"},
                      {"n[:-7]", "[0,1,2]"},
                      {"n[-100:2]", "[0,1]"},
                      {"n[-2:-1]", "[8]"},
                      {"n[::2]", "[0,2,4,6,8]"},
                      {"n[1::3]", "[1,4,7]"},
                      {"n[1:8:3]", "[1,4,7]"},
                      {"n[::9223372036854775807]", "[0]"},
                      {"n[8::9223372036854775807]", "[8]"},
                      {"n[::-1]", "[9,8,7,6,5,4,3,2,1,0]"},
                      {"n[::-3]", "[9,6,3,0]"},
                      {"n[5::-1]", "[5,4,3,2,1,0]"},
                      {"n[:5:-1]", "[9,8,7,6]"},
                      {"n[7:2:-2]", "[7,5,3]"},
                      {"n[2:7:-1]", "[]"},
                      {"n[-1:-4:-1]", "[9,8,7]"},
                      {"n[100::-4]", "[9,5,1]"},
                      {"n[:-100:-4]", "[9,5,1]"},
                      {"n[-100::-1]", "[]"},
                      {"n[::-9223372036854775808]", "[9]"},
                      {"e[:]", "[]"},
                      {"e[::-1]", "[]"},
                      {"s[0:1]", "null"},  // slicing is for arrays only
                      {"missing[:]", "null"},
                  });
}

TEST(Slices, AreProjections) {
  const auto data = Json::parse(R"({"v": [{"id": 1}, {"id": 2}, {"x": 0}, {"id": 4}]})");
  expectAll(data, {
                      {"v[1:].id", "[2, 4]"},
                      {"v[::-1].id", "[4, 2, 1]"},
                      {"v[:2].id | [0]", "1"},
                      {"v[:2] | [0].id", "1"},
                  });
}

TEST(Projections, ListWildcard) {
  const auto data = Json::parse(R"({
    "people": [{"name": "ann", "age": 30, "pets": [{"n": "rex"}]},
               {"name": "bob", "pets": []},
               {"age": 5},
               {"name": "cy", "age": 40, "pets": [{"n": "tom"}, {"n": "kit"}]}],
    "scalar": 3
  })");
  expectAll(data, {
                      {"people[*].name", R"(["ann", "bob", "cy"])"},  // missing names dropped
                      {"people[*].age", "[30, 5, 40]"},
                      {"people[*].nothing", "[]"},
                      {"people[*].pets[*].n", R"([["rex"], [], ["tom", "kit"]])"},
                      {"people[*].pets[0].n", R"(["rex", "tom"])"},
                      {"people[*]", data["people"].dump()},
                      {"people[*].name[0]", "[]"},  // index of a string is null, dropped
                      {"scalar[*]", "null"},
                      {"missing[*].x", "null"},
                      {"people[*].name | [1]", R"("bob")"},
                      {"people[*].name[1]", "[]"},
                  });
  EXPECT_EQ(eval("[*]", Json::parse(R"({"a": 1})")), nullptr);  // list wildcard needs an array
  EXPECT_EQ(eval("[*][0]", Json::parse("[[1, 2], [3], []]")), Json::parse("[1, 3]"));
}

TEST(Projections, ObjectWildcard) {
  const auto data = Json::parse(R"({
    "ops": {"add": {"args": 2}, "neg": {"args": 1}, "noop": {}},
    "list": [1, 2]
  })");
  expectAll(data, {
                      {"ops.*.args", "[2, 1]"},  // keys iterate in sorted order
                      {"ops.*", R"([{"args": 2}, {"args": 1}, {}])"},
                      {"list.*", "null"},  // value wildcard needs an object
                      {"*.add.args", "[2]"},
                      {"ops.*.args | [0]", "2"},
                      {"ops.* | length(@)", "3"},
                  });
  EXPECT_EQ(eval("*", Json::parse(R"({"a": 1, "b": [2]})")), Json::parse("[1, [2]]"));
  EXPECT_EQ(eval("*.*", Json::parse(R"({"a": {"x": 1}, "b": {"y": 2}, "c": 3})")),
            Json::parse("[[1], [2]]"));
}

TEST(Flatten, MergesOneLevel) {
  const auto data = Json::parse(R"({
    "groups": [{"vms": [{"id": "a"}, {"id": "b"}]}, {"vms": []}, {"vms": [{"id": "c"}]}, {}],
    "nested": [1, [2, [3, [4]]], [], "s"],
    "obj": {"a": 1}
  })");
  expectAll(data, {
                      {"groups[].vms[].id", R"(["a", "b", "c"])"},
                      {"groups[*].vms[*].id", R"([["a", "b"], [], ["c"]])"},
                      {"groups[].vms[*].id", R"([["a", "b"], [], ["c"]])"},
                      {"groups[*].vms[].id", R"(["a", "b", "c"])"},  // [] flattens the projection
                      {"groups[*].vms[*].id[]", R"(["a", "b", "c"])"},
                      {"nested[]", R"([1, 2, [3, [4]], "s"])"},
                      {"nested[][]", R"([1, 2, 3, [4], "s"])"},
                      {"nested[][][]", R"([1, 2, 3, 4, "s"])"},
                      {"obj[]", "null"},
                      {"missing[]", "null"},
                      {"groups[].vms | [0]", R"([{"id": "a"}, {"id": "b"}])"},
                      {"groups[].vms[] | [0]", R"({"id": "a"})"},
                  });
  EXPECT_EQ(eval("[]", Json::parse("[[1], [2, 3]]")), Json::parse("[1, 2, 3]"));
  EXPECT_EQ(eval("[].a", Json::parse(R"([{"a": 1}, [{"a": 2}], 5])")), Json::parse("[1, 2]"));
}

TEST(Filters, Comparators) {
  const auto data = Json::parse(R"({"items": [
    {"n": "a", "v": 1, "f": 1.5, "b": true, "s": "x", "o": {"k": 1}, "l": [1, 2]},
    {"n": "b", "v": 2, "f": 2.0, "b": false, "s": "y", "o": {"k": 2}, "l": []},
    {"n": "c", "v": 3, "f": -1, "b": null, "s": "x", "o": {}, "l": [1, 2]},
    {"n": "d"}
  ]})");
  expectAll(data, {
                      {"items[?v == `2`].n", R"(["b"])"},
                      {"items[?v != `2`].n", R"(["a", "c", "d"])"},
                      {"items[?v < `2`].n", R"(["a"])"},
                      {"items[?v <= `2`].n", R"(["a", "b"])"},
                      {"items[?v > `2`].n", R"(["c"])"},
                      {"items[?v >= `2`].n", R"(["b", "c"])"},
                      {"items[?f == `2`].n", R"(["b"])"},  // 2.0 == 2
                      {"items[?f > `1`].n", R"(["a", "b"])"},
                      {"items[?f < v].n", R"(["c"])"},  // field against field
                      {"items[?s == 'x'].n", R"(["a", "c"])"},
                      {"items[?s == `\"x\"`].n", R"(["a", "c"])"},
                      {"items[?b == `true`].n", R"(["a"])"},
                      {"items[?b == `false`].n", R"(["b"])"},
                      {"items[?b == `null`].n", R"(["c", "d"])"},  // missing is null too
                      {"items[?o == `{\"k\": 1}`].n", R"(["a"])"},
                      {"items[?l == `[1, 2]`].n", R"(["a", "c"])"},
                      {"items[?l == `[2, 1]`].n", "[]"},
                      {"items[?o == `{}`].n", R"(["c"])"},
                      {"items[?s < 'y'].n", "[]"},  // ordering strings gives null: no match
                      {"items[?b < `true`].n", "[]"},
                      {"items[?l > `[]`].n", "[]"},
                      {"items[?v].n", R"(["a", "b", "c"])"},
                      {"items[?b].n", R"(["a"])"},
                      {"items[?l].n", R"(["a", "c"])"},  // [] is falsy
                      {"items[?o].n", R"(["a", "b"])"},  // {} is falsy
                      {"items[?!b].n", R"(["b", "c", "d"])"},
                      {"items[?`true`].n", R"(["a", "b", "c", "d"])"},
                      {"items[?v == `1` || v == `3`].n", R"(["a", "c"])"},
                      {"items[?v > `1` && s == 'x'].n", R"(["c"])"},
                      {"items[?(v == `1` || v == `2`) && b].n", R"(["a"])"},
                      {"items[?v == `1` || v == `2` && b].n", R"(["a"])"},
                      {"items[?!(v == `1`)].n", R"(["b", "c", "d"])"},
                  });
}

TEST(Filters, CompareMixedNumberRepresentations) {
  const auto data = Json::parse(
      R"([{"v": 1}, {"v": 1.0}, {"v": 18446744073709551615}, {"v": -5}, {"v": 1e300}, {"v": 0}])");
  EXPECT_EQ(eval("[?v == `1`] | length(@)", data), 2);
  EXPECT_EQ(eval("[?v > `9223372036854775807`].v", data),
            Json::parse("[18446744073709551615, 1e300]"));
  EXPECT_EQ(eval("[?v < `0`].v", data), Json::parse("[-5]"));
  EXPECT_EQ(eval("[?v == `18446744073709551615`] | length(@)", data), 1);
  EXPECT_EQ(eval("[?v == `-1`] | length(@)", data), 0);
  EXPECT_EQ(eval("[?v >= `0.5`] | length(@)", data), 4);
}

TEST(Filters, ShapesAroundTheFilter) {
  const auto data = Json::parse(R"({
    "a": [{"k": 1, "t": ["x", "y"]}, {"k": 2, "t": ["z"]}, {"k": 1, "t": []}],
    "m": [[1, 2], [3, 4]],
    "o": {"k": 1}
  })");
  expectAll(data, {
                      {"a[?k == `1`]", R"([{"k": 1, "t": ["x", "y"]}, {"k": 1, "t": []}])"},
                      {"a[?k == `1`].t", R"([["x", "y"], []])"},
                      {"a[?k == `1`].t[]", R"(["x", "y"])"},
                      {"a[?k == `1`][]", R"([{"k": 1, "t": ["x", "y"]}, {"k": 1, "t": []}])"},
                      {"a[?k == `1`].t[0]", R"(["x"])"},
                      {"a[?k == `1`] | [0].t", R"(["x", "y"])"},
                      {"a[?k == `1`].t | [0]", R"(["x", "y"])"},
                      {"a[?k == `9`] | [0]", "null"},
                      // A filter binds looser than another filter's right side but tighter than
                      // [*]'s, so the first applies to the filtered list, the second per element.
                      {"a[?k == `2`].t[?@ == 'z']", "[]"},
                      {"a[*].t[?@ == 'z']", R"([[], ["z"], []])"},
                      {"m[?@[0] > `1`]", "[[3, 4]]"},
                      {"m[*][?@ > `1`]", "[[2], [3, 4]]"},
                      {"o[?k == `1`]", "null"},  // filters need an array
                      {"a[?t[?@ == 'y']].k", "[1]"},
                      {"a[?length(t) > `0`].k", "[1, 2]"},
                  });
  EXPECT_EQ(eval("[?@ > `2`]", Json::parse("[1, 2, 3, 4]")), Json::parse("[3, 4]"));
  EXPECT_EQ(eval("[?@]", Json::parse(R"([0, "", "x", null, [], {}, false, true])")),
            Json::parse(R"([0, "x", true])"));
}

TEST(Boolean, OrAndNotUseTruthiness) {
  const auto data = Json::parse(R"({
    "t": true, "f": false, "z": 0, "zf": 0.0, "n": null, "es": "", "s": "x",
    "ea": [], "a": [0], "eo": {}, "o": {"k": null}
  })");
  expectAll(data, {
                      {"f || t", "true"},
                      {"t || f", "true"},
                      {"n || es || ea || eo || f", "false"},  // last operand when all falsy
                      {"n || es || ea || eo || f || s", R"("x")"},
                      {"missing || s", R"("x")"},
                      {"z || s", "0"},  // zero is truthy
                      {"zf || s", "0.0"},
                      {"a || s", "[0]"},
                      {"o || s", R"({"k": null})"},
                      {"t && s", R"("x")"},
                      {"s && t", "true"},
                      {"ea && t", "[]"},  // first falsy operand returned as is
                      {"n && t", "null"},
                      {"eo && t", "{}"},
                      {"es && t", R"("")"},
                      {"z && es", R"("")"},
                      {"!t", "false"},
                      {"!f", "true"},
                      {"!z", "false"},
                      {"!!z", "true"},
                      {"!n", "true"},
                      {"!missing", "true"},
                      {"!es", "true"},
                      {"!s", "false"},
                      {"!ea", "true"},
                      {"!a", "false"},
                      {"!eo", "true"},
                      {"!o", "false"},
                      {"t && !f", "true"},
                      {"!(t && f)", "true"},
                      {"z || t && f", "0"},
                      {"(z || t) && f", "false"},
                  });
}

TEST(Boolean, ShortCircuitSkipsTheOtherSide) {
  // The right side would be a runtime type error, so reaching it would fail the search.
  const auto data = Json::parse(R"({"s": "x", "n": null})");
  EXPECT_EQ(eval("s || abs(s)", data), "x");
  EXPECT_EQ(eval("n && abs(s)", data), nullptr);
  EXPECT_NE(errorOf("n || abs(s)", data).find("invalid-type"), std::string::npos);
}

TEST(MultiSelect, Lists) {
  const auto data =
      Json::parse(R"({"a": 1, "b": {"c": [2, 3]}, "l": [{"x": 1, "y": 2}, {"x": 3}]})");
  expectAll(data, {
                      {"[a, b.c[0]]", "[1, 2]"},
                      {"[a, missing]", "[1, null]"},  // nulls are kept
                      {"[a]", "[1]"},
                      {"[[a], [b.c]]", "[[1], [[2, 3]]]"},
                      {"b.[c]", "[[2, 3]]"},
                      {"b.c[*].[@]", "[[2], [3]]"},
                      {"l[*].[x, y]", "[[1, 2], [3, null]]"},
                      {"l[].[x, y][]", "[1, 2, 3]"},  // the final projection drops the null
                      {"missing.[a, b]", "null"},     // null in, null out
                      {"[a, b] | [1].c", "[2, 3]"},
                      {"[*, a]", "[[1, {\"c\": [2, 3]}, [{\"x\": 1, \"y\": 2}, {\"x\": 3}]], 1]"},
                  });
}

TEST(MultiSelect, Hashes) {
  const auto data = Json::parse(R"({
    "name": "reg", "sku": {"tier": "Premium"},
    "list": [{"name": "a", "size": 1}, {"name": "b"}]
  })");
  expectAll(data,
            {
                {"{n: name, t: sku.tier}", R"({"n": "reg", "t": "Premium"})"},
                {"{n: name, missing: nope}", R"({"n": "reg", "missing": null})"},
                {R"({"with space": name, "é": sku})",
                 R"({"with space": "reg", "é": {"tier": "Premium"}})"},
                {"{a: name, a: sku.tier}", R"({"a": "Premium"})"},  // later key wins
                {"list[*].{n: name, s: size}", R"([{"n": "a", "s": 1}, {"n": "b", "s": null}])"},
                {"list[].{n: name}", R"([{"n": "a"}, {"n": "b"}])"},
                {"nope.{a: name}", "null"},
                {"{outer: {inner: name}}", R"({"outer": {"inner": "reg"}})"},
                {"{l: list[*].name, c: length(list)}", R"({"l": ["a", "b"], "c": 2})"},
                {"sku.{t: tier, all: @}", R"({"t": "Premium", "all": {"tier": "Premium"}})"},
            });
}

TEST(Pipes, StopProjections) {
  const auto data = Json::parse(R"({"a": [{"b": [1, 2]}, {"b": [3, 4]}]})");
  expectAll(data, {
                      {"a[*].b[0]", "[1, 3]"},     // index applies to each element
                      {"a[*].b | [0]", "[1, 2]"},  // index applies to the whole list
                      {"a[*].b | [0][1]", "2"},
                      {"a[*].b[] | [-1]", "4"},
                      {"a | [1] | b | [0]", "3"},
                      {"a[*].b | length(@)", "2"},
                      {"a[*].b[*] | [1][0]", "3"},
                      {"a | length(@)", "2"},
                      {"@ | a[0] | b", "[1, 2]"},
                      {"a[*].b | [*][0]", "[1, 3]"},
                  });
}

TEST(CurrentNode, RefersToTheValueAtHand) {
  const auto data = Json::parse(R"({"a": [1, 2, 3], "b": {"c": 4}})");
  expectAll(data, {
                      {"@", data.dump()},
                      {"@.a", "[1, 2, 3]"},
                      {"a[?@ > `1`] | [@]", "[[2, 3]]"},
                      {"a[?@ != `2`]", "[1, 3]"},
                      {"b.c | @", "4"},
                      {"[@.b, @]", R"([{"c": 4}, )" + data.dump() + "]"},
                  });
}

TEST(Literals, JsonAndRawStrings) {
  const auto data = Json::parse(R"({"name": "it's", "path": "C:\\temp"})");
  expectAll(data, {
                      {"`{\"a\": [1, true, null]}`", R"({"a": [1, true, null]})"},
                      {"`{\"a\": {\"b\": 2}}`.a.b", "2"},
                      {"`[0, 1, 2]`[1]", "1"},
                      {"`[0, 1, 2]`[::-1]", "[2, 1, 0]"},
                      {"`\"a\\`b\"`", R"("a`b")"},
                      {"'raw'", R"("raw")"},
                      {"'with \"double\" quotes'", R"("with \"double\" quotes")"},
                      {"name == 'it\\'s'", "true"},
                      {"path == 'C:\\temp'", "true"},
                      {"path == `\"C:\\\\temp\"`", "true"},
                      {"['a', `1`, `null`]", R"(["a", 1, null])"},
                      {"{k: 'v'}", R"({"k": "v"})"},
                      {"'x' || name", R"("x")"},
                      {"'' || name", R"("it's")"},
                      {"`0`", "0"},
                      {"`-0.25`", "-0.25"},
                  });
}

TEST(NullPropagation, ThroughEveryConstruct) {
  const Json data = Json::object();
  expectAll(data, {
                      {"a.b.c", "null"},
                      {"a[0].b", "null"},
                      {"a[*].b", "null"},
                      {"a[].b", "null"},
                      {"a.*.b", "null"},
                      {"a[?b].c", "null"},
                      {"a[1:].b", "null"},
                      {"a | b", "null"},
                      {"a.[b]", "null"},
                      {"a.{b: b}", "null"},
                      {"[a, b]", "[null, null]"},  // the current node ({}) is not null
                      {"{a: a}", R"({"a": null})"},
                      {"a == b", "true"},  // null equals null
                      {"a != b", "false"},
                      {"a < b", "null"},
                      {"not_null(a, b)", "null"},
                  });
}

TEST(AzureQueries, PrivateEndpointAndNicLookups) {
  // Shapes of `az network nic show` and `az network private-endpoint show` output.
  const auto nic = Json::parse(R"({
    "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/pe.nic",
    "ipConfigurations": [
      {"name": "data", "privateIPAddress": "10.1.0.5",
       "privateLinkConnectionProperties": {"fqdns": ["reg.westeurope.data.azurecr.io"],
                                           "groupId": "registry",
                                           "requiredMemberName": "registry_data_westeurope"}},
      {"name": "login", "privateIPAddress": "10.1.0.4",
       "privateLinkConnectionProperties": {"fqdns": ["reg.azurecr.io"], "groupId": "registry",
                                           "requiredMemberName": "registry"}}
    ]
  })");
  EXPECT_EQ(eval("ipConfigurations[?privateLinkConnectionProperties.requiredMemberName=="
                 "'registry'].privateIPAddress | [0]",
                 nic),
            "10.1.0.4");
  EXPECT_EQ(eval("ipConfigurations[?privateLinkConnectionProperties.requiredMemberName=="
                 "'registry_data_westeurope'].privateIPAddress | [0]",
                 nic),
            "10.1.0.5");
  EXPECT_EQ(eval("ipConfigurations[?privateLinkConnectionProperties.requiredMemberName=="
                 "'nope'].privateIPAddress | [0]",
                 nic),
            nullptr);
  EXPECT_EQ(eval("ipConfigurations[?privateLinkConnectionProperties.requiredMemberName=="
                 "'registry'].privateIPAddress[0]",
                 nic),
            Json::array());  // no pipe: [0] indexes each string, giving null, dropped
  EXPECT_EQ(eval("[?privateLinkConnectionProperties.requiredMemberName=='registry']"
                 ".privateIPAddress | [0]",
                 nic["ipConfigurations"]),
            "10.1.0.4");
  EXPECT_EQ(eval("ipConfigurations[].privateLinkConnectionProperties.fqdns[]", nic),
            Json::parse(R"(["reg.westeurope.data.azurecr.io", "reg.azurecr.io"])"));

  const auto endpoint = Json::parse(R"({
    "customDnsConfigs": [
      {"fqdn": "reg.azurecr.io", "ipAddresses": ["10.1.0.4"]},
      {"fqdn": "reg.westeurope.data.azurecr.io", "ipAddresses": ["10.1.0.5", "10.1.0.6"]}
    ],
    "networkInterfaces": [{"id": "/subscriptions/s/.../networkInterfaces/pe.nic"}]
  })");
  EXPECT_EQ(eval("customDnsConfigs[?fqdn=='reg.azurecr.io'].ipAddresses[0]", endpoint),
            Json::parse(R"(["10.1.0.4"])"));
  EXPECT_EQ(eval("customDnsConfigs[?fqdn=='reg.westeurope.data.azurecr.io'].ipAddresses[0] | [0]",
                 endpoint),
            "10.1.0.5");
  EXPECT_EQ(eval("customDnsConfigs[?fqdn=='x'].ipAddresses[0]", endpoint), Json::array());
  EXPECT_EQ(eval("customDnsConfigs[?ends_with(fqdn, '.data.azurecr.io')].ipAddresses[]", endpoint),
            Json::parse(R"(["10.1.0.5", "10.1.0.6"])"));
  EXPECT_EQ(eval("networkInterfaces[0].id", endpoint),
            "/subscriptions/s/.../networkInterfaces/pe.nic");
}

TEST(AzureQueries, VmsRegistriesAndTags) {
  const auto vm = Json::parse(R"({
    "name": "vm1",
    "networkProfile": {"networkInterfaces": [{"id": "/s/nic-primary", "primary": true},
                                              {"id": "/s/nic-2", "primary": false}]},
    "storageProfile": {"dataDisks": []}
  })");
  EXPECT_EQ(eval("networkProfile.networkInterfaces[0].id", vm), "/s/nic-primary");
  EXPECT_EQ(eval("networkProfile.networkInterfaces[?primary].id | [0]", vm), "/s/nic-primary");
  EXPECT_EQ(eval("length(storageProfile.dataDisks)", vm), 0);

  const auto registries = Json::parse(R"([
    {"name": "prodreg", "loginServer": "prodreg.azurecr.io", "sku": {"name": "Premium"},
     "tags": {"env": "prod"}, "adminUserEnabled": false, "id": "/s/prodreg"},
    {"name": "devreg", "loginServer": "devreg.azurecr.io", "sku": {"name": "Basic"},
     "tags": {"env": "dev"}, "adminUserEnabled": true, "id": "/s/devreg"},
    {"name": "oldreg", "loginServer": "oldreg.azurecr.io", "sku": {"name": "Standard"},
     "tags": null, "adminUserEnabled": true, "id": "/s/oldreg"}
  ])");
  expectAll(registries, {
                            {"[].name", R"(["prodreg", "devreg", "oldreg"])"},
                            {"[?tags.env=='prod'].loginServer | [0]", R"("prodreg.azurecr.io")"},
                            {"[?sku.name=='Premium'] | length(@)", "1"},
                            {"[?adminUserEnabled].name", R"(["devreg", "oldreg"])"},
                            {"[?contains(name, 'reg')] | length(@)", "3"},
                            {"[?starts_with(name, 'dev')].id", R"(["/s/devreg"])"},
                            {"[].{Name: name, Login: loginServer} | [0]",
                             R"({"Name": "prodreg", "Login": "prodreg.azurecr.io"})"},
                            {"sort_by(@, &name)[].name", R"(["devreg", "oldreg", "prodreg"])"},
                            {"sort_by(@, &name)[-1].name", R"("prodreg")"},
                            {"[?tags == null].name", R"(["oldreg"])"},
                            {"[?!tags].name", R"(["oldreg"])"},
                            {"[].tags.env", R"(["prod", "dev"])"},
                            {"join(', ', [].name)", R"("prodreg, devreg, oldreg")"},
                            {"[?name=='devreg'].id | [0]", R"("/s/devreg")"},
                            {"[?name=='devreg'] | [0].sku.name", R"("Basic")"},
                        });
}

TEST(Expref, OutsideAFunctionIsATypeError) {
  EXPECT_EQ(errorOf("&a"),
            "--query failed at column 1: invalid-type: an expression reference (&...) can only be "
            "passed to a function such as sort_by, max_by, min_by or map");
  EXPECT_NE(errorOf("[&a]").find("invalid-type"), std::string::npos);
  EXPECT_NE(errorOf("{k: &a}").find("invalid-type"), std::string::npos);
}

}  // namespace
}  // namespace berth::jmespath
