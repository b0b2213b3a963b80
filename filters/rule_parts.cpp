// Parsers of the parts of a rule: endpoints, transports and ports, and single addresses.

#include <algorithm>
#include <charconv>
#include <optional>

#include "filters/parse_support.h"
#include "filters/suggest.h"

namespace limen::rules {
namespace {

std::optional<std::uint8_t> ip_proto_of(std::string_view w) {
  constexpr std::uint8_t values[] = {6, 17, 1, 58, 0};
  for (std::size_t i = 0; i < std::size(kTransportWords); ++i)
    if (kTransportWords[i] == w) return values[i];
  return std::nullopt;
}

bool parse_number(std::string_view s, std::uint32_t& out) {
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}

bool parse_term(TokenCursor& c, const StatementContext& x, EndpointAst::Term& out,
                const std::string& side) {
  const Token* t = c.next();
  const std::string expected =
      "expected the " + side + " (a zone, address, $list, any, '!' or '{...}')";
  if (t == nullptr) return x.fail(x.at_end(c), expected);
  out.pos = x.at(*t);
  if (t->kind == Token::Kind::Variable) {
    out.kind = EndpointAst::Term::Kind::List;
    out.name = t->text;
    return true;
  }
  if (t->kind != Token::Kind::Word)
    return x.fail(x.at(*t), expected + ", found '" + describe(*t) + "'");
  if (t->text == "any") {
    if (out.negated) return x.fail(x.at(*t), "'!any' matches nothing");
    out.kind = EndpointAst::Term::Kind::Any;
    return true;
  }
  if (looks_like_address(t->text)) {
    std::vector<AddressItem> one;
    if (!parse_address(*t, x, one)) return false;
    out.kind = EndpointAst::Term::Kind::Address;
    out.cidr = one.front().cidr;
    return true;
  }
  if (!is_identifier(t->text)) return x.fail(x.at(*t), expected + ", found '" + t->text + "'");
  out.kind = EndpointAst::Term::Kind::Name;
  out.name = t->text;
  return true;
}

bool parse_port_item(const Token& t, const StatementContext& x, std::size_t offset,
                     std::string_view text, Transport& out) {
  const auto dash = text.find('-');
  const std::string_view a = text.substr(0, dash);
  const std::string_view b = dash == text.npos ? a : text.substr(dash + 1);
  std::uint32_t first = 0, last = 0;
  const std::size_t b_offset = dash == text.npos ? offset : offset + dash + 1;
  if (!parse_number(a, first))
    return x.fail(x.at(t, offset), "invalid port '" + std::string(a) + "'");
  if (!parse_number(b, last))
    return x.fail(x.at(t, b_offset), "invalid port '" + std::string(b) + "'");
  if (first > 65535)
    return x.fail(x.at(t, offset), "port " + std::string(a) + " is out of range (0-65535)");
  if (last > 65535)
    return x.fail(x.at(t, b_offset), "port " + std::string(b) + " is out of range (0-65535)");
  if (first > last)
    return x.fail(x.at(t, offset), "port range '" + std::string(text) +
                                       "' is reversed (did you mean '" + std::string(b) + "-" +
                                       std::string(a) + "'?)");
  out.ports.push_back({static_cast<std::uint16_t>(first), static_cast<std::uint16_t>(last)});
  return true;
}

}  // namespace

bool parse_address(const Token& t, const StatementContext& x, std::vector<AddressItem>& out) {
  const CidrParse p = parse_cidr(t.text);
  if (!p.ok) return x.fail(x.at(t, p.error_offset), p.error);
  out.push_back({p.cidr, x.at(t)});
  return true;
}

bool parse_endpoint(TokenCursor& c, const StatementContext& x, EndpointAst& out,
                    const std::string& side) {
  bool negated = false;
  if (c.peek_is(Token::Kind::Bang)) {
    c.next();
    negated = true;
  }
  if (!c.peek_is(Token::Kind::LBrace)) {
    EndpointAst::Term one;
    one.negated = negated;
    if (!parse_term(c, x, one, side)) return false;
    out.terms.push_back(std::move(one));
    return true;
  }
  const Token& open = *c.next();
  out.negated = negated;
  for (;;) {
    EndpointAst::Term item;
    if (c.peek_is(Token::Kind::Bang)) {
      c.next();
      item.negated = true;
    }
    if (c.peek_is(Token::Kind::LBrace)) return x.fail(x.at(*c.peek()), "groups cannot be nested");
    if (c.peek_is(Token::Kind::RBrace) && out.terms.empty() && !item.negated)
      return x.fail(x.at(open), "empty group '{}'");
    if (!parse_term(c, x, item, side)) return false;
    out.terms.push_back(std::move(item));
    const Token* t = c.next();
    if (t == nullptr) return x.fail(x.at_end(c), "expected ',' or '}' to continue the group");
    if (t->kind == Token::Kind::RBrace) return true;
    if (t->kind != Token::Kind::Comma)
      return x.fail(x.at(*t), "expected ',' or '}' in the group, found '" + describe(*t) + "'");
  }
}

bool parse_transport(TokenCursor& c, const StatementContext& x, const Token& t, Transport& out) {
  const auto slash = t.text.find('/');
  const std::string proto = t.text.substr(0, slash);
  const auto ip_proto = ip_proto_of(proto);
  if (!ip_proto)
    return x.fail(x.at(t),
                  "unknown transport '" + proto + "'" + did_you_mean(proto, kTransportWords));
  out.ip_proto = *ip_proto;
  if (slash == std::string::npos) return true;
  if (proto != "tcp" && proto != "udp")
    return x.fail(x.at(t), "ports need tcp or udp, not '" + proto + "'");
  const std::string_view ports = std::string_view(t.text).substr(slash + 1);
  if (!ports.empty()) {
    if (!parse_port_item(t, x, slash + 1, ports, out)) return false;
  } else if (c.peek_is(Token::Kind::LBrace)) {
    c.next();
    for (;;) {
      const Token* p = c.next();
      if (p == nullptr) return x.fail(x.at_end(c), "expected a port or port range");
      if (p->kind != Token::Kind::Word)
        return x.fail(x.at(*p), "expected a port or port range, found '" + describe(*p) + "'");
      if (!parse_port_item(*p, x, 0, p->text, out)) return false;
      const Token* sep = c.next();
      if (sep == nullptr) return x.fail(x.at_end(c), "expected ',' or '}' to continue the ports");
      if (sep->kind == Token::Kind::RBrace) break;
      if (sep->kind != Token::Kind::Comma)
        return x.fail(x.at(*sep),
                      "expected ',' or '}' in the ports, found '" + describe(*sep) + "'");
    }
  } else {
    return x.fail(x.at(t, slash + 1),
                  "expected a port, a port range or '{' after '" + proto + "/'");
  }
  if (c.peek_is(Token::Kind::Comma))
    return x.fail(x.at(*c.peek()), "several ports go in braces, e.g. " + proto + "/{80,443}");
  std::sort(out.ports.begin(), out.ports.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return true;
}

std::string describe(const Token& t) {
  switch (t.kind) {
    case Token::Kind::String:
      return "\"" + t.text + "\"";
    case Token::Kind::Variable:
      return "$" + t.text;
    default:
      return t.text;
  }
}

bool is_identifier(std::string_view s) {
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (s.empty() || !alpha(s[0])) return false;
  return std::all_of(s.begin(), s.end(),
                     [&](char c) { return alpha(c) || (c >= '0' && c <= '9') || c == '-'; });
}

bool looks_like_address(std::string_view s) {
  return !s.empty() && ((s[0] >= '0' && s[0] <= '9') || s.find_first_of(".:/") != s.npos);
}

}  // namespace limen::rules
