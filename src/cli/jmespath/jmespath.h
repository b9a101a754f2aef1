#pragma once
// JMESPath (https://jmespath.org/specification.html) for the CLI's --query option, grouping and
// evaluating expressions exactly as the Azure CLI's jmespath.py does.
//
// Errors are values, never exceptions. Every failure is Errc::kInvalidParameter with a message for
// the operator:
//   compile: "invalid --query expression at column N: <what>", where <what> starts with
//            "unknown-function:", "invalid-arity:" or "invalid-value:" for those JMESPath errors
//            and is a plain description for syntax errors;
//   search:  "--query failed at column N: invalid-type: <what>" (or invalid-value), or a message
//            that the query needed more work than allowed.
// Limits: expressions nest at most 256 levels, JSON (document or literal) at most 512, and one
// search may do work proportional to the document's size plus a fixed allowance, so no input can
// overflow the stack or grow memory without bound.

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"

namespace berth::jmespath {

struct Node;

/// A compiled expression. Immutable, cheap to copy, and safe to search from several threads.
class Expression {
 public:
  static Result<Expression> compile(std::string_view text);

  /// Evaluates against `data`. A missing member, an index past the end or a type mismatch in
  /// navigation yields null, not an error.
  Result<nlohmann::json> search(const nlohmann::json& data) const;

  const std::string& text() const { return text_; }

 private:
  Expression(std::shared_ptr<const Node> root, std::string text);

  std::shared_ptr<const Node> root_;
  std::string text_;
};

/// compile() then search(), for one-off use.
Result<nlohmann::json> search(std::string_view expression, const nlohmann::json& data);

}  // namespace berth::jmespath
