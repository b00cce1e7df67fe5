#include "normalize/json_syntax.h"

#include <cctype>
#include <cstring>

namespace sluice {
namespace {

class Checker {
 public:
  explicit Checker(std::string_view s) : s_(s) {}

  bool Run(JsonSyntaxError* error) {
    Space();
    bool ok = Value(0);
    if (ok) {
      Space();
      if (pos_ != s_.size()) ok = Fail("unexpected text after the JSON value");
    }
    if (ok) return true;
    error->offset = pos_;
    error->what = what_;
    error->line = 1;
    error->column = 1;
    for (size_t i = 0; i < pos_ && i < s_.size(); i++) {
      if (s_[i] == '\n') {
        error->line++;
        error->column = 1;
      } else {
        error->column++;
      }
    }
    return false;
  }

 private:
  bool Fail(const char* what) {
    if (what_.empty()) what_ = what;
    return false;
  }
  void Space() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) {
      pos_++;
    }
  }
  bool Literal(const char* word) {
    const size_t n = std::strlen(word);
    if (s_.compare(pos_, n, word) != 0) return Fail("invalid literal");
    pos_ += n;
    return true;
  }
  bool String() {
    pos_++;  // opening quote
    while (pos_ < s_.size()) {
      const unsigned char c = s_[pos_];
      if (c == '"') {
        pos_++;
        return true;
      }
      if (c < 0x20) return Fail("control character inside a string");
      if (c == '\\') {
        pos_++;
        if (pos_ >= s_.size()) break;
        const char e = s_[pos_];
        if (e == 'u') {
          for (int i = 1; i <= 4; i++) {
            if (pos_ + i >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[pos_ + i]))) {
              return Fail("bad \\u escape");
            }
          }
          pos_ += 4;
        } else if (!std::strchr("\"\\/bfnrt", e) || e == '\0') {
          return Fail("bad escape in a string");
        }
      }
      pos_++;
    }
    return Fail("unterminated string");
  }
  bool Digits() {
    const size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') pos_++;
    return pos_ > start || Fail("digit expected");
  }
  bool Number() {
    if (s_[pos_] == '-') pos_++;
    if (pos_ < s_.size() && s_[pos_] == '0') {
      pos_++;
    } else if (!Digits()) {
      return false;
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      pos_++;
      if (!Digits()) return false;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      pos_++;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) pos_++;
      if (!Digits()) return false;
    }
    return true;
  }
  bool Value(int depth) {
    if (depth > 1024) return Fail("nested too deeply");
    if (pos_ >= s_.size()) return Fail("unexpected end of input");
    switch (s_[pos_]) {
      case '{': {
        pos_++;
        Space();
        if (pos_ < s_.size() && s_[pos_] == '}') return pos_++, true;
        for (;;) {
          Space();
          if (pos_ >= s_.size()) return Fail("unexpected end of input inside an object");
          if (s_[pos_] != '"') return Fail("expected a quoted key");
          if (!String()) return false;
          Space();
          if (pos_ >= s_.size() || s_[pos_] != ':') return Fail("expected ':' after a key");
          pos_++;
          Space();
          if (!Value(depth + 1)) return false;
          Space();
          if (pos_ >= s_.size()) return Fail("unexpected end of input inside an object");
          if (s_[pos_] == '}') return pos_++, true;
          if (s_[pos_] != ',') return Fail("expected ',' or '}' in an object");
          pos_++;
        }
      }
      case '[': {
        pos_++;
        Space();
        if (pos_ < s_.size() && s_[pos_] == ']') return pos_++, true;
        for (;;) {
          Space();
          if (!Value(depth + 1)) return false;
          Space();
          if (pos_ >= s_.size()) return Fail("unexpected end of input inside an array");
          if (s_[pos_] == ']') return pos_++, true;
          if (s_[pos_] != ',') return Fail("expected ',' or ']' in an array");
          pos_++;
        }
      }
      case '"':
        return String();
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default:
        if (s_[pos_] == '-' || (s_[pos_] >= '0' && s_[pos_] <= '9')) return Number();
        return Fail("unexpected character");
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string what_;
};

}  // namespace

bool CheckJsonSyntax(std::string_view text, JsonSyntaxError* error) {
  return Checker(text).Run(error);
}

}  // namespace sluice
