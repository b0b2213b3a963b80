#pragma once
// Syntax tree of a rules file set, after includes are expanded in place: what the parser
// produces and the compiler resolves (names, ids, overlaps) into a RuleProgram.
//
// Invariants: every item carries the position of the token a diagnostic about it should point at;
// `files` holds the display names positions refer to. Only well-formed statements are present.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "filters/address_set.h"
#include "filters/condition.h"
#include "filters/rules.h"

namespace limen::rules {

struct SourcePos {
  std::uint32_t file = 0;  // index into Ast::files
  std::uint32_t line = 0, column = 0;
};

struct AddressItem {
  Cidr cidr;
  SourcePos pos;
};

struct ZoneDecl {
  std::string name;
  SourcePos pos;  // the name
  ZoneKind kind = ZoneKind::Other;
  std::vector<AddressItem> addresses, excepts;
};

// A value in a condition or a value list, as written; typed by the compiler against the field.
struct ValueItem {
  enum class Kind : std::uint8_t { Word, String, Regex, List };
  Kind kind = Kind::Word;
  std::string text;  // Word: number, range lo-hi or name; String; Regex: pattern; List: name
  SourcePos pos;
};

struct ListDecl {
  std::string name;
  SourcePos pos;  // the name
  bool values = false;  // a list of values (numbers, names, strings), not of addresses
  std::vector<AddressItem> addresses;
  std::vector<ValueItem> items;  // when `values`
};

// A condition as parsed: nodes in a vector, children before parents, the root last.
struct ConditionAst {
  struct Node {
    enum class Kind : std::uint8_t { And, Or, Not, Compare };
    Kind kind = Kind::Compare;
    std::uint32_t a = 0, b = 0;  // children
    // Compare:
    std::string field;
    SourcePos field_pos;
    CompareOp op = CompareOp::Eq;
    std::string op_text;  // as written, for messages
    SourcePos op_pos;
    std::vector<ValueItem> values;  // one value, or the items of `in {...}`, or one List
  };
  std::vector<Node> nodes;
  std::string text;  // normalised source text, for messages
};

struct EndpointAst {
  struct Term {
    enum class Kind : std::uint8_t { Any, Name, List, Address };
    Kind kind = Kind::Any;
    bool negated = false;
    std::string name;  // Name: a zone; List: the list without '$'
    Cidr cidr;         // Address
    SourcePos pos;
  };
  bool negated = false;
  std::vector<Term> terms;
};

struct RuleDecl {
  std::uint32_t id = 0;
  SourcePos pos;  // the id
  Action action = Action::Allow;
  std::optional<Severity> severity;
  std::string message;
  std::string app;  // as written
  SourcePos app_pos;
  EndpointAst src, dst;
  Transport transport;
  std::optional<ConditionAst> condition;
};

struct DefaultDecl {
  std::optional<Severity> severity;
  SourcePos pos;
};

struct Ast {
  std::vector<std::string> files;
  std::vector<ZoneDecl> zones;
  std::vector<ListDecl> lists;
  std::vector<RuleDecl> rules;  // file order, includes expanded in place
  std::vector<DefaultDecl> defaults;
  // Zones and lists whose declaration had an error: uses of these names are not reported again.
  std::set<std::string, std::less<>> broken_zones, broken_lists;
  // Per file: (first line of a statement, its rank in reading order with includes expanded),
  // so diagnostics from every pass can be sorted the way a reader meets them.
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> reading_order;
};

// Collects diagnostics against Ast::files.
class DiagnosticSink {
 public:
  explicit DiagnosticSink(const Ast& ast) : ast_(ast) {}
  void error(const SourcePos& pos, std::string message) {
    keys_.push_back(pos);
    list_.push_back(Diagnostic{ast_.files.at(pos.file), pos.line, pos.column, std::move(message)});
  }
  void error_in_file(std::string file, std::string message) {
    keys_.push_back(SourcePos{});
    list_.push_back(Diagnostic{std::move(file), 0, 0, std::move(message)});
  }
  [[nodiscard]] std::string location(const SourcePos& pos) const {
    return ast_.files.at(pos.file) + ":" + std::to_string(pos.line);
  }
  [[nodiscard]] bool empty() const { return list_.empty(); }
  // In reading order: by file (as first met), line, column; equal places keep report order.
  std::vector<Diagnostic> take();

 private:
  const Ast& ast_;
  std::vector<Diagnostic> list_;
  std::vector<SourcePos> keys_;
};

}  // namespace limen::rules
