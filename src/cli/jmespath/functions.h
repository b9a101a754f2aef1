#pragma once
// The JMESPath built-in functions: their signatures (checked before a call) and implementations.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "cli/jmespath/value.h"
#include "common/result.h"

namespace berth::jmespath {

struct Node;
class Interpreter;

/// Types a parameter accepts, as a bit set.
enum ArgType : std::uint16_t {
  kTypeNumber = 1u << 0,
  kTypeString = 1u << 1,
  kTypeBoolean = 1u << 2,
  kTypeArray = 1u << 3,
  kTypeObject = 1u << 4,
  kTypeNull = 1u << 5,
  kTypeExpref = 1u << 6,
  kTypeArrayOfNumber = 1u << 7,  // an array whose elements are all numbers
  kTypeArrayOfString = 1u << 8,  // an array whose elements are all strings
  kTypeAny = kTypeNumber | kTypeString | kTypeBoolean | kTypeArray | kTypeObject | kTypeNull,
};

/// One evaluated argument: a value, or for `&expr` the expression to apply later.
struct Argument {
  Value value;
  const Node* expref = nullptr;
};

/// What an implementation needs besides its arguments: the interpreter (to apply exprefs and
/// charge for copies) and the call's column for its own error messages.
struct Call {
  Interpreter& interpreter;
  std::size_t column;
};

using FunctionImpl = Result<Value> (*)(std::span<Argument> args, const Call& call);

struct FunctionSpec {
  std::string_view name;
  std::span<const std::uint16_t> params;  // accepted types per parameter
  bool variadic;  // the last parameter repeats; at least params.size() arguments
  FunctionImpl impl;
};

/// The built-in function called `name`, or nullptr.
const FunctionSpec* findFunction(std::string_view name);

/// Checks argument types against `spec`, then calls it. Arity was checked by the parser.
/// Type mismatches fail with kInvalidParameter naming "invalid-type"; `column` locates the call.
Result<Value> callFunction(const FunctionSpec& spec, std::span<Argument> args,
                           Interpreter& interpreter, std::size_t column);

}  // namespace berth::jmespath
