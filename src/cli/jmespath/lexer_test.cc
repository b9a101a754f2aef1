#include "cli/jmespath/lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/jmespath/test_support.h"

namespace berth::jmespath {
namespace {

using testing::errorOf;
using testing::eval;

std::vector<TokenType> typesOf(std::string_view text) {
  auto tokens = tokenize(text);
  EXPECT_TRUE(tokens.ok()) << text << ": " << (tokens.ok() ? "" : tokens.error().message);
  std::vector<TokenType> types;
  if (tokens.ok()) {
    for (const Token& t : *tokens) {
      types.push_back(t.type);
    }
  }
  return types;
}

Token single(std::string_view text) {
  auto tokens = tokenize(text);
  EXPECT_TRUE(tokens.ok()) << text << ": " << (tokens.ok() ? "" : tokens.error().message);
  if (!tokens.ok() || tokens->size() != 2) {
    ADD_FAILURE() << text << " is not exactly one token";
    return {};
  }
  return (*tokens)[0];
}

TEST(Lexer, OperatorsAndPunctuation) {
  using T = TokenType;
  EXPECT_EQ(typesOf("a.b[0][]|c||d&&!e"),
            (std::vector<T>{T::kUnquotedIdentifier, T::kDot, T::kUnquotedIdentifier, T::kLBracket,
                            T::kNumber, T::kRBracket, T::kFlatten, T::kPipe, T::kUnquotedIdentifier,
                            T::kOr, T::kUnquotedIdentifier, T::kAnd, T::kNot,
                            T::kUnquotedIdentifier, T::kEof}));
  EXPECT_EQ(typesOf("[?a<b]<= >= > == != &x@{}:,*()"),
            (std::vector<T>{T::kFilter,   T::kUnquotedIdentifier,
                            T::kLt,       T::kUnquotedIdentifier,
                            T::kRBracket, T::kLe,
                            T::kGe,       T::kGt,
                            T::kEq,       T::kNe,
                            T::kExpref,   T::kUnquotedIdentifier,
                            T::kAt,       T::kLBrace,
                            T::kRBrace,   T::kColon,
                            T::kComma,    T::kStar,
                            T::kLParen,   T::kRParen,
                            T::kEof}));
}

TEST(Lexer, BracketVariantsNeedAdjacentCharacters) {
  using T = TokenType;
  // `[ ]` is an (empty, invalid) list, not a flatten; `[ ?` is not a filter.
  EXPECT_EQ(typesOf("[ ]"), (std::vector<T>{T::kLBracket, T::kRBracket, T::kEof}));
  EXPECT_NE(errorOf("foo[ ?a]").find("unexpected character '?'"), std::string::npos);
}

TEST(Lexer, WhitespaceIsIgnoredBetweenTokens) {
  using T = TokenType;
  EXPECT_EQ(typesOf(" \t\r\n a \n . \t b "),
            (std::vector<T>{T::kUnquotedIdentifier, T::kDot, T::kUnquotedIdentifier, T::kEof}));
}

TEST(Lexer, ColumnsAreOneBasedByteOffsets) {
  auto tokens = tokenize("ab  ||\"x\"");
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 4u);
  EXPECT_EQ((*tokens)[0].column, 1u);
  EXPECT_EQ((*tokens)[1].column, 5u);
  EXPECT_EQ((*tokens)[2].column, 7u);
  EXPECT_EQ((*tokens)[3].column, 10u);  // end of input
}

TEST(Lexer, UnquotedIdentifiers) {
  EXPECT_EQ(single("_foo_Bar9").text, "_foo_Bar9");
  EXPECT_EQ(single("A").text, "A");
}

TEST(Lexer, Numbers) {
  EXPECT_EQ(single("42").number, 42);
  EXPECT_EQ(single("-7").number, -7);
  EXPECT_EQ(single("007").number, 7);
  EXPECT_EQ(single("-9223372036854775808").number, INT64_MIN);
  EXPECT_NE(errorOf("[99999999999999999999]").find("column 2: number is out of range"),
            std::string::npos);
  EXPECT_NE(errorOf("foo[-]").find("column 5: '-' must be followed by digits"), std::string::npos);
}

TEST(Lexer, QuotedIdentifiersDecodeJsonEscapes) {
  EXPECT_EQ(single(R"("foo bar")").text, "foo bar");
  EXPECT_EQ(single(R"("a\"b")").text, "a\"b");
  EXPECT_EQ(single(R"("back\\slash")").text, "back\\slash");
  EXPECT_EQ(single(R"("tab\tnl\n")").text, "tab\tnl\n");
  EXPECT_EQ(single(R"("\u00e9\u2713")").text, "\xc3\xa9\xe2\x9c\x93");
  EXPECT_EQ(single(R"("\ud83d\ude00")").text, "\xf0\x9f\x98\x80");  // surrogate pair
  EXPECT_EQ(single(R"("\/")").text, "/");
  EXPECT_EQ(single(R"("")").text, "");
  EXPECT_EQ(single("\"\xe2\x9c\x93\"").text, "\xe2\x9c\x93");  // raw UTF-8 passes through
}

TEST(Lexer, QuotedIdentifierErrors) {
  EXPECT_NE(errorOf(R"(a."bc)").find("column 3: unterminated quoted identifier"),
            std::string::npos);
  EXPECT_NE(errorOf(R"("\q")").find("column 1: quoted identifier is not a valid JSON string"),
            std::string::npos);
  EXPECT_NE(errorOf(R"("\u12")").find("not a valid JSON string"), std::string::npos);
  EXPECT_NE(errorOf("\"a\nb\"").find("not a valid JSON string"), std::string::npos);
}

TEST(Lexer, RawStringsKeepBackslashesExceptBeforeQuote) {
  EXPECT_EQ(single("'foo'").literal, "foo");
  EXPECT_EQ(single("''").literal, "");
  EXPECT_EQ(single(R"('it\'s')").literal, "it's");
  EXPECT_EQ(single(R"('C:\temp\n')").literal, R"(C:\temp\n)");
  EXPECT_EQ(single(R"('\u00e9')").literal, R"(\u00e9)");
  EXPECT_EQ(single(R"('a\\')").literal, R"(a\\)");  // \\ pairs up, so the quote still closes
  EXPECT_EQ(single("' spaced \"quoted\" '").literal, " spaced \"quoted\" ");
  EXPECT_NE(errorOf("'abc").find("column 1: unterminated raw string"), std::string::npos);
  EXPECT_NE(errorOf(R"('abc\')").find("unterminated raw string"), std::string::npos);
}

TEST(Lexer, JsonLiterals) {
  EXPECT_EQ(single("`true`").literal, true);
  EXPECT_EQ(single("`null`").literal, nullptr);
  EXPECT_EQ(single("`-1.5e2`").literal, -150.0);
  EXPECT_EQ(single("`\"str\"`").literal, "str");
  EXPECT_EQ(single("` [1, {\"a\": 2}] `").literal, Json::parse(R"([1, {"a": 2}])"));
  EXPECT_EQ(single(R"(`"back\`tick"`)").literal, "back`tick");
  EXPECT_EQ(single(R"(`"\u00e9"`)").literal, "\xc3\xa9");
}

TEST(Lexer, LegacyUnquotedLiteralStringsStillWork) {
  // Deprecated by JEP 12 but accepted by the Azure CLI, so scripts using it keep working.
  EXPECT_EQ(single("`foo`").literal, "foo");
  EXPECT_EQ(single("`  padded`").literal, "padded");
  EXPECT_EQ(single(R"(`say \"hi\"`)").literal, "say \"hi\"");
  EXPECT_EQ(single("`1 2`").literal, "1 2");
  EXPECT_EQ(eval("[?name==`web`].id", Json::parse(R"([{"name":"web","id":1}])")),
            Json::parse("[1]"));
}

