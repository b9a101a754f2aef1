#include "cli/jmespath/functions.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <utility>

#include "cli/jmespath/interpreter.h"
#include "cli/jmespath/parser.h"

namespace berth::jmespath {
namespace {

// A string of this many bytes is charged like one extra JSON value (matches measure()).
constexpr std::size_t kBytesPerWeight = 16;

const Json& arg(std::span<Argument> args, std::size_t i) { return args[i].value.get(); }
const std::string& str(std::span<Argument> args, std::size_t i) {
  return arg(args, i).get_ref<const std::string&>();
}

Error typeError(std::size_t column, std::string_view what) {
  return evaluationError(column, "invalid-type: " + std::string(what));
}

/// `d` as an integer when it is integral and representable, as a float otherwise.
Json integralNumber(double d) {
  constexpr double kTwoTo63 = 9223372036854775808.0;
  if (std::isfinite(d) && d >= -kTwoTo63 && d < kTwoTo63) {
    return static_cast<std::int64_t>(d);
  }
  return d;
}

std::size_t codePoints(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // not a UTF-8 continuation byte
  }));
}

std::string reverseCodePoints(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  std::size_t end = s.size();
  while (end > 0) {
    std::size_t begin = end - 1;
    while (begin > 0 && (static_cast<unsigned char>(s[begin]) & 0xC0) == 0x80) {
      --begin;
    }
    out.append(s, begin, end - begin);
    end = begin;
  }
  return out;
}

/// True when `s` is exactly a JSON number (RFC 8259 `number`), without surrounding space.
bool isJsonNumber(const std::string& s) {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t from = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      ++i;
    }
    return i > from;
  };
  if (i < s.size() && s[i] == '-') {
    ++i;
  }
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) {
      return false;
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
      ++i;
    }
    if (!digits()) {
      return false;
    }
  }
  return i == s.size();
}

/// Orders two values already known to be both numbers or both strings.
bool lessThan(const Json& a, const Json& b) {
  if (a.is_number()) {
    return compareNumbers(a, b) < 0;
  }
  return a.get_ref<const std::string&>() < b.get_ref<const std::string&>();
}

Result<Value> fnAbs(std::span<Argument> args, const Call&) {
  const Json& n = arg(args, 0);
  if (n.is_number_unsigned()) {
    return args[0].value;
  }
  if (n.is_number_integer()) {
    const auto i = n.get<std::int64_t>();
    if (i == std::numeric_limits<std::int64_t>::min()) {
      return Value::own(static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + 1);
    }
    return Value::own(i < 0 ? -i : i);
  }
  return Value::own(std::fabs(n.get<double>()));
}

Result<Value> fnAvg(std::span<Argument> args, const Call&) {
  const Json& list = arg(args, 0);
  if (list.empty()) {
    return Value();
  }
  double sum = 0;
  for (const Json& n : list) {
    sum += n.get<double>();
  }
  return Value::own(sum / static_cast<double>(list.size()));
}

Result<Value> rounding(std::span<Argument> args, double (*round)(double)) {
  const Json& n = arg(args, 0);
  if (n.is_number_integer()) {
    return args[0].value;
  }
  return Value::own(integralNumber(round(n.get<double>())));
}
Result<Value> fnCeil(std::span<Argument> args, const Call&) {
  return rounding(args, [](double d) { return std::ceil(d); });
}
Result<Value> fnFloor(std::span<Argument> args, const Call&) {
  return rounding(args, [](double d) { return std::floor(d); });
}

Result<Value> fnContains(std::span<Argument> args, const Call&) {
  const Json& subject = arg(args, 0);
  const Json& search = arg(args, 1);
  if (subject.is_string()) {
    return Value::own(search.is_string() &&
                      str(args, 0).find(search.get_ref<const std::string&>()) != std::string::npos);
  }
  return Value::own(std::any_of(subject.begin(), subject.end(),
                                [&](const Json& element) { return jsonEquals(element, search); }));
}

Result<Value> fnEndsWith(std::span<Argument> args, const Call&) {
  const std::string& s = str(args, 0);
  const std::string& suffix = str(args, 1);
  return Value::own(s.size() >= suffix.size() &&
                    s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0);
}

