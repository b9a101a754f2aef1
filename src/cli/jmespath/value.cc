#include "cli/jmespath/value.h"

#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace berth::jmespath {
namespace {

// A string of this many bytes weighs as much as one extra value, so building long strings is
// accounted for like building long arrays.
constexpr std::size_t kBytesPerWeight = 16;

bool isInteger(const Json& v) { return v.is_number_integer(); }  // signed or unsigned

}  // namespace

Value Value::borrow(const Json& json) {
  Value v;
  v.ptr_ = &json;
  return v;
}

Value Value::own(Json json) {
  Value v;
  v.owner_ = std::make_shared<Json>(std::move(json));
  v.ptr_ = v.owner_.get();
  return v;
}

Value Value::child(const Json& part) const {
  Value v;
  v.owner_ = owner_;
  v.ptr_ = &part;
  return v;
}

const Json& Value::get() const {
  static const Json kNull;
  return ptr_ != nullptr ? *ptr_ : kNull;
}

Json Value::release() && {
  if (ptr_ == nullptr) {
    return Json();
  }
  if (movable()) {
    // ptr_ points into *owner_, a non-const object no one else can see any more.
    return std::move(*const_cast<Json*>(ptr_));
  }
  return *ptr_;
}

bool isTruthy(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return false;
    case Json::value_t::boolean:
      return value.get<bool>();
    case Json::value_t::string:
      return !value.get_ref<const std::string&>().empty();
    case Json::value_t::array:
    case Json::value_t::object:
      return !value.empty();
    default:
      return true;
  }
}

std::string_view typeName(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::string:
      return "string";
    case Json::value_t::array:
      return "array";
    case Json::value_t::object:
      return "object";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "number";
    default:
      return "null";  // binary and discarded never come out of JSON text
  }
}

std::partial_ordering compareNumbers(const Json& a, const Json& b) {
  // Integers compare exactly; anything involving a float compares as double like JSON intends.
  if (isInteger(a) && isInteger(b)) {
    const bool a_unsigned = a.is_number_unsigned();
    const bool b_unsigned = b.is_number_unsigned();
    if (!a_unsigned && !b_unsigned) {
      return a.get<std::int64_t>() <=> b.get<std::int64_t>();
    }
    if (a_unsigned && b_unsigned) {
      return a.get<std::uint64_t>() <=> b.get<std::uint64_t>();
    }
    if (a_unsigned) {
      const std::int64_t bi = b.get<std::int64_t>();
      return bi < 0 ? std::partial_ordering::greater
                    : a.get<std::uint64_t>() <=> static_cast<std::uint64_t>(bi);
    }
    const std::int64_t ai = a.get<std::int64_t>();
    return ai < 0 ? std::partial_ordering::less
                  : static_cast<std::uint64_t>(ai) <=> b.get<std::uint64_t>();
  }
  return a.get<double>() <=> b.get<double>();
}

bool jsonEquals(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) {
    return compareNumbers(a, b) == std::partial_ordering::equivalent;
  }
  if (a.type() != b.type()) {
    return false;
  }
  switch (a.type()) {
    case Json::value_t::array: {
      if (a.size() != b.size()) {
        return false;
      }
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!jsonEquals(a[i], b[i])) {
          return false;
        }
      }
      return true;
    }
    case Json::value_t::object: {
      if (a.size() != b.size()) {
        return false;
      }
      for (auto it = a.begin(); it != a.end(); ++it) {
        auto other = b.find(it.key());
        if (other == b.end() || !jsonEquals(it.value(), *other)) {
          return false;
        }
      }
      return true;
    }
    default:
      return a == b;  // null, boolean, string: same type, plain comparison
  }
}

JsonMeasure measure(const Json& value, std::size_t max_depth, std::size_t max_weight) {
  JsonMeasure m;
  std::vector<std::pair<const Json*, std::size_t>> stack{{&value, 1}};
  while (!stack.empty()) {
    auto [node, depth] = stack.back();
    stack.pop_back();
    m.depth = std::max(m.depth, depth);
    ++m.weight;
    if (m.depth > max_depth || m.weight > max_weight) {
      return m;
    }
    if (node->is_string()) {
      m.weight += node->get_ref<const std::string&>().size() / kBytesPerWeight;
    } else if (node->is_object()) {
      for (auto it = node->begin(); it != node->end(); ++it) {
        m.weight += it.key().size() / kBytesPerWeight;
        stack.emplace_back(&it.value(), depth + 1);
      }
    } else if (node->is_array()) {
      for (const Json& element : *node) {
        stack.emplace_back(&element, depth + 1);
      }
    }
  }
  return m;
}

}  // namespace berth::jmespath
