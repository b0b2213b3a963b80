#pragma once
// Lexer of the rules language: text -> statements (one per logical line) of tokens, each token
// with its 1-based line and byte column, so every diagnostic can point at the exact place.
//
// Invariants: a statement never spans two logical lines; a trailing '\' joins the next physical
// line into the same statement while tokens keep their physical positions. A statement with a
// lexical error carries `bad = true` and exactly one diagnostic, so the parser skips it without
// piling further errors on the same mistake.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace limen::rules {

struct Token {
  enum class Kind : std::uint8_t {
    Word,      // keywords, names, numbers, addresses, CIDRs, tcp/502, 1024-65535
    String,    // "..." with \" and \\ unescaped; text holds the value
    Variable,  // $name; text holds the name without '$'
    Arrow,     // ->
    LBrace,    // {
    RBrace,    // }
    Comma,     // ,
    Bang,      // !
    Operator,  // == != < <= > >= ~ ( ) of conditions
    Regex,     // /pattern/ right after '~'; text holds the pattern, with \/ turned into /
  };
  Kind kind = Kind::Word;
  std::string text;
  std::uint32_t line = 0, column = 0;
  std::uint32_t end_column = 0;  // column just past the token (for "expected X here")
};

struct Statement {
  std::vector<Token> tokens;  // never empty
  bool bad = false;
};

struct LexError {
  std::uint32_t line = 0, column = 0;
  std::string message;
};

struct LexOutput {
  std::vector<Statement> statements;
  std::vector<LexError> errors;
};

LexOutput lex(std::string_view text);

// Reads a statement's tokens front to back; the parser and (later) the condition parser share it.
class TokenCursor {
 public:
  explicit TokenCursor(const Statement& statement) : tokens_(statement.tokens) {}
  [[nodiscard]] bool at_end() const { return pos_ >= tokens_.size(); }
  [[nodiscard]] const Token* peek(std::size_t ahead = 0) const {
    return pos_ + ahead < tokens_.size() ? &tokens_[pos_ + ahead] : nullptr;
  }
  const Token* next() { return at_end() ? nullptr : &tokens_[pos_++]; }
  [[nodiscard]] bool peek_is(Token::Kind kind) const { return !at_end() && peek()->kind == kind; }
  [[nodiscard]] bool peek_word(std::string_view word) const {
    return peek_is(Token::Kind::Word) && peek()->text == word;
  }
  // Where a missing token would have been: just past the previous token.
  [[nodiscard]] std::uint32_t end_line() const { return tokens_.back().line; }
  [[nodiscard]] std::uint32_t end_column() const { return tokens_.back().end_column; }
  [[nodiscard]] std::size_t position() const { return pos_; }

 private:
  const std::vector<Token>& tokens_;
  std::size_t pos_ = 0;
};

}  // namespace limen::rules