Result<Value> fnStartsWith(std::span<Argument> args, const Call&) {
  return Value::own(str(args, 0).rfind(str(args, 1), 0) == 0);
}

Result<Value> fnJoin(std::span<Argument> args, const Call& call) {
  const std::string& glue = str(args, 0);
  std::string out;
  bool first = true;
  for (const Json& part : arg(args, 1)) {
    if (!first) {
      out += glue;
    }
    first = false;
    out += part.get_ref<const std::string&>();
  }
  if (Status s = call.interpreter.charge(1 + out.size() / kBytesPerWeight); !s) {
    return fail(std::move(s).error());
  }
  return Value::own(std::move(out));
}

Result<Value> fnKeys(std::span<Argument> args, const Call& call) {
  const Json& object = arg(args, 0);
  Json out = Json::array();
  for (auto it = object.begin(); it != object.end(); ++it) {
    out.push_back(it.key());
  }
  if (Status s =
          call.interpreter.charge(measure(out, kMaxJsonDepth, static_cast<std::size_t>(-1)).weight);
      !s) {
    return fail(std::move(s).error());
  }
  return Value::own(std::move(out));
}

Result<Value> fnValues(std::span<Argument> args, const Call& call) {
  Json out = Json::array();
  for (const Json& value : arg(args, 0)) {
    auto copy = call.interpreter.materialize(args[0].value.child(value));
    if (!copy) {
      return fail(std::move(copy).error());
    }
    out.push_back(std::move(copy).value());
  }
  return Value::own(std::move(out));
}

Result<Value> fnLength(std::span<Argument> args, const Call&) {
  const Json& v = arg(args, 0);
  return Value::own(v.is_string() ? codePoints(v.get_ref<const std::string&>()) : v.size());
}

Result<Value> fnMap(std::span<Argument> args, const Call& call) {
  const Value& list = args[1].value;
  Json out = Json::array();
  for (const Json& element : list.get()) {
    auto result = call.interpreter.evaluate(*args[0].expref, list.child(element));
    if (!result) {
      return result;
    }
    auto json = call.interpreter.materialize(std::move(result).value());
    if (!json) {
      return fail(std::move(json).error());
    }
    out.push_back(std::move(json).value());  // unlike projections, map keeps nulls
  }
  return Value::own(std::move(out));
}

Result<Value> extreme(std::span<Argument> args, bool want_max) {
  const Json& list = arg(args, 0);
  if (list.empty()) {
    return Value();
  }
  const Json* best = &list[0];
  for (const Json& element : list) {
    // Strict comparison keeps the first of equal extremes, as Python's max() and min() do.
    if (want_max ? lessThan(*best, element) : lessThan(element, *best)) {
      best = &element;
    }
  }
  return args[0].value.child(*best);
}
Result<Value> fnMax(std::span<Argument> args, const Call&) { return extreme(args, true); }
Result<Value> fnMin(std::span<Argument> args, const Call&) { return extreme(args, false); }

/// Evaluates the expref of args[1] on every element of the array args[0]. The keys must all be
/// numbers or all be strings, as sort_by, max_by and min_by can only order those.
Result<std::vector<Value>> sortKeys(std::span<Argument> args, const Call& call,
                                    std::string_view function) {
  const Value& list = args[0].value;
  std::vector<Value> keys;
  keys.reserve(list.get().size());
  for (const Json& element : list.get()) {
    auto key = call.interpreter.evaluate(*args[1].expref, list.child(element));
    if (!key) {
      return fail(std::move(key).error());
    }
    const Json& k = key->get();
    const bool orderable = k.is_number() || k.is_string();
    const bool same_kind = keys.empty() || k.is_number() == keys.front().get().is_number();
    if (!orderable || !same_kind) {
      return fail(
          typeError(call.column,
                    std::string(function) +
                        "() needs its expression to give every element a number, or every "
                        "element a string; got " +
                        (orderable ? "a mix of numbers and strings" : std::string(typeName(k)))));
    }
    keys.push_back(std::move(key).value());
  }
  return keys;
}

