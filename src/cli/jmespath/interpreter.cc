#include "cli/jmespath/interpreter.h"

#include <string>
#include <utility>
#include <vector>

#include "cli/jmespath/functions.h"

namespace berth::jmespath {

Error evaluationError(std::size_t column, std::string_view what) {
  return Error{Errc::kInvalidParameter,
               "--query failed at column " + std::to_string(column) + ": " + std::string(what),
               {}};
}

Status Interpreter::charge(std::size_t units) {
  if (units > work_left_) {
    work_left_ = 0;
    return fail(Errc::kInvalidParameter,
                "--query needs more work than one search is allowed; narrow the query or the "
                "data it runs on");
  }
  work_left_ -= units;
  return okStatus();
}

Result<Json> Interpreter::materialize(Value value) {
  if (!value.movable()) {
    // Measuring stops just past the remaining budget, so a huge value costs no more to reject.
    const std::size_t limit = work_left_ + 1;
    if (Status s = charge(measure(value.get(), static_cast<std::size_t>(-1), limit).weight); !s) {
      return fail(std::move(s).error());
    }
  }
  return std::move(value).release();
}

Result<Value> Interpreter::evaluate(const Node& node, const Value& current) {
  if (Status s = charge(1); !s) {
    return fail(std::move(s).error());
  }
  switch (node.kind) {
    case NodeKind::kCurrent:
      return current;
    case NodeKind::kLiteral:
      return Value::borrow(node.literal);
    case NodeKind::kField:
      return field(node, current);
    case NodeKind::kSubexpression:
    case NodeKind::kPipe: {
      auto left = evaluate(node.children[0], current);
      if (!left) {
        return left;
      }
      return evaluate(node.children[1], *left);
    }
    case NodeKind::kIndex:
      return index(node, current);
    case NodeKind::kSlice:
      return slice(node, current);
    case NodeKind::kProjection:
    case NodeKind::kValueProjection:
      return projection(node, current);
    case NodeKind::kFilterProjection:
      return filterProjection(node, current);
    case NodeKind::kFlatten:
      return flatten(node, current);
    case NodeKind::kComparator:
      return comparator(node, current);
    case NodeKind::kOr:
    case NodeKind::kAnd:
    case NodeKind::kNot:
      return logical(node, current);
    case NodeKind::kMultiSelectList:
      return multiSelectList(node, current);
    case NodeKind::kMultiSelectHash:
      return multiSelectHash(node, current);
    case NodeKind::kFunction:
      return function(node, current);
    case NodeKind::kExpref:
      return fail(
          evaluationError(node.column,
                          "invalid-type: an expression reference (&...) can only be passed to a "
                          "function such as sort_by, max_by, min_by or map"));
  }
  return Value();
}

Result<Value> Interpreter::field(const Node& node, const Value& current) {
  const Json& object = current.get();
  if (!object.is_object()) {
    return Value();
  }
  auto it = object.find(node.name);
  return it == object.end() ? Value() : current.child(*it);
}

Result<Value> Interpreter::index(const Node& node, const Value& current) {
  const Json& list = current.get();
  if (!list.is_array()) {
    return Value();
  }
  const auto size = static_cast<std::int64_t>(list.size());
  const std::int64_t i = node.index < 0 ? node.index + size : node.index;
  if (i < 0 || i >= size) {
    return Value();
  }
  return current.child(list[static_cast<std::size_t>(i)]);
}

// Python slice semantics: out-of-range bounds clamp, negative bounds count from the end, and a
// negative step walks backwards from the last element.
Result<Value> Interpreter::slice(const Node& node, const Value& current) {
  const Json& list = current.get();
  if (!list.is_array()) {
    return Value();
  }
  const auto size = static_cast<std::int64_t>(list.size());
  const std::int64_t step = node.step.value_or(1);
  auto bound = [&](const std::optional<std::int64_t>& given, std::int64_t fallback) {
    if (!given) {
      return fallback;
    }
    std::int64_t i = *given;
    if (i < 0) {
      i += size;
      if (i < 0) {
        i = step < 0 ? -1 : 0;
      }
    } else if (i >= size) {
      i = step < 0 ? size - 1 : size;
    }
    return i;
  };
  const std::int64_t start = bound(node.start, step < 0 ? size - 1 : 0);
  const std::int64_t stop = bound(node.stop, step < 0 ? -1 : size);

  Json out = Json::array();
  auto take = [&](std::int64_t i) -> Status {
    auto element = materialize(current.child(list[static_cast<std::size_t>(i)]));
    if (!element) {
      return fail(std::move(element).error());
    }
    out.push_back(std::move(element).value());
    return okStatus();
  };
  // The step checks are written as differences so a huge step cannot overflow the index.
  if (step > 0) {
    for (std::int64_t i = start; i < stop;) {
      if (Status s = take(i); !s) {
        return fail(std::move(s).error());
      }
      if (step >= stop - i) {
        break;
      }
      i += step;
    }
  } else {
    for (std::int64_t i = start; i > stop;) {
      if (Status s = take(i); !s) {
        return fail(std::move(s).error());
      }
      if (step <= stop - i) {
        break;
      }
      i += step;
    }
  }
  return Value::own(std::move(out));
}

Result<Value> Interpreter::projection(const Node& node, const Value& current) {
  auto base = evaluate(node.children[0], current);
  if (!base) {
    return base;
  }
  const Json& source = base->get();
  const bool ok = node.kind == NodeKind::kProjection ? source.is_array() : source.is_object();
  if (!ok) {
    return Value();
  }
  Json out = Json::array();
  for (const Json& element : source) {  // for an object this visits its values
    auto result = evaluate(node.children[1], base->child(element));
    if (!result) {
      return result;
    }
    if (result->isNull()) {
      continue;
    }
    auto json = materialize(std::move(result).value());
    if (!json) {
      return fail(std::move(json).error());
    }
    out.push_back(std::move(json).value());
  }
  return Value::own(std::move(out));
}

Result<Value> Interpreter::filterProjection(const Node& node, const Value& current) {
  auto base = evaluate(node.children[0], current);
  if (!base) {
    return base;
  }
  const Json& source = base->get();
  if (!source.is_array()) {
    return Value();
  }
  Json out = Json::array();
  for (const Json& element : source) {
    const Value item = base->child(element);
    auto keep = evaluate(node.children[2], item);
    if (!keep) {
      return keep;
    }
    if (!isTruthy(keep->get())) {
      continue;
    }
    auto result = evaluate(node.children[1], item);
    if (!result) {
      return result;
    }
    if (result->isNull()) {
      continue;
    }
    auto json = materialize(std::move(result).value());
    if (!json) {
      return fail(std::move(json).error());
    }
    out.push_back(std::move(json).value());
  }
  return Value::own(std::move(out));
}

Result<Value> Interpreter::flatten(const Node& node, const Value& current) {
  auto base = evaluate(node.children[0], current);
  if (!base) {
    return base;
  }
  if (!base->get().is_array()) {
    return Value();
  }
  auto source = materialize(std::move(base).value());
  if (!source) {
    return fail(std::move(source).error());
  }
  Json out = Json::array();
  for (Json& element : *source) {
    if (element.is_array()) {
      for (Json& inner : element) {
        out.push_back(std::move(inner));
      }
    } else {
      out.push_back(std::move(element));
    }
  }
  return Value::own(std::move(out));
}

Result<Value> Interpreter::comparator(const Node& node, const Value& current) {
  auto left = evaluate(node.children[0], current);
  if (!left) {
    return left;
  }
  auto right = evaluate(node.children[1], current);
  if (!right) {
    return right;
  }
  const Json& a = left->get();
  const Json& b = right->get();
  switch (node.comparator) {
    case Comparator::kEq:
      return Value::own(jsonEquals(a, b));
    case Comparator::kNe:
      return Value::own(!jsonEquals(a, b));
    default:
      break;
  }
  // Ordering is defined for numbers only; anything else compares to null, which is falsy.
  if (!a.is_number() || !b.is_number()) {
    return Value();
  }
  const std::partial_ordering order = compareNumbers(a, b);
  switch (node.comparator) {
    case Comparator::kLt:
      return Value::own(order < 0);
    case Comparator::kLe:
      return Value::own(order <= 0);
    case Comparator::kGt:
      return Value::own(order > 0);
    default:
      return Value::own(order >= 0);
  }
}

Result<Value> Interpreter::logical(const Node& node, const Value& current) {
  auto left = evaluate(node.children[0], current);
  if (!left) {
    return left;
  }
  const bool truthy = isTruthy(left->get());
  switch (node.kind) {
    case NodeKind::kNot:
      return Value::own(!truthy);
    case NodeKind::kOr:
      return truthy ? std::move(left) : evaluate(node.children[1], current);
    default:  // kAnd
      return truthy ? evaluate(node.children[1], current) : std::move(left);
  }
}

Result<Value> Interpreter::multiSelectList(const Node& node, const Value& current) {
  if (current.isNull()) {
    return Value();
  }
  Json out = Json::array();
  for (const Node& child : node.children) {
    auto result = evaluate(child, current);
    if (!result) {
      return result;
    }
    auto json = materialize(std::move(result).value());
    if (!json) {
      return fail(std::move(json).error());
    }
    out.push_back(std::move(json).value());
  }
  return Value::own(std::move(out));
}

Result<Value> Interpreter::multiSelectHash(const Node& node, const Value& current) {
  if (current.isNull()) {
    return Value();
  }
  Json out = Json::object();
  for (std::size_t i = 0; i < node.children.size(); ++i) {
    auto result = evaluate(node.children[i], current);
    if (!result) {
      return result;
    }
    auto json = materialize(std::move(result).value());
    if (!json) {
      return fail(std::move(json).error());
    }
    out[node.keys[i]] = std::move(json).value();
  }
  return Value::own(std::move(out));
}

Result<Value> Interpreter::function(const Node& node, const Value& current) {
  std::vector<Argument> args(node.children.size());
  for (std::size_t i = 0; i < node.children.size(); ++i) {
    const Node& child = node.children[i];
    if (child.kind == NodeKind::kExpref) {
      args[i].expref = &child.children[0];
      continue;
    }
    auto value = evaluate(child, current);
    if (!value) {
      return value;
    }
    args[i].value = std::move(value).value();
  }
  return callFunction(*node.function, args, *this, node.column);
}

}  // namespace berth::jmespath
