#pragma once
// Helpers shared by the JMESPath tests: run an expression and return its result or its error.

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "cli/jmespath/jmespath.h"

namespace berth::jmespath::testing {

using Json = nlohmann::json;

/// The result of `expression` on `data`; records a test failure if the search fails.
inline Json eval(std::string_view expression, const Json& data) {
  auto result = search(expression, data);
  EXPECT_TRUE(result.ok()) << "`" << expression
                           << "` failed: " << (result.ok() ? "" : result.error().message);
  return result.ok() ? *result : Json("<error>");
}

/// The error message `expression` fails with on `data`; records a test failure if it succeeds.
inline std::string errorOf(std::string_view expression, const Json& data = Json::object()) {
  auto result = search(expression, data);
  EXPECT_FALSE(result.ok()) << "`" << expression << "` unexpectedly gave " << result->dump();
  if (result.ok()) {
    return {};
  }
  EXPECT_EQ(result.error().code, Errc::kInvalidParameter) << expression;
  return result.error().message;
}

/// One row of a table-driven test: an expression and its expected result as JSON text.
struct Case {
  std::string_view expression;
  std::string_view expected;
};

inline void expectAll(const Json& data, const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.expression));
    EXPECT_EQ(eval(c.expression, data), Json::parse(c.expected)) << c.expression;
  }
}

/// Expects every expression to fail with a message containing `fragment`.
inline void expectErrors(const Json& data, const std::vector<std::string_view>& expressions,
                         std::string_view fragment) {
  for (std::string_view expression : expressions) {
    SCOPED_TRACE(std::string(expression));
    const std::string message = errorOf(expression, data);
    EXPECT_NE(message.find(fragment), std::string::npos) << expression << " -> " << message;
  }
}

}  // namespace berth::jmespath::testing