TEST(Lexer, JsonLiteralErrors) {
  // Invalid JSON is retried as a legacy unquoted string, so only text that is neither fails.
  EXPECT_EQ(eval("`[1, 2`", nullptr), "[1, 2");
  EXPECT_NE(errorOf("`\"abc`").find("column 1: JSON literal is not valid JSON"), std::string::npos);
  EXPECT_NE(errorOf("a == `abc").find("column 6: unterminated JSON literal"), std::string::npos);
}

TEST(Lexer, StrayCharactersAreRejectedWithTheirColumn) {
  EXPECT_NE(errorOf("foo#").find("column 4: unexpected character '#'"), std::string::npos);
  EXPECT_NE(errorOf("a = b").find("column 3: '=' is not an operator; compare with '=='"),
            std::string::npos);
  EXPECT_NE(errorOf("a\x01").find("column 2: unexpected character (byte 0x01)"), std::string::npos);
  EXPECT_NE(errorOf("\xc3\xa9").find("column 1: unexpected character (byte 0xc3)"),
            std::string::npos);
  EXPECT_NE(errorOf("$").find("unexpected character '$'"), std::string::npos);
}

TEST(Lexer, EmptyExpressionIsAnError) {
  EXPECT_NE(errorOf("").find("column 1: the expression is empty"), std::string::npos);
  EXPECT_NE(errorOf("  \t").find("the expression is empty"), std::string::npos);
}

}  // namespace
}  // namespace berth::jmespath