Result<Value> extremeBy(std::span<Argument> args, const Call& call, bool want_max) {
  auto keys = sortKeys(args, call, want_max ? "max_by" : "min_by");
  if (!keys) {
    return fail(std::move(keys).error());
  }
  if (keys->empty()) {
    return Value();
  }
  std::size_t best = 0;
  for (std::size_t i = 1; i < keys->size(); ++i) {
    const Json& candidate = (*keys)[i].get();
    const Json& current = (*keys)[best].get();
    if (want_max ? lessThan(current, candidate) : lessThan(candidate, current)) {
      best = i;
    }
  }
  return args[0].value.child(args[0].value.get()[best]);
}

Result<Value> fnMerge(std::span<Argument> args, const Call& call) {
  Json out = Json::object();
  for (Argument& a : args) {
    const Json& object = a.value.get();
    for (auto it = object.begin(); it != object.end(); ++it) {
      auto copy = call.interpreter.materialize(a.value.child(it.value()));
      if (!copy) {
        return fail(std::move(copy).error());
      }
      out[it.key()] = std::move(copy).value();
    }
  }
  return Value::own(std::move(out));
}

Result<Value> fnNotNull(std::span<Argument> args, const Call&) {
  for (const Argument& a : args) {
    if (!a.value.isNull()) {
      return a.value;
    }
  }
  return Value();
}

Result<Value> fnReverse(std::span<Argument> args, const Call& call) {
  if (arg(args, 0).is_string()) {
    const std::string& s = str(args, 0);
    if (Status st = call.interpreter.charge(1 + s.size() / kBytesPerWeight); !st) {
      return fail(std::move(st).error());
    }
    return Value::own(reverseCodePoints(s));
  }
  auto list = call.interpreter.materialize(std::move(args[0].value));
  if (!list) {
    return fail(std::move(list).error());
  }
  std::reverse(list->begin(), list->end());
  return Value::own(std::move(list).value());
}

Result<Value> fnSort(std::span<Argument> args, const Call& call) {
  auto list = call.interpreter.materialize(std::move(args[0].value));
  if (!list) {
    return fail(std::move(list).error());
  }
  // Stable, so 1 and 1.0 keep their input order as in Python's sorted().
  std::stable_sort(list->begin(), list->end(), lessThan);
  return Value::own(std::move(list).value());
}

Result<Value> fnSortBy(std::span<Argument> args, const Call& call) {
  auto keys = sortKeys(args, call, "sort_by");
  if (!keys) {
    return fail(std::move(keys).error());
  }
  std::vector<std::size_t> order(keys->size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return lessThan((*keys)[a].get(), (*keys)[b].get());
  });
  const Value& list = args[0].value;
  Json out = Json::array();
  for (std::size_t i : order) {
    auto element = call.interpreter.materialize(list.child(list.get()[i]));
    if (!element) {
      return fail(std::move(element).error());
    }
    out.push_back(std::move(element).value());
  }
  return Value::own(std::move(out));
}

Result<Value> fnSum(std::span<Argument> args, const Call&) {
  // Exact while every term is an integer and nothing overflows int64; double otherwise.
  std::int64_t exact = 0;
  bool is_exact = true;
  double approx = 0;
  for (const Json& n : arg(args, 0)) {
    approx += n.get<double>();
    if (!is_exact) {
      continue;
    }
    if (n.is_number_float() ||
        (n.is_number_unsigned() &&
         n.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) ||
        __builtin_add_overflow(exact, n.get<std::int64_t>(), &exact)) {
      is_exact = false;
    }
  }
  return is_exact ? Value::own(exact) : Value::own(approx);
}

Result<Value> fnToArray(std::span<Argument> args, const Call& call) {
  if (arg(args, 0).is_array()) {
    return args[0].value;
  }
  auto element = call.interpreter.materialize(std::move(args[0].value));
  if (!element) {
    return fail(std::move(element).error());
  }
  Json out = Json::array();
  out.push_back(std::move(element).value());
  return Value::own(std::move(out));
}

Result<Value> fnToNumber(std::span<Argument> args, const Call&) {
  const Json& v = arg(args, 0);
  if (v.is_number()) {
    return args[0].value;
  }
  if (!v.is_string() || !isJsonNumber(v.get_ref<const std::string&>())) {
    return Value();
  }
  const std::string& text = v.get_ref<const std::string&>();
  Json number = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!number.is_number() || (number.is_number_float() && !std::isfinite(number.get<double>()))) {
    return Value();
  }
  return Value::own(std::move(number));
}

