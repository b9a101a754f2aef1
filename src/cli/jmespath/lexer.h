#pragma once
// Tokenizer for JMESPath expressions. Produces the whole token list up front so the parser can
// look two tokens ahead (needed to tell `[0]` from `[0:1]`).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cli/jmespath/value.h"
#include "common/result.h"

namespace berth::jmespath {

enum class TokenType : std::uint8_t {
  kEof,
  kUnquotedIdentifier,
  kQuotedIdentifier,
  kNumber,
  kLiteral,  // `json` or 'raw string'; the value is in Token::literal
  kDot,
  kStar,
  kFlatten,  // []
  kFilter,   // [?
  kLBracket,
  kRBracket,
  kLBrace,
  kRBrace,
  kLParen,
  kRParen,
  kComma,
  kColon,
  kAt,
  kPipe,
  kOr,
  kAnd,
  kExpref,  // &
  kNot,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
};

struct Token {
  TokenType type = TokenType::kEof;
  std::size_t column = 1;  // 1-based byte offset of the token's first character
  std::string text;        // identifier name (escapes decoded) or the token's spelling
  std::int64_t number = 0;
  Json literal;
};

/// Splits `text` into tokens ending with one kEof token. Fails with kInvalidParameter and a
/// message "invalid --query expression at column N: ..." on the first lexical error.
Result<std::vector<Token>> tokenize(std::string_view text);

/// Human-readable spelling of a token type for error messages.
std::string_view describe(TokenType type);

/// The error every compile-time failure is reported as.
Error syntaxError(std::size_t column, std::string_view what);

}  // namespace berth::jmespath
