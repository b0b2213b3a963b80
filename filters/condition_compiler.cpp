// Condition compiler: ConditionAst -> Condition, with every name resolved and
// every value typed. Errors point at the field, the operator or the value (in a
// list: at the list's item).

#include "filters/condition_compiler.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "filters/suggest.h"

namespace limen::rules {
namespace {

using dissect::FieldType;
using Field = Condition::FieldRef;

constexpr std::uint64_t kSignFlip = std::uint64_t{1} << 63;
constexpr std::size_t kMaxRegexBytes = 512;

std::string operation_list() {
  std::string s;
  for (std::size_t i = 1; i < dissect::kOperationNames.size(); ++i)
    s += (i > 1 ? ", " : "") + std::string(dissect::kOperationNames[i]);
  return s;
}

bool parse_unsigned(std::string_view s, std::uint64_t &out) {
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  const auto [ptr, ec] =
      std::from_chars(s.data(), s.data() + s.size(), out, base);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}

bool parse_signed(std::string_view s, std::int64_t &out) {
  if (!s.empty() && s[0] != '-') {
    std::uint64_t u = 0;
    if (!parse_unsigned(s, u) || u > static_cast<std::uint64_t>(INT64_MAX))
      return false;
    out = static_cast<std::int64_t>(u);
    return true;
  }
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}

bool looks_numeric(std::string_view s) {
  if (!s.empty() && s[0] == '-')
    s.remove_prefix(1);
  return !s.empty() && s[0] >= '0' && s[0] <= '9';
}

bool is_number_type(const Field &f) {
  return !f.is_operation &&
         (f.type == FieldType::Uint || f.type == FieldType::Int ||
          f.type == FieldType::UintList);
}

std::string kind_of(const Field &f) {
  if (f.is_operation)
    return "an operation";
  switch (f.type) {
  case FieldType::Uint:
  case FieldType::Int:
    return "a number";
  case FieldType::UintList:
    return "a list of numbers";
  case FieldType::Bool:
    return "true or false";
  case FieldType::Text:
    break;
  }
  return "text";
}

class ConditionCompiler {
public:
  ConditionCompiler(const ConditionScope &scope) : scope_(scope) {}

  std::shared_ptr<const Condition> run(const ConditionAst &ast) {
    bool ok = true;
    for (const ConditionAst::Node &n : ast.nodes) {
      Condition::Node node;
      node.kind = static_cast<Condition::Node::Kind>(n.kind);
      node.a = n.a;
      node.b = n.b;
      if (n.kind == ConditionAst::Node::Kind::Compare) {
        node.a = static_cast<std::uint32_t>(out_.compares.size());
        Condition::Compare c;
        if (compare(n, c)) {
          out_.compares.push_back(std::move(c));
        } else {
          ok = false;
          out_.compares.emplace_back();
        }
      }
      out_.nodes.push_back(node);
    }
    if (!ok)
      return nullptr;
    return std::make_shared<const Condition>(std::move(out_));
  }

private:
  bool fail(const SourcePos &pos, std::string message) {
    scope_.sink.error(pos, std::move(message));
    return false;
  }

  // A sibling field of the other kind, e.g. modbus.function for
  // modbus.function_code: the likely intent when a name is compared with a
  // number field or a number with a text field.
  std::string_view sibling(const Field &f, bool want_text) const {
    for (const ProtocolSchema &s : scope_.schemas) {
      if (s.protocol != f.protocol)
        continue;
      for (const dissect::FieldSpec &spec : s.fields) {
        if ((spec.type == FieldType::Text) != want_text)
          continue;
        const std::string_view a =
            want_text ? spec.name : std::string_view(f.name);
        const std::string_view b =
            want_text ? std::string_view(f.name) : spec.name;
        // a is the shorter name, b = a + "_something"
        if (b.size() > a.size() + 1 && b.substr(0, a.size()) == a &&
            b[a.size()] == '_')
          return spec.name;
      }
    }
    return {};
  }

