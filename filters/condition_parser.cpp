// Parser of rule conditions: a recursive descent over the statement's tokens,
//   or   := and {'or' and}        and := not {'and' not}        not := 'not'
//   not | primary primary := '(' or ')' | FIELD OP VALUE | FIELD 'in' ('{'
//   items '}' | $list)
//            | FIELD '~' /regex/ | FIELD 'matches' "glob"
// so `not` binds tighter than `and`, and `and` tighter than `or`. Names and
// types are checked later by the compiler, which knows the schemas and every
// list.

#include <algorithm>

#include "filters/parse_support.h"
#include "filters/suggest.h"

namespace limen::rules {
namespace {

struct OperatorWord {
  std::string_view text;
  CompareOp op;
};
constexpr OperatorWord kOperators[] = {
    {"==", CompareOp::Eq},       {"!=", CompareOp::Ne},
    {"<", CompareOp::Lt},        {"<=", CompareOp::Le},
    {">", CompareOp::Gt},        {">=", CompareOp::Ge},
    {"in", CompareOp::In},       {"~", CompareOp::Regex},
    {"matches", CompareOp::Glob}};

constexpr std::string_view kExpectedOperator =
    "expected an operator (==, !=, <, <=, >, >=, in, ~ or matches)";

bool is_value_token(const Token &t) {
  return t.kind == Token::Kind::Word || t.kind == Token::Kind::String;
}

ValueItem value_of(const Token &t, const StatementContext &x) {
  return ValueItem{t.kind == Token::Kind::String ? ValueItem::Kind::String
                                                 : ValueItem::Kind::Word,
                   t.text, x.at(t)};
}

class ConditionParser {
public:
  ConditionParser(TokenCursor &c, const StatementContext &x, ConditionAst &out)
      : c_(c), x_(x), out_(out) {}

  bool run(const Token &if_token) {
    if (c_.at_end())
      return x_.fail(x_.at_end(c_),
                     "expected a condition after '" + if_token.text + "'");
    std::uint32_t root = 0;
    return disjunction(root, 0);
  }

private:
  // Consumes the next token and adds it to the normalised text of the
  // condition.
  const Token *take() {
    const Token *t = c_.next();
    if (t == nullptr)
      return nullptr;
    const bool glue_left = t->text == ")" || t->kind == Token::Kind::RBrace ||
                           t->kind == Token::Kind::Comma;
    if (!out_.text.empty() && !glue_left && !glued_)
      out_.text += ' ';
    switch (t->kind) {
    case Token::Kind::String:
      out_.text += '"';
      for (const char ch : t->text) {
        if (ch == '"' || ch == '\\')
          out_.text += '\\';
        out_.text += ch;
      }
      out_.text += '"';
      break;
    case Token::Kind::Regex:
      out_.text += '/';
      for (const char ch : t->text) {
        if (ch == '/')
          out_.text += '\\';
        out_.text += ch;
      }
      out_.text += '/';
      break;
    default:
      out_.text += describe(*t);
    }
    glued_ = t->text == "(" || t->kind == Token::Kind::LBrace;
    return t;
  }

  std::uint32_t add(ConditionAst::Node node) {
    out_.nodes.push_back(std::move(node));
    return static_cast<std::uint32_t>(out_.nodes.size() - 1);
  }
  std::uint32_t add(ConditionAst::Node::Kind kind, std::uint32_t a,
                    std::uint32_t b) {
    ConditionAst::Node node;
    node.kind = kind;
    node.a = a;
    node.b = b;
    return add(std::move(node));
  }

  bool too_deep(std::size_t depth, const Token &t) {
    if (depth < kMaxConditionDepth)
      return false;
    x_.fail(x_.at(t), "the condition is nested too deeply (more than " +
                          std::to_string(kMaxConditionDepth) + " levels)");
    return true;
  }

  bool disjunction(std::uint32_t &out, std::size_t depth) {
    if (!conjunction(out, depth))
      return false;
    while (c_.peek_word("or")) {
      take();
      std::uint32_t right = 0;
      if (!conjunction(right, depth))
        return false;
      out = add(ConditionAst::Node::Kind::Or, out, right);
    }
    return true;
  }

  bool conjunction(std::uint32_t &out, std::size_t depth) {
    if (!negation(out, depth))
      return false;
    while (c_.peek_word("and")) {
      take();
      std::uint32_t right = 0;
      if (!negation(right, depth))
        return false;
      out = add(ConditionAst::Node::Kind::And, out, right);
    }
    return true;
  }

  bool negation(std::uint32_t &out, std::size_t depth) {
    if (!c_.peek_word("not"))
      return primary(out, depth);
    const Token &t = *take();
    if (too_deep(depth + 1, t))
      return false;
    std::uint32_t inner = 0;
    if (!negation(inner, depth + 1))
      return false;
    out = add(ConditionAst::Node::Kind::Not, inner, 0);
    return true;
  }

  bool primary(std::uint32_t &out, std::size_t depth) {
    const Token *t = take();
    if (t == nullptr)
      return x_.fail(x_.at_end(c_),
                     "expected a comparison such as 'operation == read'");
    if (t->kind == Token::Kind::Operator && t->text == "(") {
      if (too_deep(depth + 1, *t))
        return false;
      if (!disjunction(out, depth + 1))
        return false;
      const Token *close = c_.peek();
      if (close == nullptr || close->text != ")" ||
          close->kind != Token::Kind::Operator) {
        const std::string msg = "expected ')' to close the '(' at column " +
                                std::to_string(t->column);
        return close == nullptr
                   ? x_.fail(x_.at_end(c_), msg)
                   : x_.fail(x_.at(*close),
                             msg + ", found '" + describe(*close) + "'");
      }
      take();
      return true;
    }
    if (t->kind != Token::Kind::Word || is_condition_word(t->text))
      return x_.fail(x_.at(*t), "expected a field name (such as operation or "
                                "modbus.function_code) or '(', found '" +
                                    describe(*t) + "'");
    ConditionAst::Node node;
    node.field = t->text;
    node.field_pos = x_.at(*t);
    if (!comparison(*t, node))
      return false;
    out = add(std::move(node));
    return true;
  }

