#include "filters/lexer.h"

#include <cstdio>

namespace limen::rules {
namespace {

bool is_word_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '_' ||
         c == '.' || c == ':' || c == '/' || c == '-';
}

std::string describe(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) return std::string("'") + c + "'";
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", u);
  return buf;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  LexOutput run() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '\n') {
        newline();
        finish_statement();
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
        advance();
      } else if (c == '#') {
        skip_comment();
      } else if (c == '\\') {
        continuation();
      } else if (c == '"') {
        string();
      } else if (c == '/' && after_tilde()) {
        regex();
      } else if (c == '-' && peek(1) == '>') {
        punct(Token::Kind::Arrow, 2);
      } else if (c == '$') {
        variable();
      } else if (is_word_char(c)) {
        word();
      } else if (c == '{') {
        punct(Token::Kind::LBrace, 1);
      } else if (c == '}') {
        punct(Token::Kind::RBrace, 1);
      } else if (c == ',') {
        punct(Token::Kind::Comma, 1);
      } else if (c == '!') {
        punct(peek(1) == '=' ? Token::Kind::Operator : Token::Kind::Bang, peek(1) == '=' ? 2 : 1);
      } else if (c == '=' || c == '<' || c == '>') {
        punct(Token::Kind::Operator, peek(1) == '=' ? 2 : 1);
      } else if (c == '~' || c == '(' || c == ')') {
        punct(Token::Kind::Operator, 1);
      } else {
        error(line_, column(), "unexpected character " + describe(c));
        advance();
      }
    }
    finish_statement();
    return std::move(out_);
  }

 private:
  [[nodiscard]] char peek(std::size_t ahead) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  [[nodiscard]] std::uint32_t column() const {
    return static_cast<std::uint32_t>(pos_ - line_start_ + 1);
  }
  void advance(std::size_t n = 1) { pos_ += n; }
  void newline() {
    ++pos_;
    ++line_;
    line_start_ = pos_;
  }
  void skip_comment() {
    while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
  }

  void error(std::uint32_t line, std::uint32_t col, std::string message) {
    // One lexical error per statement: the first one is the mistake, the rest its echo.
    if (current_.bad) return;
    current_.bad = true;
    out_.errors.push_back({line, col, std::move(message)});
  }

  void finish_statement() {
    if (!current_.tokens.empty()) out_.statements.push_back(std::move(current_));
    current_ = Statement{};
  }

  void push(Token::Kind kind, std::string text, std::uint32_t col) {
    current_.tokens.push_back(Token{kind, std::move(text), line_, col, column()});
  }

  void punct(Token::Kind kind, std::size_t n) {
    const std::uint32_t col = column();
    const std::string text(text_.substr(pos_, n));
    advance(n);
    push(kind, text, col);
  }

  void word() {
    const std::uint32_t col = column();
    const std::size_t start = pos_;
    while (pos_ < text_.size() && is_word_char(text_[pos_]) &&
           !(text_[pos_] == '-' && peek(1) == '>'))
      advance();
    push(Token::Kind::Word, std::string(text_.substr(start, pos_ - start)), col);
  }

  void variable() {
    const std::uint32_t col = column();
    advance();
    const std::size_t start = pos_;
    while (pos_ < text_.size() && is_word_char(text_[pos_]) &&
           !(text_[pos_] == '-' && peek(1) == '>'))
      advance();
    if (pos_ == start) {
      error(line_, col, "expected a list name after '$'");
      return;
    }
    push(Token::Kind::Variable, std::string(text_.substr(start, pos_ - start)), col);
  }

  // A '/' right after the '~' operator opens a regular expression, not a word.
  [[nodiscard]] bool after_tilde() const {
    return !current_.tokens.empty() && current_.tokens.back().kind == Token::Kind::Operator &&
           current_.tokens.back().text == "~";
  }

  // /pattern/ on one line; "\/" is a '/' inside it, every other byte is the pattern's own.
  void regex() {
    const std::uint32_t col = column();
    const std::uint32_t line = line_;
    advance();
    std::string value;
    while (pos_ < text_.size() && text_[pos_] != '\n') {
      const char c = text_[pos_];
      if (c == '/') {
        advance();
        push(Token::Kind::Regex, std::move(value), col);
        return;
      }
      if (c == '\\' && peek(1) == '/') {
        value += '/';
        advance(2);
        continue;
      }
      if (c == '\\' && peek(1) != '\n' && peek(1) != '\0') {
        value += c;
        value += peek(1);
        advance(2);
        continue;
      }
      value += c;
      advance();
    }
    error(line, col, "unterminated regular expression (it ends with '/' on the same line)");
  }

  void string() {
    const std::uint32_t col = column();
    const std::uint32_t line = line_;
    advance();
    std::string value;
    while (pos_ < text_.size() && text_[pos_] != '\n') {
      const char c = text_[pos_];
      if (c == '"') {
        advance();
        push(Token::Kind::String, std::move(value), col);
        return;
      }
      if (c == '\\' && (peek(1) == '"' || peek(1) == '\\')) {
        value += peek(1);
        advance(2);
        continue;
      }
      value += c;
      advance();
    }
    error(line, col, "unterminated string (a string ends with '\"' on the same line)");
  }

  // '\' as the last thing on a line (before spaces or a comment) joins the next line.
  void continuation() {
    const std::uint32_t col = column();
    std::size_t p = pos_ + 1;
    while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t' || text_[p] == '\r')) ++p;
    if (p < text_.size() && text_[p] == '#')
      while (p < text_.size() && text_[p] != '\n') ++p;
    if (p < text_.size() && text_[p] != '\n') {
      error(line_, col, "'\\' continues a statement only at the end of a line");
      advance();
      return;
    }
    pos_ = p;
    if (pos_ < text_.size()) newline();
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_start_ = 0;
  std::uint32_t line_ = 1;
  Statement current_;
  LexOutput out_;
};

}  // namespace

LexOutput lex(std::string_view text) { return Lexer(text).run(); }

}  // namespace limen::rules
