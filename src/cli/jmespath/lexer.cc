#include "cli/jmespath/lexer.h"

#include <charconv>
#include <string>
#include <utility>

namespace berth::jmespath {
namespace {

bool isIdentifierStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isIdentifierChar(char c) { return isIdentifierStart(c) || (c >= '0' && c <= '9'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

enum class JsonParse { kOk, kInvalid, kTooDeep };

// Parses JSON text without letting nlohmann throw, and refuses documents too deep to copy safely.
JsonParse parseJson(std::string_view text, Json& out) {
  out = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (out.is_discarded()) {
    return JsonParse::kInvalid;
  }
  if (measure(out, kMaxJsonDepth, static_cast<std::size_t>(-1)).depth > kMaxJsonDepth) {
    return JsonParse::kTooDeep;
  }
  return JsonParse::kOk;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Result<std::vector<Token>> run() {
    if (text_.find_first_not_of(" \t\r\n") == std::string_view::npos) {
      return fail(syntaxError(1, "the expression is empty"));
    }
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (isSpace(c)) {
        ++pos_;
        continue;
      }
      Status s = next(c);
      if (!s) {
        return fail(std::move(s).error());
      }
    }
    Token eof;
    eof.type = TokenType::kEof;
    eof.column = text_.size() + 1;
    tokens_.push_back(std::move(eof));
    return std::move(tokens_);
  }

 private:
  Status next(char c) {
    const std::size_t start = pos_;
    switch (c) {
      case '.':
        return simple(TokenType::kDot, 1);
      case '*':
        return simple(TokenType::kStar, 1);
      case ']':
        return simple(TokenType::kRBracket, 1);
      case '{':
        return simple(TokenType::kLBrace, 1);
      case '}':
        return simple(TokenType::kRBrace, 1);
      case '(':
        return simple(TokenType::kLParen, 1);
      case ')':
        return simple(TokenType::kRParen, 1);
      case ',':
        return simple(TokenType::kComma, 1);
      case ':':
        return simple(TokenType::kColon, 1);
      case '@':
        return simple(TokenType::kAt, 1);
      case '[':
        if (peek(1) == ']') {
          return simple(TokenType::kFlatten, 2);
        }
        return peek(1) == '?' ? simple(TokenType::kFilter, 2) : simple(TokenType::kLBracket, 1);
      case '|':
        return peek(1) == '|' ? simple(TokenType::kOr, 2) : simple(TokenType::kPipe, 1);
      case '&':
        return peek(1) == '&' ? simple(TokenType::kAnd, 2) : simple(TokenType::kExpref, 1);
      case '!':
        return peek(1) == '=' ? simple(TokenType::kNe, 2) : simple(TokenType::kNot, 1);
      case '<':
        return peek(1) == '=' ? simple(TokenType::kLe, 2) : simple(TokenType::kLt, 1);
      case '>':
        return peek(1) == '=' ? simple(TokenType::kGe, 2) : simple(TokenType::kGt, 1);
      case '=':
        if (peek(1) == '=') {
          return simple(TokenType::kEq, 2);
        }
        return fail(syntaxError(start + 1, "'=' is not an operator; compare with '=='"));
      case '"':
        return quotedIdentifier();
      case '\'':
        return rawString();
      case '`':
        return jsonLiteral();
      default:
        break;
    }
    if (isIdentifierStart(c)) {
      while (pos_ < text_.size() && isIdentifierChar(text_[pos_])) {
        ++pos_;
      }
      push(TokenType::kUnquotedIdentifier, start, std::string(text_.substr(start, pos_ - start)));
      return okStatus();
    }
    if (isDigit(c) || c == '-') {
      return number();
    }
    return fail(syntaxError(start + 1, describeChar(c)));
  }

  static std::string describeChar(char c) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f) {
      return "unexpected character (byte 0x" + hex(byte) + ")";
    }
    return std::string("unexpected character '") + c + "'";
  }

  static std::string hex(unsigned char byte) {
    constexpr std::string_view kDigits = "0123456789abcdef";
    return {kDigits[byte >> 4], kDigits[byte & 0xf]};
  }

  char peek(std::size_t ahead) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }

  Status simple(TokenType type, std::size_t length) {
    push(type, pos_, std::string(text_.substr(pos_, length)));
    pos_ += length;
    return okStatus();
  }

  Token& push(TokenType type, std::size_t start, std::string text) {
    Token t;
    t.type = type;
    t.column = start + 1;
    t.text = std::move(text);
    tokens_.push_back(std::move(t));
    return tokens_.back();
  }

  Status number() {
    const std::size_t start = pos_;
    if (text_[pos_] == '-') {
      ++pos_;
    }
    const std::size_t digits = pos_;
    while (pos_ < text_.size() && isDigit(text_[pos_])) {
      ++pos_;
    }
    if (pos_ == digits) {
      return fail(syntaxError(start + 1, "'-' must be followed by digits"));
    }
    std::int64_t value = 0;
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    auto [end, ec] = std::from_chars(first, last, value);
    if (ec != std::errc() || end != last) {
      return fail(syntaxError(start + 1, "number is out of range"));
    }
    push(TokenType::kNumber, start, std::string(first, last)).number = value;
    return okStatus();
  }