  static bool is_condition_word(std::string_view w) {
    return std::find(std::begin(kConditionWords), std::end(kConditionWords),
                     w) != std::end(kConditionWords);
  }

  bool comparison(const Token &field, ConditionAst::Node &node) {
    const Token *op = take();
    if (op == nullptr)
      return x_.fail(x_.at_end(c_), std::string(kExpectedOperator) +
                                        " after '" + field.text + "'");
    const auto it =
        std::find_if(std::begin(kOperators), std::end(kOperators),
                     [&](const OperatorWord &w) { return w.text == op->text; });
    const bool op_token =
        op->kind == Token::Kind::Operator || op->kind == Token::Kind::Word;
    if (!op_token || it == std::end(kOperators)) {
      if (op->kind == Token::Kind::Operator && op->text == "=")
        return x_.fail(x_.at(*op),
                       "'=' is not an operator (did you mean '=='?)");
      return x_.fail(x_.at(*op), std::string(kExpectedOperator) + " after '" +
                                     field.text + "', found '" + describe(*op) +
                                     "'");
    }
    node.op = it->op;
    node.op_text = op->text;
    node.op_pos = x_.at(*op);
    switch (node.op) {
    case CompareOp::In:
      return set(*op, node);
    case CompareOp::Regex: {
      const Token *v = take();
      if (v == nullptr || v->kind != Token::Kind::Regex)
        return x_.fail(v == nullptr ? x_.at_end(c_) : x_.at(*v),
                       "expected a regular expression /.../ after '~'");
      node.values.push_back({ValueItem::Kind::Regex, v->text, x_.at(*v)});
      return true;
    }
    case CompareOp::Glob: {
      const Token *v = take();
      if (v == nullptr || v->kind != Token::Kind::String)
        return x_.fail(v == nullptr ? x_.at_end(c_) : x_.at(*v),
                       "expected a quoted pattern after 'matches', e.g. "
                       "\"*.example.org\"");
      node.values.push_back(value_of(*v, x_));
      return true;
    }
    default:
      break;
    }
    const Token *v = take();
    if (v == nullptr)
      return x_.fail(x_.at_end(c_),
                     "expected a value after '" + op->text + "'");
    if (v->kind == Token::Kind::LBrace)
      return x_.fail(x_.at(*v), "a set of values goes after 'in', not after '" +
                                    op->text + "'");
    if (!is_value_token(*v))
      return x_.fail(x_.at(*v), "expected a value after '" + op->text +
                                    "', found '" + describe(*v) + "'");
    node.values.push_back(value_of(*v, x_));
    return true;
  }

  bool set(const Token &op, ConditionAst::Node &node) {
    const Token *t = take();
    if (t == nullptr)
      return x_.fail(x_.at_end(c_), "expected '{' or a $list after 'in'");
    if (t->kind == Token::Kind::Variable) {
      node.values.push_back({ValueItem::Kind::List, t->text, x_.at(*t)});
      return true;
    }
    if (t->kind != Token::Kind::LBrace)
      return x_.fail(x_.at(*t), "expected '{' or a $list after '" + op.text +
                                    "', found '" + describe(*t) + "'");
    if (c_.peek_is(Token::Kind::RBrace))
      return x_.fail(x_.at(*t), "empty set '{}'");
    for (;;) {
      const Token *v = take();
      if (v == nullptr)
        return x_.fail(x_.at_end(c_), "expected a value in the set");
      if (!is_value_token(*v))
        return x_.fail(x_.at(*v), "expected a value in the set, found '" +
                                      describe(*v) + "'");
      node.values.push_back(value_of(*v, x_));
      const Token *sep = take();
      if (sep == nullptr)
        return x_.fail(x_.at_end(c_),
                       "expected ',' or '}' to continue the set");
      if (sep->kind == Token::Kind::RBrace)
        return true;
      if (sep->kind != Token::Kind::Comma)
        return x_.fail(x_.at(*sep), "expected ',' or '}' in the set, found '" +
                                        describe(*sep) + "'");
    }
  }

  TokenCursor &c_;
  const StatementContext &x_;
  ConditionAst &out_;
  bool glued_ = false; // the last token was '(' or '{': no space after it
};

} // namespace

bool parse_condition(TokenCursor &c, const StatementContext &x,
                     const Token &if_token, ConditionAst &out) {
  return ConditionParser(c, x, out).run(if_token);
}

bool parse_value_items(TokenCursor &c, const StatementContext &x,
                       std::vector<ValueItem> &out) {
  for (;;) {
    const Token *t = c.next();
    if (t == nullptr)
      return x.fail(x.at_end(c), "expected a value");
    if (!is_value_token(*t))
      return x.fail(
          x.at(*t),
          "expected a value (a number, range, name or string), found '" +
              describe(*t) + "'");
    out.push_back(value_of(*t, x));
    if (c.at_end())
      return true;
    const Token *sep = c.next();
    if (sep->kind != Token::Kind::Comma)
      return x.fail(x.at(*sep), "unexpected '" + describe(*sep) +
                                    "' (separate values with ',')");
  }
}

} // namespace limen::rules
