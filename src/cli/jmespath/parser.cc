#include "cli/jmespath/parser.h"

#include <algorithm>
#include <string>
#include <utility>

#include "cli/jmespath/functions.h"
#include "cli/jmespath/lexer.h"

namespace berth::jmespath {
namespace {

// Binding powers of jmespath.py. Tokens below kProjectionStop end a projection, which is why
// `a[*].b | c` applies c to the whole list while `a[*].b.c` applies .c to each element.
constexpr int kProjectionStop = 10;
constexpr int kPipePower = 1;
constexpr int kOrPower = 2;
constexpr int kAndPower = 3;
constexpr int kComparePower = 5;
constexpr int kFlattenPower = 9;
constexpr int kStarPower = 20;
constexpr int kFilterPower = 21;
constexpr int kDotPower = 40;
// Above dot, so `!a.b` groups as `(!a).b` exactly as in the Azure CLI.
constexpr int kNotPower = 45;
constexpr int kLBracePower = 50;
constexpr int kLBracketPower = 55;
constexpr int kLParenPower = 60;

int bindingPower(TokenType type) {
  switch (type) {
    case TokenType::kPipe:
      return kPipePower;
    case TokenType::kOr:
      return kOrPower;
    case TokenType::kAnd:
      return kAndPower;
    case TokenType::kEq:
    case TokenType::kNe:
    case TokenType::kLt:
    case TokenType::kLe:
    case TokenType::kGt:
    case TokenType::kGe:
      return kComparePower;
    case TokenType::kFlatten:
      return kFlattenPower;
    case TokenType::kStar:
      return kStarPower;
    case TokenType::kFilter:
      return kFilterPower;
    case TokenType::kDot:
      return kDotPower;
    case TokenType::kNot:
      return kNotPower;
    case TokenType::kLBrace:
      return kLBracePower;
    case TokenType::kLBracket:
      return kLBracketPower;
    case TokenType::kLParen:
      return kLParenPower;
    default:
      return 0;
  }
}

Comparator comparatorFor(TokenType type) {
  switch (type) {
    case TokenType::kNe:
      return Comparator::kNe;
    case TokenType::kLt:
      return Comparator::kLt;
    case TokenType::kLe:
      return Comparator::kLe;
    case TokenType::kGt:
      return Comparator::kGt;
    case TokenType::kGe:
      return Comparator::kGe;
    default:
      return Comparator::kEq;
  }
}

std::string plural(std::size_t n, std::string_view word) {
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<Node> parseAll() {
    auto node = expression(0);
    if (node && cur().type != TokenType::kEof) {
      return unexpected(cur());
    }
    return node;
  }

 private:
  const Token& cur() const { return tokens_[pos_]; }
  const Token& ahead(std::size_t n) const {
    return tokens_[std::min(pos_ + n, tokens_.size() - 1)];
  }
  void advance() {
    if (pos_ + 1 < tokens_.size()) {
      ++pos_;
    }
  }

  static Unexpected unexpected(const Token& token) {
    if (token.type == TokenType::kEof) {
      return fail(syntaxError(token.column, "unexpected end of expression"));
    }
    return fail(syntaxError(token.column, "unexpected " + std::string(describe(token.type))));
  }

  Status expect(TokenType type) {
    if (cur().type != type) {
      if (cur().type == TokenType::kEof) {
        return fail(syntaxError(cur().column, "expected " + std::string(describe(type)) +
                                                  " before the end of the expression"));
      }
      return fail(syntaxError(cur().column, "expected " + std::string(describe(type)) + ", found " +
                                                std::string(describe(cur().type))));
    }
    advance();
    return okStatus();
  }

  // Every node is built here so that no tree deeper than kMaxExpressionDepth can exist.
  Result<Node> make(NodeKind kind, std::size_t column, std::vector<Node> children = {}) {
    Node node;
    node.kind = kind;
    node.column = column;
    for (const Node& child : children) {
      node.depth = std::max(node.depth, child.depth + 1);
    }
    if (node.depth > kMaxExpressionDepth) {
      return fail(tooDeep(column));
    }
    node.children = std::move(children);
    return node;
  }

  static Error tooDeep(std::size_t column) {
    return syntaxError(column, "expression nests more than " + std::to_string(kMaxExpressionDepth) +
                                   " levels deep");
  }

  Result<Node> make(NodeKind kind, std::size_t column, Node a) {
    std::vector<Node> children;
    children.push_back(std::move(a));
    return make(kind, column, std::move(children));
  }

  Result<Node> make(NodeKind kind, std::size_t column, Node a, Node b) {
    std::vector<Node> children;
    children.push_back(std::move(a));
    children.push_back(std::move(b));
    return make(kind, column, std::move(children));
  }

  Result<Node> current(std::size_t column) { return make(NodeKind::kCurrent, column); }

  Result<Node> expression(int rbp) {
    // Recursion always passes through here, so this bounds the parser's stack as well.
    if (recursion_ >= kMaxExpressionDepth) {
      return fail(tooDeep(cur().column));
    }
    ++recursion_;
    auto result = expressionBody(rbp);
    --recursion_;
    return result;
  }

  Result<Node> expressionBody(int rbp) {
    const Token& token = cur();
    advance();
    auto left = nud(token);
    while (left && rbp < bindingPower(cur().type)) {
      const Token& op = cur();
      advance();
      left = led(op, std::move(left).value());
    }
    return left;
  }

  Result<Node> nud(const Token& token) {
    switch (token.type) {
      case TokenType::kLiteral: {
        auto node = make(NodeKind::kLiteral, token.column);
        if (node) {
          node->literal = token.literal;
        }
        return node;
      }
      case TokenType::kUnquotedIdentifier:
        if (cur().type == TokenType::kLParen) {
          return function(token);
        }
        return field(token);
      case TokenType::kQuotedIdentifier:
        if (cur().type == TokenType::kLParen) {
          return fail(syntaxError(token.column, "a function name cannot be quoted"));
        }
        return field(token);
      case TokenType::kStar: {
        auto rhs =
            cur().type == TokenType::kRBracket ? current(token.column) : projectionRhs(kStarPower);
        if (!rhs) {
          return rhs;
        }
        return project(NodeKind::kValueProjection, token.column, current(token.column),
                       std::move(rhs));
      }
      case TokenType::kFilter:
        return filter(token.column, current(token.column));
      case TokenType::kLBrace:
        return multiSelectHash(token.column);
      case TokenType::kLParen: {
        auto inner = expression(0);
        if (!inner) {
          return inner;
        }
        if (Status s = expect(TokenType::kRParen); !s) {
          return fail(std::move(s).error());
        }
        return inner;
      }
      case TokenType::kFlatten:
        return flatten(token.column, current(token.column));
      case TokenType::kNot: {
        auto operand = expression(kNotPower);
        if (!operand) {
          return operand;
        }
        return make(NodeKind::kNot, token.column, std::move(operand).value());
      }
      case TokenType::kLBracket:
        if (cur().type == TokenType::kNumber || cur().type == TokenType::kColon) {
          return indexOrSlice(token.column, current(token.column));
        }
        if (cur().type == TokenType::kStar && ahead(1).type == TokenType::kRBracket) {
          advance();
          advance();
          return project(NodeKind::kProjection, token.column, current(token.column),
                         projectionRhs(kStarPower));
        }
        return multiSelectList(token.column);
      case TokenType::kAt:
        return current(token.column);
      case TokenType::kExpref: {
        auto target = expression(0);
        if (!target) {
          return target;
        }
        return make(NodeKind::kExpref, token.column, std::move(target).value());
      }
      default:
        return unexpected(token);
    }
  }

  Result<Node> led(const Token& token, Node left) {
    switch (token.type) {
      case TokenType::kDot:
        if (cur().type == TokenType::kStar) {
          advance();
          return project(NodeKind::kValueProjection, token.column, std::move(left),
                         projectionRhs(kDotPower));
        }
        return binary(NodeKind::kSubexpression, token.column, std::move(left), dotRhs(kDotPower));
      case TokenType::kPipe:
        return binary(NodeKind::kPipe, token.column, std::move(left), expression(kPipePower));
      case TokenType::kOr:
        return binary(NodeKind::kOr, token.column, std::move(left), expression(kOrPower));
      case TokenType::kAnd:
        return binary(NodeKind::kAnd, token.column, std::move(left), expression(kAndPower));
      case TokenType::kEq:
      case TokenType::kNe:
      case TokenType::kLt:
      case TokenType::kLe:
      case TokenType::kGt:
      case TokenType::kGe: {
        auto node =
            binary(NodeKind::kComparator, token.column, std::move(left), expression(kComparePower));
        if (node) {
          node->comparator = comparatorFor(token.type);
        }
        return node;
      }
      case TokenType::kFilter:
        return filter(token.column, std::move(left));
      case TokenType::kFlatten:
        return flatten(token.column, std::move(left));
      case TokenType::kLBracket:
        if (cur().type == TokenType::kNumber || cur().type == TokenType::kColon) {
          return indexOrSlice(token.column, std::move(left));
        }
        if (Status s = expect(TokenType::kStar); !s) {
          return fail(syntaxError(cur().column, "expected a number, ':' or '*' after '['"));
        }
        if (Status s = expect(TokenType::kRBracket); !s) {
          return fail(std::move(s).error());
        }
        return project(NodeKind::kProjection, token.column, std::move(left),
                       projectionRhs(kStarPower));
      case TokenType::kLParen:
        return fail(syntaxError(token.column, "'(' must follow a function name"));
      default:
        return unexpected(token);
    }
  }

  Result<Node> binary(NodeKind kind, std::size_t column, Node left, Result<Node> right) {
    if (!right) {
      return right;
    }
    return make(kind, column, std::move(left), std::move(right).value());
  }

  Result<Node> project(NodeKind kind, std::size_t column, Result<Node> left, Result<Node> rhs) {
    if (!left) {
      return left;
    }
    if (!rhs) {
      return rhs;
    }
    return make(kind, column, std::move(left).value(), std::move(rhs).value());
  }

  Result<Node> field(const Token& token) {
    auto node = make(NodeKind::kField, token.column);
    if (node) {
      node->name = token.text;
    }
    return node;
  }

  Result<Node> flatten(std::size_t column, Result<Node> left) {
    if (!left) {
      return left;
    }
    auto flat = make(NodeKind::kFlatten, column, std::move(left).value());
    if (!flat) {
      return flat;
    }
    return project(NodeKind::kProjection, column, std::move(flat), projectionRhs(kFlattenPower));
  }

  Result<Node> filter(std::size_t column, Result<Node> left) {
    if (!left) {
      return left;
    }
    auto condition = expression(0);
    if (!condition) {
      return condition;
    }
    if (Status s = expect(TokenType::kRBracket); !s) {
      return fail(std::move(s).error());
    }
    auto rhs = cur().type == TokenType::kFlatten ? current(column) : projectionRhs(kFilterPower);
    if (!rhs) {
      return rhs;
    }
    std::vector<Node> children;
    children.push_back(std::move(left).value());
    children.push_back(std::move(rhs).value());
    children.push_back(std::move(condition).value());
    return make(NodeKind::kFilterProjection, column, std::move(children));
  }

  // What a projection applies to each element: nothing (the element itself) when a
  // low-binding token such as '|' follows, otherwise a bracket, filter or dot chain.
  Result<Node> projectionRhs(int rbp) {
    const Token& token = cur();
    if (bindingPower(token.type) < kProjectionStop) {
      return current(token.column);
    }
    switch (token.type) {
      case TokenType::kLBracket:
      case TokenType::kFilter:
        return expression(rbp);
      case TokenType::kDot:
        advance();
        return dotRhs(rbp);
      default:
        return unexpected(token);
    }
  }

  Result<Node> dotRhs(int rbp) {
    const Token& token = cur();
    switch (token.type) {
      case TokenType::kUnquotedIdentifier:
      case TokenType::kQuotedIdentifier:
      case TokenType::kStar:
        return expression(rbp);
      case TokenType::kLBracket:
        advance();
        return multiSelectList(token.column);
      case TokenType::kLBrace:
        advance();
        return multiSelectHash(token.column);
      default:
        if (token.type == TokenType::kEof) {
          return unexpected(token);
        }
        return fail(syntaxError(token.column,
                                "expected an identifier, '*', '[' or '{' after '.'"
                                ", found " +
                                    std::string(describe(token.type))));
    }
  }

  // After '[' with a number or ':' next: `[n]` or a slice. A slice projects, an index does not.
  Result<Node> indexOrSlice(std::size_t column, Result<Node> left) {
    if (!left) {
      return left;
    }
    const bool is_slice = cur().type == TokenType::kColon || ahead(1).type == TokenType::kColon;
    auto selector = is_slice ? slice(column) : index(column);
    if (!selector) {
      return selector;
    }
    Result<Node> base = left->kind == NodeKind::kCurrent
                            ? std::move(selector)
                            : make(NodeKind::kSubexpression, column, std::move(left).value(),
                                   std::move(selector).value());
    if (!is_slice) {
      return base;
    }
    return project(NodeKind::kProjection, column, std::move(base), projectionRhs(kStarPower));
  }

  Result<Node> index(std::size_t column) {
    auto node = make(NodeKind::kIndex, column);
    if (node) {
      node->index = cur().number;
      advance();
      if (Status s = expect(TokenType::kRBracket); !s) {
        return fail(std::move(s).error());
      }
    }
    return node;
  }

  Result<Node> slice(std::size_t column) {
    std::optional<std::int64_t> parts[3];
    std::size_t part = 0;
    while (cur().type != TokenType::kRBracket) {
      if (cur().type == TokenType::kColon && part < 2) {
        ++part;
      } else if (cur().type == TokenType::kNumber && !parts[part]) {
        parts[part] = cur().number;
      } else if (cur().type == TokenType::kEof) {
        return unexpected(cur());
      } else {
        return fail(syntaxError(cur().column,
                                "a slice is [start:stop:step] with optional "
                                "integers, found " +
                                    std::string(describe(cur().type))));
      }
      advance();
    }
    advance();
    if (parts[2] && *parts[2] == 0) {
      return fail(syntaxError(column, "invalid-value: a slice step cannot be 0"));
    }
    auto node = make(NodeKind::kSlice, column);
    if (node) {
      node->start = parts[0];
      node->stop = parts[1];
      node->step = parts[2];
    }
    return node;
  }

  // After '[' that starts neither an index, a slice nor [*].
  Result<Node> multiSelectList(std::size_t column) {
    std::vector<Node> items;
    while (true) {
      auto item = expression(0);
      if (!item) {
        return item;
      }
      items.push_back(std::move(item).value());
      if (cur().type == TokenType::kRBracket) {
        advance();
        break;
      }
      if (Status s = expect(TokenType::kComma); !s) {
        return fail(std::move(s).error());
      }
    }
    return make(NodeKind::kMultiSelectList, column, std::move(items));
  }

  // After '{'.
  Result<Node> multiSelectHash(std::size_t column) {
    std::vector<Node> values;
    std::vector<std::string> keys;
    while (true) {
      const Token& key = cur();
      if (key.type != TokenType::kUnquotedIdentifier && key.type != TokenType::kQuotedIdentifier) {
        if (key.type == TokenType::kEof) {
          return unexpected(key);
        }
        return fail(syntaxError(key.column, "expected a key name in '{key: expression}', found " +
                                                std::string(describe(key.type))));
      }
      keys.push_back(key.text);
      advance();
      if (Status s = expect(TokenType::kColon); !s) {
        return fail(std::move(s).error());
      }
      auto value = expression(0);
      if (!value) {
        return value;
      }
      values.push_back(std::move(value).value());
      if (cur().type == TokenType::kRBrace) {
        advance();
        break;
      }
      if (Status s = expect(TokenType::kComma); !s) {
        return fail(std::move(s).error());
      }
    }
    auto node = make(NodeKind::kMultiSelectHash, column, std::move(values));
    if (node) {
      node->keys = std::move(keys);
    }
    return node;
  }

  // After an unquoted identifier, with '(' current.
  Result<Node> function(const Token& name) {
    advance();
    std::vector<Node> args;
    if (cur().type == TokenType::kRParen) {
      advance();
    } else {
      while (true) {
        auto arg = expression(0);
        if (!arg) {
          return arg;
        }
        args.push_back(std::move(arg).value());
        if (cur().type == TokenType::kRParen) {
          advance();
          break;
        }
        if (Status s = expect(TokenType::kComma); !s) {
          return fail(std::move(s).error());
        }
      }
    }
    const FunctionSpec* spec = findFunction(name.text);
    if (spec == nullptr) {
      return fail(syntaxError(name.column,
                              "unknown-function: there is no function named '" + name.text + "'"));
    }
    const std::size_t want = spec->params.size();
    const std::size_t got = args.size();
    if (got < want || (!spec->variadic && got > want)) {
      return fail(syntaxError(name.column, "invalid-arity: " + name.text + "() takes " +
                                               (spec->variadic ? "at least " : "") +
                                               plural(want, "argument") + ", got " +
                                               std::to_string(got)));
    }
    auto node = make(NodeKind::kFunction, name.column, std::move(args));
    if (node) {
      node->name = name.text;
      node->function = spec;
    }
    return node;
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  std::size_t recursion_ = 0;
};

}  // namespace

Result<Node> parse(std::string_view text) {
  auto tokens = tokenize(text);
  if (!tokens) {
    return fail(std::move(tokens).error());
  }
  return Parser(std::move(tokens).value()).parseAll();
}

}  // namespace berth::jmespath
