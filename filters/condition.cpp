// Evaluation of compiled conditions against transactions: no parsing, no
// allocation once warm (see condition.h), absent fields make a comparison false.

#include "filters/condition.h"

#include <algorithm>

namespace limen::rules {
namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::uint64_t key_of(dissect::FieldType type, std::uint64_t raw) {
  // Flipping the sign bit maps int64 order onto uint64 order.
  return type == dissect::FieldType::Int ? raw ^ (std::uint64_t{1} << 63) : raw;
}

} // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  // Greedy with one backtrack point (the last '*'): linear in practice, never
  // exponential.
  std::size_t p = 0, t = 0;
  std::size_t star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() &&
               (pattern[p] == '?' || lower(pattern[p]) == lower(text[t]))) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

bool Condition::matches(const dissect::TransactionView &t) const {
  if (nodes.empty())
    return true;
  if (protocols != 0 &&
      (protocols & (1U << static_cast<unsigned>(t.protocol()))) == 0)
    return false;
  return node(static_cast<std::uint32_t>(nodes.size() - 1), t);
}

bool Condition::node(std::uint32_t index, const dissect::TransactionView &t) const {
  const Node &n = nodes[index];
  switch (n.kind) {
  case Node::Kind::And:
    return node(n.a, t) && node(n.b, t);
  case Node::Kind::Or:
    return node(n.a, t) || node(n.b, t);
  case Node::Kind::Not:
    return !node(n.a, t);
  case Node::Kind::Compare:
    break;
  }
  return compare(compares[n.a], t);
}

bool Condition::number_holds(const Compare &c, std::uint64_t key) const {
  switch (c.op) {
  case CompareOp::Eq:
    return key == c.number;
  case CompareOp::Ne:
    return key != c.number;
  case CompareOp::Lt:
    return key < c.number;
  case CompareOp::Le:
    return key <= c.number;
  case CompareOp::Gt:
    return key > c.number;
  case CompareOp::Ge:
    return key >= c.number;
  case CompareOp::In: {
    const auto *begin = ranges.data() + c.first;
    const auto *end = begin + c.count;
    const auto *it =
        std::upper_bound(begin, end, key, [](std::uint64_t k, const Range &r) {
          return k < r.first;
        });
    return it != begin && key <= std::prev(it)->last;
  }
  case CompareOp::Regex:
  case CompareOp::Glob:
    break;
  }
  return false;
}

bool Condition::text_holds(const Compare &c, std::string_view text) const {
  switch (c.op) {
  case CompareOp::Eq:
    return text == texts[c.first];
  case CompareOp::Ne:
    return text != texts[c.first];
  case CompareOp::In:
    return std::any_of(texts.begin() + c.first,
                       texts.begin() + c.first + c.count,
                       [&](const std::string &s) { return s == text; });
  case CompareOp::Regex:
    return regexes[c.first].search(text);
  case CompareOp::Glob:
    return glob_match(texts[c.first], text);
  default:
    break; // ordering on text is rejected by the compiler
  }
  return false;
}

bool Condition::compare(const Compare &c, const dissect::TransactionView &t) const {
  const FieldRef &f = c.field;
  if (f.is_operation)
    return number_holds(c, static_cast<std::uint64_t>(t.operation()));
  if (t.protocol() != f.protocol)
    return false;
  const auto schema = t.schema();
  // The index was resolved against the schema given at compile time; a
  // dissector built with a different schema must not have its fields read under
  // the wrong name.
  if (f.index >= schema.size() || schema[f.index].name != f.name)
    return false;
  const dissect::TransactionView::Value *v = t.find(f.index);
  if (v == nullptr)
    return false;
  switch (f.type) {
  case dissect::FieldType::Text:
    return text_holds(c, t.text(*v));
  case dissect::FieldType::UintList: {
    const auto list = t.list(*v);
    if (c.op == CompareOp::Ne) // "no element equals": the negation of ==
      return std::none_of(list.begin(), list.end(),
                          [&](std::uint64_t x) { return x == c.number; });
    return std::any_of(list.begin(), list.end(),
                       [&](std::uint64_t x) { return number_holds(c, x); });
  }
  case dissect::FieldType::Uint:
  case dissect::FieldType::Int:
  case dissect::FieldType::Bool:
    break;
  }
  return number_holds(c, key_of(f.type, v->number));
}

} // namespace limen::rules