  std::optional<Field> resolve(const std::string &name, const SourcePos &pos) {
    if (name == "operation")
      return Field{true, dissect::Protocol::Modbus, FieldType::Uint, 0, name};
    std::vector<std::string_view> names{"operation"};
    bool protocol_known = false;
    const std::string_view prefix =
        std::string_view(name).substr(0, name.find('.'));
    for (const ProtocolSchema &s : scope_.schemas) {
      protocol_known =
          protocol_known || dissect::protocol_name(s.protocol) == prefix;
      for (std::size_t i = 0; i < s.fields.size(); ++i) {
        if (s.fields[i].name == name)
          return Field{false, s.protocol, s.fields[i].type,
                       static_cast<std::uint16_t>(i), name};
        names.push_back(s.fields[i].name);
      }
    }
    const std::string hint = did_you_mean(name, names);
    if (hint.empty() && name.find('.') != std::string::npos && !protocol_known)
      fail(pos, "no dissector publishes field '" + name + "'");
    else
      fail(pos, "unknown field '" + name + "'" + hint);
    return std::nullopt;
  }

  // One value converted to a number key or a text; `allow_range` inside sets
  // and lists.
  bool value(const Field &f, const ValueItem &v, bool allow_range,
             Condition::Range &number, std::string &text) {
    const std::string shown =
        v.kind == ValueItem::Kind::String ? "\"" + v.text + "\"" : v.text;
    if (f.is_operation) {
      const auto op = dissect::operation_from_name(v.text);
      if (!op) {
        std::vector<std::string_view> names(dissect::kOperationNames.begin(),
                                            dissect::kOperationNames.end());
        std::string hint = did_you_mean(v.text, names);
        if (hint.empty())
          hint = " (expected " + operation_list() + ")";
        return fail(v.pos, "unknown operation '" + v.text + "'" + hint);
      }
      number.first = number.last = static_cast<std::uint64_t>(*op);
      return true;
    }
    if (f.type == FieldType::Text) {
      if (v.kind == ValueItem::Kind::Word && looks_numeric(v.text)) {
        const std::string_view other = sibling(f, false);
        return fail(
            v.pos, f.name + " is text; '" + v.text + "' is a number" +
                       (other.empty()
                            ? " (quote it to compare text: \"" + v.text + "\")"
                            : " (did you mean '" + std::string(other) + "'?)"));
      }
      text = v.text;
      return true;
    }
    if (f.type == FieldType::Bool) {
      if (v.kind == ValueItem::Kind::Word &&
          (v.text == "true" || v.text == "1")) {
        number.first = number.last = 1;
        return true;
      }
      if (v.kind == ValueItem::Kind::Word &&
          (v.text == "false" || v.text == "0")) {
        number.first = number.last = 0;
        return true;
      }
      return fail(v.pos, f.name + " is true or false; found '" + shown + "'");
    }
    if (v.kind == ValueItem::Kind::String || !looks_numeric(v.text)) {
      const std::string_view other = sibling(f, true);
      return fail(v.pos,
                  f.name + " is a number; '" + shown + "' is not" +
                      (other.empty()
                           ? " (write a number such as 5 or 0x05)"
                           : " (did you mean '" + std::string(other) + "'?)"));
    }
    const std::size_t dash =
        allow_range ? v.text.find('-', 1) : std::string::npos;
    const std::string_view lo = std::string_view(v.text).substr(0, dash);
    const std::string_view hi = dash == std::string::npos
                                    ? lo
                                    : std::string_view(v.text).substr(dash + 1);
    for (const auto &[part, out] :
         {std::pair{lo, &number.first}, std::pair{hi, &number.last}}) {
      if (f.type == FieldType::Int) {
        std::int64_t s = 0;
        if (!parse_signed(part, s))
          return fail(v.pos, "invalid number '" + std::string(part) + "' for " +
                                 f.name);
        *out = static_cast<std::uint64_t>(s) ^ kSignFlip;
      } else if (!parse_unsigned(part, *out)) {
        return fail(v.pos,
                    "invalid number '" + std::string(part) + "' for " + f.name);
      }
    }
    if (number.first > number.last)
      return fail(v.pos, "range '" + v.text + "' is reversed (did you mean '" +
                             std::string(hi) + "-" + std::string(lo) + "'?)");
    return true;
  }

  // The items of `in {...}` or `in $list`.
  bool items(const ConditionAst::Node &n, std::vector<const ValueItem *> &out) {
    if (n.values.size() != 1 ||
        n.values.front().kind != ValueItem::Kind::List) {
      for (const ValueItem &v : n.values)
        out.push_back(&v);
      return true;
    }
    const ValueItem &ref = n.values.front();
    const auto it = scope_.lists.find(ref.text);
    if (it == scope_.lists.end()) {
      if (scope_.broken_lists.count(ref.text) != 0)
        return false;
      std::vector<std::string_view> names;
      for (const auto &[name, decl] : scope_.lists)
        names.push_back(name);
      return fail(ref.pos, "unknown list '$" + ref.text + "'" +
                               did_you_mean(ref.text, names, "$"));
    }
    if (!it->second->values)
      return fail(
          ref.pos,
          "'$" + ref.text +
              "' is a list of addresses; a condition needs a list of values");
    for (const ValueItem &v : it->second->items)
      out.push_back(&v);
    return true;
  }

