// yaml output written the way PyYAML's safe_dump(default_flow_style=False, allow_unicode=True)
// writes it for az: sorted keys, block style, sequences inside mappings not indented, and a
// string left plain only when reading it back would give the same string (not a bool, number,
// null or timestamp, no indicator characters that would change its meaning).

#include <cstdio>
#include <limits>
#include <cctype>
#include <initializer_list>
#include <string>

#include "cli/output/output_format.h"

namespace berth::cli {
namespace {

constexpr std::string_view kKeyColor = "\x1b[94m";
constexpr std::string_view kReset = "\x1b[0m";

// A cursor for the hand-written matchers below. They replace std::regex, whose matcher recurses
// per character (a long string value could exhaust the stack) and trips GCC 12's sanitizer build.
class Scan {
 public:
  explicit Scan(std::string_view s) : s_(s) {}
  bool done() const { return i_ == s_.size(); }
  bool peek(auto pred, std::size_t ahead = 0) const {
    return i_ + ahead < s_.size() && pred(s_[i_ + ahead]);
  }
  bool take(char c) {
    if (i_ < s_.size() && s_[i_] == c) return ++i_, true;
    return false;
  }
  bool takeIf(auto pred) {
    if (peek(pred)) return ++i_, true;
    return false;
  }
  std::size_t takeWhile(auto pred) {
    std::size_t n = 0;
    while (takeIf(pred)) ++n;
    return n;
  }
  bool takeWord(std::initializer_list<std::string_view> words) {
    for (auto w : words) {
      if (s_.substr(i_).starts_with(w)) return i_ += w.size(), true;
    }
    return false;
  }
  void sign() { takeIf([](char c) { return c == '-' || c == '+'; }); }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

constexpr auto kDigit = [](char c) { return c >= '0' && c <= '9'; };
constexpr auto kDigitUnderscore = [](char c) { return (c >= '0' && c <= '9') || c == '_'; };

// (:[0-5]?[0-9])+ -- taking two digits when they fit is safe: one digit followed by another
// digit could never continue the pattern.
bool sexagesimalGroups(Scan& in) {
  int groups = 0;
  while (in.take(':')) {
    if (in.peek([](char c) { return c >= '0' && c <= '5'; }) && in.peek(kDigit, 1)) {
      in.takeIf(kDigit);
      in.takeIf(kDigit);
    } else if (!in.takeIf(kDigit)) {
      return false;
    }
    ++groups;
  }
  return groups > 0;
}

bool exponent(Scan& in) {
  if (!in.takeIf([](char c) { return c == 'e' || c == 'E'; })) return true;
  return in.takeIf([](char c) { return c == '-' || c == '+'; }) && in.takeWhile(kDigit) > 0;
}

bool isInt(std::string_view s) {
  auto alt = [&](auto match) {
    Scan in(s);
    return match(in) && in.done();
  };
  return alt([](Scan& in) {
           in.sign();
           return in.takeWord({"0b"}) &&
                  in.takeWhile([](char c) { return c == '0' || c == '1' || c == '_'; }) > 0;
         }) ||
         alt([](Scan& in) {
           in.sign();
           return in.take('0') &&
                  in.takeWhile([](char c) { return (c >= '0' && c <= '7') || c == '_'; }) > 0;
         }) ||
         alt([](Scan& in) {
           in.sign();
           if (in.take('0')) return true;
           return in.takeIf([](char c) { return c >= '1' && c <= '9'; }) &&
                  (in.takeWhile(kDigitUnderscore), true);
         }) ||
         alt([](Scan& in) {
           in.sign();
           return in.takeWord({"0x"}) && in.takeWhile([](char c) {
             return std::isxdigit(static_cast<unsigned char>(c)) || c == '_';
           }) > 0;
         }) ||
         alt([](Scan& in) {
           in.sign();
           return in.takeIf([](char c) { return c >= '1' && c <= '9'; }) &&
                  (in.takeWhile(kDigitUnderscore), true) && sexagesimalGroups(in);
         });
}

bool isFloat(std::string_view s) {
  auto alt = [&](auto match) {
    Scan in(s);
    return match(in) && in.done();
  };
  return alt([](Scan& in) {
           in.sign();
           return in.takeIf(kDigit) && (in.takeWhile(kDigitUnderscore), true) && in.take('.') &&
                  (in.takeWhile(kDigitUnderscore), true) && exponent(in);
         }) ||
         alt([](Scan& in) {
           return in.take('.') && in.takeWhile(kDigitUnderscore) > 0 && exponent(in);
         }) ||
         alt([](Scan& in) {
           in.sign();
           return in.takeIf(kDigit) && (in.takeWhile(kDigitUnderscore), true) &&
                  sexagesimalGroups(in) && in.take('.') && (in.takeWhile(kDigitUnderscore), true);
         }) ||
         alt([](Scan& in) {
           in.sign();
           return in.take('.') && in.takeWord({"inf", "Inf", "INF"});
         }) ||
         alt([](Scan& in) { return in.take('.') && in.takeWord({"nan", "NaN", "NAN"}); });
}

bool isTimestamp(std::string_view s) {
  auto digits = [](Scan& in, std::size_t min, std::size_t max) {
    std::size_t n = 0;
    while (n < max && in.takeIf(kDigit)) ++n;
    return n >= min;
  };
  {
    Scan in(s);
    if (digits(in, 4, 4) && in.take('-') && digits(in, 2, 2) && in.take('-') &&
        digits(in, 2, 2) && in.done()) {
      return true;
    }
  }
  Scan in(s);
  if (!(digits(in, 4, 4) && in.take('-') && digits(in, 1, 2) && in.take('-') &&
        digits(in, 1, 2))) {
    return false;
  }
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  if (!in.takeIf([](char c) { return c == 'T' || c == 't'; }) && in.takeWhile(blank) == 0) {
    return false;
  }
  if (!(digits(in, 1, 2) && in.take(':') && digits(in, 2, 2) && in.take(':') &&
        digits(in, 2, 2))) {
    return false;
  }
  if (in.take('.')) in.takeWhile(kDigit);
  if (in.done()) return true;
  in.takeWhile(blank);
  if (in.take('Z')) return in.done();
  if (!in.takeIf([](char c) { return c == '-' || c == '+'; }) || !digits(in, 1, 2)) return false;
  if (in.take(':') && !digits(in, 2, 2)) return false;
  return in.done();
}

// YAML 1.1 implicit types PyYAML's resolver recognizes. A string matching one of them must be
// quoted or it would load back as that type ("true", "1_000", "2026-01-02T03:04:05Z", "~").
bool resolvesToNonString(const std::string& s) {
  static constexpr std::string_view kWords[] = {
      "yes", "Yes", "YES", "no",   "No",   "NO",   "true", "True", "TRUE", "false", "False",
      "FALSE", "on", "On", "ON",  "off",  "Off",  "OFF",  "~",    "null", "Null",  "NULL",
      "",    "<<", "="};
  for (auto w : kWords) {
    if (s == w) return true;
  }
  return isInt(s) || isFloat(s) || isTimestamp(s);
}

// Decodes one UTF-8 sequence at s[i]; invalid bytes come back as U+FFFD, one byte consumed.
char32_t nextCodepoint(const std::string& s, std::size_t& i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  i += len;
  return cp;
}

bool isBreak(char32_t c) { return c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029; }
bool isSpaceOrBreak(char32_t c) {
  return c == 0 || c == ' ' || c == '\t' || c == '\r' || isBreak(c);
}

enum class Style { kPlain, kSingle, kDouble };

// PyYAML's Emitter.analyze_scalar + choose_scalar_style for a block-context scalar.
Style chooseStyle(const std::string& s) {
  if (s.empty() || resolvesToNonString(s)) return Style::kSingle;
  std::u32string cps;
  for (std::size_t i = 0; i < s.size();) cps.push_back(nextCodepoint(s, i));
  bool blockIndicators = s.starts_with("---") || s.starts_with("...");
  bool lineBreaks = false, special = false;
  bool leadingSpace = false, trailingSpace = false, leadingBreak = false, trailingBreak = false;
  bool breakSpace = false, spaceBreak = false, previousSpace = false, previousBreak = false;
  bool precededByWhitespace = true;
  for (std::size_t i = 0; i < cps.size(); ++i) {
    const char32_t ch = cps[i];
    const bool followedByWhitespace = i + 1 >= cps.size() || isSpaceOrBreak(cps[i + 1]);
    if (i == 0) {
      if (std::u32string_view(U"#,[]{}&*!|>'\"%@`").find(ch) != std::u32string_view::npos) {
        blockIndicators = true;
      }
      if ((ch == '?' || ch == ':' || ch == '-') && followedByWhitespace) blockIndicators = true;
    } else {
      if (ch == ':' && followedByWhitespace) blockIndicators = true;
      if (ch == '#' && precededByWhitespace) blockIndicators = true;
    }
    if (isBreak(ch)) lineBreaks = true;
    if (!(ch == '\n' || (ch >= 0x20 && ch <= 0x7E))) {
      const bool printable = (ch == 0x85 || (ch >= 0xA0 && ch <= 0xD7FF) ||
                              (ch >= 0xE000 && ch <= 0xFFFD) || (ch >= 0x10000 && ch < 0x10FFFF)) &&
                             ch != 0xFEFF;
      if (!printable) special = true;
    }
    if (ch == ' ') {
      if (i == 0) leadingSpace = true;
      if (i + 1 == cps.size()) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(ch)) {
      if (i == 0) leadingBreak = true;
      if (i + 1 == cps.size()) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = previousBreak = false;
    }
    precededByWhitespace = isSpaceOrBreak(ch);
  }
  bool plain = !(leadingSpace || leadingBreak || trailingSpace || trailingBreak || breakSpace ||
                 spaceBreak || special || lineBreaks || blockIndicators);
  if (plain) return Style::kPlain;
  // PyYAML folds line breaks inside single quotes into blank lines; a double-quoted "\n" is the
  // same string and keeps this writer simple.
  if (special || spaceBreak || breakSpace || lineBreaks) return Style::kDouble;
  return Style::kSingle;
}

std::string doubleQuoted(const std::string& s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t start = i;
    const char32_t ch = nextCodepoint(s, i);
    switch (ch) {
      case 0:
        out += "\\0";
        continue;
      case 0x07:
        out += "\\a";
        continue;
      case 0x08:
        out += "\\b";
        continue;
      case 0x09:
        out += "\\t";
        continue;
      case 0x0A:
        out += "\\n";
        continue;
      case 0x0B:
        out += "\\v";
        continue;
      case 0x0C:
        out += "\\f";
        continue;
      case 0x0D:
        out += "\\r";
        continue;
      case 0x1B:
        out += "\\e";
        continue;
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case 0x85:
        out += "\\N";
        continue;
      case 0xA0:
        out += "\\_";
        continue;
      case 0x2028:
        out += "\\L";
        continue;
      case 0x2029:
        out += "\\P";
        continue;
      default:
        break;
    }
    const bool printable = (ch >= 0x20 && ch <= 0x7E) || (ch >= 0xA0 && ch <= 0xD7FF) ||
                           (ch >= 0xE000 && ch <= 0xFFFD && ch != 0xFEFF) ||
                           (ch >= 0x10000 && ch < 0x10FFFF);
    if (printable) {
      out.append(s, start, i - start);
      continue;
    }
    char buf[16];
    if (ch <= 0xFF) {
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(ch));
    } else if (ch <= 0xFFFF) {
      std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(ch));
    } else {
      std::snprintf(buf, sizeof buf, "\\U%08X", static_cast<unsigned>(ch));
    }
    out += buf;
  }
  return out + "\"";
}

