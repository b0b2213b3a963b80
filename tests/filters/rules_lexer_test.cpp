#include <gtest/gtest.h>

#include "filters/lexer.h"

namespace limen::rules {
namespace {

using K = Token::Kind;

std::string kinds(const Statement& s) {
  std::string out;
  for (const Token& t : s.tokens) {
    switch (t.kind) {
      case K::Word:
        out += 'w';
        break;
      case K::String:
        out += 's';
        break;
      case K::Variable:
        out += '$';
        break;
      case K::Arrow:
        out += '>';
        break;
      case K::LBrace:
        out += '{';
        break;
      case K::RBrace:
        out += '}';
        break;
      case K::Comma:
        out += ',';
        break;
      case K::Bang:
        out += '!';
        break;
      case K::Operator:
        out += 'o';
        break;
      case K::Regex:
        out += '/';
        break;
    }
  }
  return out;
}

TEST(RulesLexer, RuleTokensWithPositions) {
  const LexOutput out = lex("allow 7 !{a, $b}->10.0.0.0/8 tcp/{80,8000-8080} \"x \\\"y\\\"\"");
  ASSERT_TRUE(out.errors.empty());
  ASSERT_EQ(out.statements.size(), 1U);
  const Statement& s = out.statements[0];
  EXPECT_EQ(kinds(s), "ww!{w,$}>ww{w,w}s");
  EXPECT_EQ(s.tokens[6].text, "b");  // $b without '$'
  EXPECT_EQ(s.tokens[6].column, 14U);
  EXPECT_EQ(s.tokens[8].column, 17U);  // the arrow glued to '}'
  EXPECT_EQ(s.tokens[9].text, "10.0.0.0/8");
  EXPECT_EQ(s.tokens[10].text, "tcp/");
  EXPECT_EQ(s.tokens[14].text, "8000-8080");
  EXPECT_EQ(s.tokens.back().text, "x \"y\"");
  EXPECT_EQ(s.tokens.back().end_column, 58U);
}

TEST(RulesLexer, NameGluedToArrowStopsBeforeIt) {
  const LexOutput out = lex("deny 1 corp-it->scada");
  ASSERT_EQ(out.statements.size(), 1U);
  EXPECT_EQ(kinds(out.statements[0]), "www>w");
  EXPECT_EQ(out.statements[0].tokens[2].text, "corp-it");
}

TEST(RulesLexer, CommentsBlankLinesAndContinuations) {
  const LexOutput out =
      lex("# header\n\nzone a critical \\   # why\n   10.0.0.0/8\r\nlist b 1.2.3.4 # c\n");
  ASSERT_TRUE(out.errors.empty());
  ASSERT_EQ(out.statements.size(), 2U);
  EXPECT_EQ(out.statements[0].tokens.size(), 4U);
  EXPECT_EQ(out.statements[0].tokens[3].line, 4U);  // keeps its physical line
  EXPECT_EQ(out.statements[0].tokens[3].column, 4U);
  EXPECT_EQ(out.statements[1].tokens[0].line, 5U);
}

TEST(RulesLexer, ConditionOperatorsAreTokens) {
  const LexOutput out = lex("a == b != c <= d ~ (e)");
  ASSERT_TRUE(out.errors.empty());
  EXPECT_EQ(kinds(out.statements[0]), "wowowowoowo");
}

TEST(RulesLexer, RegexAfterTilde) {
  const LexOutput out = lex("if t ~ /a b\\/(c)\\d/ and u == /x");
  ASSERT_TRUE(out.errors.empty());
  EXPECT_EQ(kinds(out.statements[0]), "wwo/wwow");  // '/' elsewhere stays a word character
  EXPECT_EQ(out.statements[0].tokens[3].text, "a b/(c)\\d");
  EXPECT_EQ(out.statements[0].tokens[3].column, 8U);
  EXPECT_EQ(out.statements[0].tokens.back().text, "/x");
  const LexOutput bad = lex("if t ~ /abc\nzone z other 1.1.1.1\n");
  ASSERT_EQ(bad.errors.size(), 1U);
  EXPECT_EQ(bad.errors[0].message,
            "unterminated regular expression (it ends with '/' on the same line)");
  EXPECT_EQ(bad.errors[0].column, 8U);
  EXPECT_TRUE(bad.statements[0].bad);
  EXPECT_FALSE(bad.statements[1].bad);
}

TEST(RulesLexer, UnterminatedStringIsOneErrorAtTheQuote) {
  const LexOutput out = lex("alert 1 a -> b \"oops\nzone z other 1.1.1.1\n");
  ASSERT_EQ(out.errors.size(), 1U);
  EXPECT_EQ(out.errors[0].line, 1U);
  EXPECT_EQ(out.errors[0].column, 16U);
  ASSERT_EQ(out.statements.size(), 2U);
  EXPECT_TRUE(out.statements[0].bad);
  EXPECT_FALSE(out.statements[1].bad);
}

TEST(RulesLexer, UnexpectedCharactersOncePerStatement) {
  const LexOutput out = lex("allow 1 a -> b % ^\nallow 2 a -> b \x01");
  ASSERT_EQ(out.errors.size(), 2U);
  EXPECT_EQ(out.errors[0].message, "unexpected character '%'");
  EXPECT_EQ(out.errors[0].column, 16U);
  EXPECT_EQ(out.errors[1].message, "unexpected character 0x01");
  EXPECT_EQ(out.errors[1].line, 2U);
}

TEST(RulesLexer, BackslashInsideALine) {
  const LexOutput out = lex("allow 1 a \\ -> b");
  ASSERT_EQ(out.errors.size(), 1U);
  EXPECT_EQ(out.errors[0].message, "'\\' continues a statement only at the end of a line");
  EXPECT_EQ(out.errors[0].column, 11U);
}

TEST(RulesLexer, DollarWithoutName) {
  const LexOutput out = lex("allow 1 $ -> b");
  ASSERT_EQ(out.errors.size(), 1U);
  EXPECT_EQ(out.errors[0].message, "expected a list name after '$'");
  EXPECT_EQ(out.errors[0].column, 9U);
}

TEST(RulesLexer, ContinuationAtEndOfFile) {
  const LexOutput out = lex("zone a other 1.1.1.1 \\");
  EXPECT_TRUE(out.errors.empty());
  ASSERT_EQ(out.statements.size(), 1U);
  EXPECT_EQ(out.statements[0].tokens.size(), 4U);
}

}  // namespace
}  // namespace limen::rules
