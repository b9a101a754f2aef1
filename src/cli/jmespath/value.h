#pragma once
// JSON values as the interpreter sees them, and the JMESPath rules for comparing and testing them.

#include <compare>
#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>

namespace berth::jmespath {

// One alias for the whole library so the value type can change in one place (e.g. to
// nlohmann::ordered_json, should multi-select hashes need to keep their written key order).
using Json = nlohmann::json;

/// Deepest nesting accepted in a JSON literal or a searched document. Copying, comparing and
/// printing JSON recurse, so the bound keeps a hostile document from exhausting the stack.
constexpr std::size_t kMaxJsonDepth = 512;

/// An intermediate result: either a view into something that outlives the search (the searched
/// document, a literal in the expression) or a shared handle on a value the search computed.
/// Navigation (fields, indexes, `@`) never copies; a view into a computed value keeps that value
/// alive. A default-constructed Value is JSON null.
class Value {
 public:
  Value() = default;

  /// A view of `json`, which the caller keeps alive for as long as any Value derived from it.
  static Value borrow(const Json& json);
  /// Takes ownership of a computed value.
  static Value own(Json json);

  /// A view of `part`, which must live inside get(); shares this value's ownership.
  Value child(const Json& part) const;

  const Json& get() const;
  bool isNull() const { return get().is_null(); }

  /// True when nothing else can observe the owned value, so release() may move from it.
  bool movable() const { return owner_ != nullptr && owner_.use_count() == 1; }
  /// Moves the value out when movable(), copies it otherwise.
  Json release() &&;

 private:
  // owner_ is empty for views of caller-owned JSON; ptr_ is null only for JSON null.
  std::shared_ptr<Json> owner_;
  const Json* ptr_ = nullptr;
};

/// JMESPath truthiness: false, null, "", [] and {} are false; everything else (0 included) is true.
bool isTruthy(const Json& value);

/// The JMESPath type name: number, string, boolean, array, object or null.
std::string_view typeName(const Json& value);

/// Deep equality in which numbers compare by value, so 1 == 1.0.
bool jsonEquals(const Json& a, const Json& b);

/// Orders two JSON numbers by value. Both must satisfy is_number().
std::partial_ordering compareNumbers(const Json& a, const Json& b);

/// Size and shape of a JSON tree, measured without recursion.
struct JsonMeasure {
  std::size_t depth = 0;   // 1 for a scalar
  std::size_t weight = 0;  // one per value plus one per 16 bytes of string; see Interpreter
};

/// Measures `value`, stopping early once depth exceeds max_depth or weight exceeds max_weight.
JsonMeasure measure(const Json& value, std::size_t max_depth, std::size_t max_weight);

}  // namespace berth::jmespath