std::string scalarText(const std::string& s) {
  switch (chooseStyle(s)) {
    case Style::kPlain:
      return s;
    case Style::kSingle: {
      std::string out = "'";
      for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
      return out + "'";
    }
    case Style::kDouble:
      return doubleQuoted(s);
  }
  return s;
}

// PyYAML's represent_float: repr(), with ".0" added to an exponent form that lacks a dot.
std::string floatText(double d) {
  if (d != d) return ".nan";
  if (d == std::numeric_limits<double>::infinity()) return ".inf";
  if (d == -std::numeric_limits<double>::infinity()) return "-.inf";
  std::string text = nlohmann::json(d).dump();
  if (text.find('.') == std::string::npos && text.find('e') != std::string::npos) {
    text.insert(text.find('e'), ".0");
  }
  return text;
}

bool isScalar(const nlohmann::json& v) { return !v.is_structured() || v.empty(); }

std::string scalar(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::string:
      return scalarText(v.get_ref<const std::string&>());
    case nlohmann::json::value_t::number_float:
      return floatText(v.get<double>());
    case nlohmann::json::value_t::object:
      return "{}";
    case nlohmann::json::value_t::array:
      return "[]";
    default:
      return v.dump();
  }
}

class YamlWriter {
 public:
  explicit YamlWriter(bool color) : color_(color) {}

