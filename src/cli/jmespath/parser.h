#pragma once
// The JMESPath syntax tree and the parser that builds it: a Pratt (top-down operator precedence)
// parser with the binding powers of the reference implementation (jmespath.py), so that every
// expression groups exactly as it does in the Azure CLI.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/jmespath/value.h"
#include "common/result.h"

namespace berth::jmespath {

struct FunctionSpec;

enum class NodeKind : std::uint8_t {
  kCurrent,           // @, and the implied right side of a projection with nothing after it
  kField,             // name: the member of an object, null otherwise
  kSubexpression,     // children[1] evaluated on the result of children[0]; also a.b, a[0]
  kPipe,              // like kSubexpression, but ends any projection on its left
  kIndex,             // index into an array (negative counts from the end)
  kSlice,             // [start:stop:step] of an array
  kProjection,        // children[1] applied to each element of the array children[0]
  kValueProjection,   // children[1] applied to each value of the object children[0]
  kFilterProjection,  // children[1] applied to elements of children[0] where children[2] holds
  kFlatten,           // the array children[0] with nested arrays spliced in one level
  kComparator,        // children[0] <op> children[1]
  kOr,
  kAnd,
  kNot,
  kMultiSelectList,  // [children...]
  kMultiSelectHash,  // {keys[i]: children[i], ...}
  kLiteral,          // literal
  kFunction,         // function(children...)
  kExpref,           // &children[0]; only meaningful as a function argument
};

enum class Comparator : std::uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };

struct Node {
  NodeKind kind = NodeKind::kCurrent;
  std::size_t column = 0;  // where the construct starts in the expression, for error messages
  std::size_t depth = 1;   // 1 + the deepest child; bounded by kMaxExpressionDepth
  std::vector<Node> children;

  std::string name;                               // kField
  std::vector<std::string> keys;                  // kMultiSelectHash, parallel to children
  Json literal;                                   // kLiteral
  std::int64_t index = 0;                         // kIndex
  std::optional<std::int64_t> start, stop, step;  // kSlice
  Comparator comparator = Comparator::kEq;        // kComparator
  const FunctionSpec* function = nullptr;         // kFunction, resolved while parsing
};

/// Deepest syntax tree accepted. Parsing, evaluating and destroying the tree all recurse, so the
/// bound is what keeps `((((...` or `a.a.a...` from exhausting the stack. Real queries stay
/// below 30.
constexpr std::size_t kMaxExpressionDepth = 256;

/// Parses a whole expression. Unknown function names and wrong argument counts are reported here
/// rather than at evaluation so a typo fails even when the document would never reach it.
/// Errors are kInvalidParameter, "invalid --query expression at column N: ...".
Result<Node> parse(std::string_view text);

}  // namespace berth::jmespath