  // Scans to the closing `delimiter`. A backslash always pairs with the next character, so an
  // escaped delimiter does not end the token; the pair is kept verbatim for the caller to decode.
  Result<std::string> delimited(char delimiter, std::string_view what) {
    const std::size_t start = pos_;
    ++pos_;
    std::string body;
    while (pos_ < text_.size() && text_[pos_] != delimiter) {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) {
        body += text_[pos_++];
      }
      body += text_[pos_++];
    }
    if (pos_ >= text_.size()) {
      return fail(syntaxError(start + 1, std::string("unterminated ") + std::string(what)));
    }
    ++pos_;  // closing delimiter
    return body;
  }

  Status quotedIdentifier() {
    const std::size_t start = pos_;
    auto body = delimited('"', "quoted identifier (missing closing '\"')");
    if (!body) {
      return fail(std::move(body).error());
    }
    Json decoded;
    if (parseJson("\"" + *body + "\"", decoded) != JsonParse::kOk || !decoded.is_string()) {
      return fail(syntaxError(start + 1, "quoted identifier is not a valid JSON string"));
    }
    push(TokenType::kQuotedIdentifier, start, decoded.get<std::string>());
    return okStatus();
  }

  // JEP 12 raw strings: only \' is an escape; every other backslash is kept, as jmespath.py does.
  Status rawString() {
    const std::size_t start = pos_;
    auto body = delimited('\'', "raw string (missing closing \"'\")");
    if (!body) {
      return fail(std::move(body).error());
    }
    std::string value;
    value.reserve(body->size());
    for (std::size_t i = 0; i < body->size(); ++i) {
      if ((*body)[i] == '\\' && i + 1 < body->size()) {
        if ((*body)[i + 1] != '\'') {
          value += '\\';
        }
        ++i;
      }
      value += (*body)[i];
    }
    push(TokenType::kLiteral, start, std::string(text_.substr(start, pos_ - start))).literal =
        std::move(value);
    return okStatus();
  }

  Status jsonLiteral() {
    const std::size_t start = pos_;
    auto body = delimited('`', "JSON literal (missing closing '`')");
    if (!body) {
      return fail(std::move(body).error());
    }
    std::string json;
    json.reserve(body->size());
    for (std::size_t i = 0; i < body->size(); ++i) {
      if ((*body)[i] == '\\' && i + 1 < body->size() && (*body)[i + 1] == '`') {
        ++i;
      }
      json += (*body)[i];
    }
    Json value;
    const JsonParse parsed = parseJson(json, value);
    if (parsed == JsonParse::kTooDeep) {
      return fail(syntaxError(start + 1, "JSON literal nests more than " +
                                             std::to_string(kMaxJsonDepth) + " levels deep"));
    }
    if (parsed == JsonParse::kInvalid) {
      // Before JEP 12, `foo` meant the string "foo"; the Azure CLI still accepts it, and so do we.
      const std::size_t first = json.find_first_not_of(" \t\r\n");
      const std::string legacy =
          "\"" + (first == std::string::npos ? std::string() : json.substr(first)) + "\"";
      if (parseJson(legacy, value) != JsonParse::kOk) {
        return fail(syntaxError(start + 1, "JSON literal is not valid JSON"));
      }
    }
    push(TokenType::kLiteral, start, std::string(text_.substr(start, pos_ - start))).literal =
        std::move(value);
    return okStatus();
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::vector<Token> tokens_;
};

}  // namespace

Error syntaxError(std::size_t column, std::string_view what) {
  return Error{
      Errc::kInvalidParameter,
      "invalid --query expression at column " + std::to_string(column) + ": " + std::string(what),
      {}};
}

Result<std::vector<Token>> tokenize(std::string_view text) { return Lexer(text).run(); }

std::string_view describe(TokenType type) {
  switch (type) {
    case TokenType::kEof:
      return "end of expression";
    case TokenType::kUnquotedIdentifier:
      return "identifier";
    case TokenType::kQuotedIdentifier:
      return "quoted identifier";
    case TokenType::kNumber:
      return "number";
    case TokenType::kLiteral:
      return "literal";
    case TokenType::kDot:
      return "'.'";
    case TokenType::kStar:
      return "'*'";
    case TokenType::kFlatten:
      return "'[]'";
    case TokenType::kFilter:
      return "'[?'";
    case TokenType::kLBracket:
      return "'['";
    case TokenType::kRBracket:
      return "']'";
    case TokenType::kLBrace:
      return "'{'";
    case TokenType::kRBrace:
      return "'}'";
    case TokenType::kLParen:
      return "'('";
    case TokenType::kRParen:
      return "')'";
    case TokenType::kComma:
      return "','";
    case TokenType::kColon:
      return "':'";
    case TokenType::kAt:
      return "'@'";
    case TokenType::kPipe:
      return "'|'";
    case TokenType::kOr:
      return "'||'";
    case TokenType::kAnd:
      return "'&&'";
    case TokenType::kExpref:
      return "'&'";
    case TokenType::kNot:
      return "'!'";
    case TokenType::kEq:
      return "'=='";
    case TokenType::kNe:
      return "'!='";
    case TokenType::kLt:
      return "'<'";
    case TokenType::kLe:
      return "'<='";
    case TokenType::kGt:
      return "'>'";
    case TokenType::kGe:
      return "'>='";
  }
  return "token";
}

}  // namespace berth::jmespath