  std::string document(const nlohmann::json& v) {
    if (isScalar(v)) {
      std::string text = scalar(v);
      out_ += text + "\n";
      // A plain scalar document gets an explicit end marker, as PyYAML writes one.
      if (!v.is_structured() && (!v.is_string() || text == v.get_ref<const std::string&>())) {
        out_ += "...\n";
      }
    } else {
      node(v, 0, false);
    }
    return std::move(out_);
  }

 private:
  // Writes a non-empty collection whose first line continues the current line when `inline_`
  // (after "- "), at column `indent` otherwise.
  void node(const nlohmann::json& v, std::size_t indent, bool inlineFirst) {
    bool first = true;
    auto startLine = [&] {
      if (!(first && inlineFirst)) out_.append(indent, ' ');
      first = false;
    };
    if (v.is_object()) {
      for (auto it = v.begin(); it != v.end(); ++it) {
        startLine();
        key(it.key());
        const auto& child = it.value();
        if (isScalar(child)) {
          out_ += " " + scalar(child) + "\n";
        } else if (child.is_array()) {
          out_ += "\n";
          node(child, indent, false);  // PyYAML does not indent a sequence under its key
        } else {
          out_ += "\n";
          node(child, indent + 2, false);
        }
      }
      return;
    }
    for (const auto& item : v) {
      startLine();
      out_ += "-";
      if (isScalar(item)) {
        out_ += " " + scalar(item) + "\n";
      } else {
        out_ += " ";
        node(item, indent + 2, true);
      }
    }
  }

  void key(const std::string& k) {
    if (color_) out_.append(kKeyColor);
    out_ += scalarText(k);
    if (color_) out_.append(kReset);
    out_ += ":";
  }

  bool color_;
  std::string out_;
};

}  // namespace

std::string formatYaml(const Json& value, bool color) {
  return YamlWriter(color).document(toSortedJson(value));
}

}  // namespace berth::cli
