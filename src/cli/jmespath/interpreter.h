#pragma once
// Evaluates a syntax tree against a document.
//
// Work is metered: each node evaluated costs one unit and each JSON value copied into a new result
// costs its measured weight (see measure()). Without the meter `[@,@].[@,@].[@,@]...` doubles the
// result per level and a short query could exhaust memory.

#include <cstddef>

#include "cli/jmespath/parser.h"
#include "cli/jmespath/value.h"
#include "common/result.h"

namespace berth::jmespath {

class Interpreter {
 public:
  /// `work_budget` is the total work allowed for one search; exceeding it fails the search.
  explicit Interpreter(std::size_t work_budget) : work_left_(work_budget) {}

  /// Evaluates `node` with `current` as `@`. Errors are kInvalidParameter and name the JMESPath
  /// error (invalid-type, invalid-value) and the column of the construct that failed.
  Result<Value> evaluate(const Node& node, const Value& current);

  /// Moves `value` into a plain JSON value, charging for a copy when one is needed.
  Result<Json> materialize(Value value);

  /// Charges `units` of work; fails once the budget is spent.
  Status charge(std::size_t units);

 private:
  Result<Value> field(const Node& node, const Value& current);
  Result<Value> index(const Node& node, const Value& current);
  Result<Value> slice(const Node& node, const Value& current);
  Result<Value> projection(const Node& node, const Value& current);
  Result<Value> filterProjection(const Node& node, const Value& current);
  Result<Value> flatten(const Node& node, const Value& current);
  Result<Value> comparator(const Node& node, const Value& current);
  Result<Value> logical(const Node& node, const Value& current);
  Result<Value> multiSelectList(const Node& node, const Value& current);
  Result<Value> multiSelectHash(const Node& node, const Value& current);
  Result<Value> function(const Node& node, const Value& current);

  std::size_t work_left_;
};

/// The error runtime failures are reported as: "--query failed at column N: <what>".
Error evaluationError(std::size_t column, std::string_view what);

}  // namespace berth::jmespath