  bool compare(const ConditionAst::Node &n, Condition::Compare &c) {
    const auto field = resolve(n.field, n.field_pos);
    if (!field)
      return false;
    const Field &f = *field;
    c.field = f;
    c.op = n.op;
    c.text = !f.is_operation && f.type == FieldType::Text;
    if (!f.is_operation)
      out_.protocols |= 1U << static_cast<unsigned>(f.protocol);
    const std::string op = "'" + n.op_text + "'";
    switch (n.op) {
    case CompareOp::Regex:
    case CompareOp::Glob: {
      if (!c.text)
        return fail(n.op_pos, op + " needs a text field; " + f.name + " is " +
                                  kind_of(f));
      const ValueItem &v = n.values.front();
      if (n.op == CompareOp::Glob) {
        c.first = static_cast<std::uint32_t>(out_.texts.size());
        out_.texts.push_back(v.text);
        return true;
      }
      c.first = static_cast<std::uint32_t>(out_.regexes.size());
      // A rule is read by people: a pattern longer than this is a mistake, not a policy.
      if (v.text.size() > kMaxRegexBytes)
        return fail(v.pos, "regular expression longer than " + std::to_string(kMaxRegexBytes) +
                               " bytes");
      std::string reason;
      std::size_t offset = 0;
      Regex re = Regex::compile(v.text, reason, offset);
      if (!re.valid())
        return fail(v.pos, "invalid regular expression /" + v.text + "/: " + reason +
                               " (at byte " + std::to_string(offset) + " of the pattern)");
      out_.regexes.push_back(std::move(re));
      return true;
    }
    case CompareOp::Lt:
    case CompareOp::Le:
    case CompareOp::Gt:
    case CompareOp::Ge:
      if (!is_number_type(f))
        return fail(n.op_pos, op + " needs a number field; " + f.name + " is " +
                                  kind_of(f));
      break;
    case CompareOp::Eq:
    case CompareOp::Ne:
    case CompareOp::In:
      break;
    }
    if (n.op != CompareOp::In) {
      Condition::Range number;
      std::string text;
      if (!value(f, n.values.front(), false, number, text))
        return false;
      c.number = number.first;
      if (c.text) {
        c.first = static_cast<std::uint32_t>(out_.texts.size());
        out_.texts.push_back(std::move(text));
      }
      return true;
    }
    std::vector<const ValueItem *> list;
    if (!items(n, list))
      return false;
    bool ok = true;
    std::vector<Condition::Range> ranges;
    std::vector<std::string> texts;
    for (const ValueItem *v : list) {
      Condition::Range number;
      std::string text;
      if (!value(f, *v, true, number, text)) {
        ok = false;
        continue;
      }
      if (c.text)
        texts.push_back(std::move(text));
      else
        ranges.push_back(number);
    }
    if (!ok)
      return false;
    if (c.text) {
      c.first = static_cast<std::uint32_t>(out_.texts.size());
      c.count = static_cast<std::uint32_t>(texts.size());
      out_.texts.insert(out_.texts.end(), texts.begin(), texts.end());
      return true;
    }
    std::sort(ranges.begin(), ranges.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
    c.first = static_cast<std::uint32_t>(out_.ranges.size());
    for (const Condition::Range &r : ranges) {
      if (out_.ranges.size() > c.first &&
          r.first <= out_.ranges.back().last + 1 &&
          out_.ranges.back().last != UINT64_MAX) {
        out_.ranges.back().last = std::max(out_.ranges.back().last, r.last);
      } else if (out_.ranges.size() > c.first &&
                 out_.ranges.back().last == UINT64_MAX) {
        continue; // already covers everything above
      } else {
        out_.ranges.push_back(r);
      }
    }
    c.count = static_cast<std::uint32_t>(out_.ranges.size() - c.first);
    return true;
  }

  const ConditionScope &scope_;
  Condition out_;
};

} // namespace

std::shared_ptr<const Condition>
compile_condition(const ConditionAst &ast, const ConditionScope &scope) {
  return ConditionCompiler(scope).run(ast);
}

} // namespace limen::rules
