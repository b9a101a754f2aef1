#include "cli/jmespath/jmespath.h"

#include <exception>
#include <limits>
#include <utility>

#include "cli/jmespath/interpreter.h"
#include "cli/jmespath/parser.h"

namespace berth::jmespath {
namespace {

/// Work any search may do regardless of document size: ample for real queries, small enough
/// that an expression built to multiply its input fails in well under a second.
constexpr std::size_t kBaseWork = std::size_t{1} << 18;
/// Further work allowed per unit of document weight, so big documents stay searchable.
constexpr std::size_t kWorkPerWeight = 16;

std::size_t workBudget(std::size_t weight) {
  constexpr std::size_t kMax = std::numeric_limits<std::size_t>::max();
  if (weight > (kMax - kBaseWork) / kWorkPerWeight) {
    return kMax;
  }
  return kBaseWork + weight * kWorkPerWeight;
}

}  // namespace

Expression::Expression(std::shared_ptr<const Node> root, std::string text)
    : root_(std::move(root)), text_(std::move(text)) {}

Result<Expression> Expression::compile(std::string_view text) {
  // Only allocation failure can throw below; it must not escape to the CLI as an exception.
  try {
    auto root = parse(text);
    if (!root) {
      return fail(std::move(root).error());
    }
    return Expression(std::make_shared<const Node>(std::move(root).value()), std::string(text));
  } catch (const std::exception& e) {
    return fail(Errc::kInternal, std::string("compiling --query failed: ") + e.what());
  }
}

Result<nlohmann::json> Expression::search(const nlohmann::json& data) const {
  try {
    const JsonMeasure size = measure(data, kMaxJsonDepth, std::numeric_limits<std::size_t>::max());
    if (size.depth > kMaxJsonDepth) {
      return fail(Errc::kInvalidParameter, "the JSON to search nests more than " +
                                               std::to_string(kMaxJsonDepth) +
                                               " levels deep; --query cannot search it");
    }
    Interpreter interpreter(workBudget(size.weight));
    auto result = interpreter.evaluate(*root_, Value::borrow(data));
    if (!result) {
      return fail(std::move(result).error());
    }
    return interpreter.materialize(std::move(result).value());
  } catch (const std::exception& e) {
    return fail(Errc::kInternal, std::string("evaluating --query failed: ") + e.what());
  }
}

Result<nlohmann::json> search(std::string_view expression, const nlohmann::json& data) {
  auto compiled = Expression::compile(expression);
  if (!compiled) {
    return fail(std::move(compiled).error());
  }
  return compiled->search(data);
}

}  // namespace berth::jmespath