Result<Value> fnToString(std::span<Argument> args, const Call& call) {
  if (arg(args, 0).is_string()) {
    return args[0].value;
  }
  // Replace rather than throw on invalid UTF-8, which raw string literals can carry.
  std::string text = arg(args, 0).dump(-1, ' ', false, Json::error_handler_t::replace);
  if (Status s = call.interpreter.charge(1 + text.size() / kBytesPerWeight); !s) {
    return fail(std::move(s).error());
  }
  return Value::own(std::move(text));
}

Result<Value> fnType(std::span<Argument> args, const Call&) {
  return Value::own(std::string(typeName(arg(args, 0))));
}

Result<Value> fnMaxBy(std::span<Argument> args, const Call& call) {
  return extremeBy(args, call, true);
}
Result<Value> fnMinBy(std::span<Argument> args, const Call& call) {
  return extremeBy(args, call, false);
}

constexpr std::uint16_t kNumbersOrStrings = kTypeArrayOfNumber | kTypeArrayOfString;
constexpr std::array<std::uint16_t, 1> kNumber{kTypeNumber};
constexpr std::array<std::uint16_t, 2> kTwoStrings{kTypeString, kTypeString};
constexpr std::array<std::uint16_t, 1> kArrayOfNumber{kTypeArrayOfNumber};
constexpr std::array<std::uint16_t, 1> kOrderable{kNumbersOrStrings};
constexpr std::array<std::uint16_t, 1> kObject{kTypeObject};
constexpr std::array<std::uint16_t, 1> kAny{kTypeAny};
constexpr std::array<std::uint16_t, 2> kContains{kTypeArray | kTypeString, kTypeAny};
constexpr std::array<std::uint16_t, 2> kJoin{kTypeString, kTypeArrayOfString};
constexpr std::array<std::uint16_t, 1> kLength{kTypeString | kTypeArray | kTypeObject};
constexpr std::array<std::uint16_t, 2> kMap{kTypeExpref, kTypeArray};
constexpr std::array<std::uint16_t, 2> kArrayAndExpref{kTypeArray, kTypeExpref};
constexpr std::array<std::uint16_t, 1> kArrayOrString{kTypeArray | kTypeString};

constexpr std::array kFunctions{
    FunctionSpec{"abs", kNumber, false, fnAbs},
    FunctionSpec{"avg", kArrayOfNumber, false, fnAvg},
    FunctionSpec{"ceil", kNumber, false, fnCeil},
    FunctionSpec{"contains", kContains, false, fnContains},
    FunctionSpec{"ends_with", kTwoStrings, false, fnEndsWith},
    FunctionSpec{"floor", kNumber, false, fnFloor},
    FunctionSpec{"join", kJoin, false, fnJoin},
    FunctionSpec{"keys", kObject, false, fnKeys},
    FunctionSpec{"length", kLength, false, fnLength},
    FunctionSpec{"map", kMap, false, fnMap},
    FunctionSpec{"max", kOrderable, false, fnMax},
    FunctionSpec{"max_by", kArrayAndExpref, false, fnMaxBy},
    FunctionSpec{"merge", kObject, true, fnMerge},
    FunctionSpec{"min", kOrderable, false, fnMin},
    FunctionSpec{"min_by", kArrayAndExpref, false, fnMinBy},
    FunctionSpec{"not_null", kAny, true, fnNotNull},
    FunctionSpec{"reverse", kArrayOrString, false, fnReverse},
    FunctionSpec{"sort", kOrderable, false, fnSort},
    FunctionSpec{"sort_by", kArrayAndExpref, false, fnSortBy},
    FunctionSpec{"starts_with", kTwoStrings, false, fnStartsWith},
    FunctionSpec{"sum", kArrayOfNumber, false, fnSum},
    FunctionSpec{"to_array", kAny, false, fnToArray},
    FunctionSpec{"to_number", kAny, false, fnToNumber},
    FunctionSpec{"to_string", kAny, false, fnToString},
    FunctionSpec{"type", kAny, false, fnType},
    FunctionSpec{"values", kObject, false, fnValues},
};

