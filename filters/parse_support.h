#pragma once
// Pieces shared by the statement parser (parser.cpp) and the parsers of rule parts
// (rule_parts.cpp: endpoints, transports, ports, addresses; condition_parser.cpp: conditions
// and value lists), all reading one TokenCursor and reporting through one StatementContext.
//
// Invariants: a parse function returns false exactly when it has reported one error through the
// StatementContext; the caller then abandons the statement.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "filters/ast.h"
#include "filters/lexer.h"

namespace limen::rules {

inline constexpr std::string_view kStatementWords[] = {"zone", "list",    "allow",  "alert",
                                                       "deny", "default", "include"};
inline constexpr std::string_view kZoneKindWords[] = {"critical", "third-party", "other"};
inline constexpr std::string_view kSeverityWords[] = {"low", "medium", "high", "critical"};
inline constexpr std::string_view kTransportWords[] = {"tcp", "udp", "icmp", "icmp6", "any"};
// Words that can never name a zone or a list, since an endpoint or statement reads them otherwise.
inline constexpr std::string_view kReservedWords[] = {"any", "except", "file", "severity", "if",
                                                      "tcp", "udp",    "icmp", "icmp6"};
// Words of conditions: a field may not be named so.
inline constexpr std::string_view kConditionWords[] = {"and", "or", "not", "in", "matches"};

// How a token is quoted back in a message: strings with quotes, lists with '$'.
std::string describe(const Token& t);
// A letter or '_', then letters, digits, '_' or '-'.
bool is_identifier(std::string_view s);
// Names never hold '.', ':' or '/' and never start with a digit; anything that does is an address.
bool looks_like_address(std::string_view s);

// Positions and error reporting for the statement being parsed.
class StatementContext {
 public:
  StatementContext(DiagnosticSink& sink, std::uint32_t file) : sink_(sink), file_(file) {}
  [[nodiscard]] SourcePos at(const Token& t, std::size_t offset = 0) const {
    return {file_, t.line, t.column + static_cast<std::uint32_t>(offset)};
  }
  [[nodiscard]] SourcePos at_end(const TokenCursor& c) const {
    return {file_, c.end_line(), c.end_column()};
  }
  // const: the context is only a view of where the statement is; the sink is what changes.
  bool fail(const SourcePos& pos, std::string message) const {
    sink_.error(pos, std::move(message));
    return false;
  }

 private:
  DiagnosticSink& sink_;
  std::uint32_t file_;
};

// An address or CIDR word, appended to `out`.
bool parse_address(const Token& t, const StatementContext& x, std::vector<AddressItem>& out);
// SRC or DST of a rule: ['!'] (term | '{' ['!'] term {',' ['!'] term} '}').
bool parse_endpoint(TokenCursor& c, const StatementContext& x, EndpointAst& out,
                    const std::string& side);
// tcp | udp | icmp | icmp6 | any | tcp/PORTS, with `t` already consumed; ports sorted.
bool parse_transport(TokenCursor& c, const StatementContext& x, const Token& t, Transport& out);
// COND after `if` (already consumed as `if_token`): comparisons joined by not/and/or and
// parentheses. Stops before the first token that cannot continue the condition.
bool parse_condition(TokenCursor& c, const StatementContext& x, const Token& if_token,
                     ConditionAst& out);
// The values of `list NAME v1, v2, ...`: numbers, ranges, names and strings, separated by ','.
bool parse_value_items(TokenCursor& c, const StatementContext& x, std::vector<ValueItem>& out);

}  // namespace limen::rules