std::string describeTypes(std::uint16_t types) {
  if ((types & kTypeAny) == kTypeAny) {
    return "a value (not an expression reference)";
  }
  static constexpr std::pair<std::uint16_t, std::string_view> kNames[] = {
      {kTypeNumber, "a number"},
      {kTypeString, "a string"},
      {kTypeBoolean, "a boolean"},
      {kTypeArray, "an array"},
      {kTypeObject, "an object"},
      {kTypeNull, "null"},
      {kTypeExpref, "an expression reference (&...)"},
      {kTypeArrayOfNumber, "an array of numbers"},
      {kTypeArrayOfString, "an array of strings"},
  };
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if ((types & bit) != 0) {
      out += out.empty() ? "" : " or ";
      out += name;
    }
  }
  return out;
}

std::uint16_t typeBit(const Json& v) {
  switch (v.type()) {
    case Json::value_t::string:
      return kTypeString;
    case Json::value_t::boolean:
      return kTypeBoolean;
    case Json::value_t::array:
      return kTypeArray;
    case Json::value_t::object:
      return kTypeObject;
    case Json::value_t::null:
      return kTypeNull;
    default:
      return kTypeNumber;
  }
}

/// Whether the array `v` satisfies an "array of numbers" or "array of strings" parameter.
/// An empty array satisfies either.
bool homogeneousArrayMatches(const Json& v, std::uint16_t allowed) {
  const bool all_numbers =
      std::all_of(v.begin(), v.end(), [](const Json& e) { return e.is_number(); });
  const bool all_strings =
      std::all_of(v.begin(), v.end(), [](const Json& e) { return e.is_string(); });
  return ((allowed & kTypeArrayOfNumber) != 0 && all_numbers) ||
         ((allowed & kTypeArrayOfString) != 0 && all_strings);
}

std::string describeActual(const Argument& a, std::uint16_t allowed) {
  if (a.expref != nullptr) {
    return "an expression reference";
  }
  const Json& v = a.value.get();
  const bool numbers = (allowed & kTypeArrayOfNumber) != 0;
  const bool strings = (allowed & kTypeArrayOfString) != 0;
  if (!v.is_array() || v.empty() || (!numbers && !strings)) {
    return std::string(typeName(v));
  }
  // Name the first element that breaks the array's required element type.
  const std::string_view first = typeName(v[0]);
  for (const Json& e : v) {
    const bool fits = numbers && strings ? (e.is_number() || e.is_string()) && typeName(e) == first
                                         : (numbers ? e.is_number() : e.is_string());
    if (!fits) {
      const bool mixed = numbers && strings && (v[0].is_number() || v[0].is_string());
      return mixed ? "an array mixing " + std::string(first) + " and " + std::string(typeName(e))
                   : "an array containing " + std::string(typeName(e));
    }
  }
  return "an array";
}

}  // namespace

const FunctionSpec* findFunction(std::string_view name) {
  auto it = std::find_if(kFunctions.begin(), kFunctions.end(),
                         [&](const FunctionSpec& f) { return f.name == name; });
  return it == kFunctions.end() ? nullptr : &*it;
}

Result<Value> callFunction(const FunctionSpec& spec, std::span<Argument> args,
                           Interpreter& interpreter, std::size_t column) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::uint16_t allowed = spec.params[std::min(i, spec.params.size() - 1)];
    const Argument& a = args[i];
    bool ok = false;
    if (a.expref != nullptr) {
      ok = (allowed & kTypeExpref) != 0;
    } else if ((allowed & kTypeExpref) == 0) {
      const Json& v = a.value.get();
      ok = (allowed & typeBit(v)) != 0 || (v.is_array() && homogeneousArrayMatches(v, allowed));
    }
    if (!ok) {
      return fail(typeError(
          column, std::string(spec.name) + "() argument " + std::to_string(i + 1) + " must be " +
                      describeTypes(allowed) + ", got " + describeActual(a, allowed)));
    }
  }
  return spec.impl(args, Call{interpreter, column});
}

}  // namespace berth::jmespath
