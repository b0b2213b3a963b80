#pragma once
// A compiled rule condition (`if FIELD == VALUE and ...`): an immutable tree of
// nodes in one vector, built once by the compiler, evaluated against a
// dissect::Transaction.
//
// Invariants: children always precede their parent in `nodes` and the root is
// the last node, so the tree is acyclic and its depth is bounded by the parser
// (kMaxConditionDepth). Every comparison was type-checked at compile time
// against the field's type; every index (field, text, range, regex) is valid.
// matches() neither throws nor allocates (a `~` comparison allocates its
// thread's match scratch once, on that thread's first search; see regex.h).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dissectors/core/transaction.h"
#include "filters/regex.h"

namespace limen::rules {

// How deeply parentheses and `not` may nest; the evaluator recurses once per
// level.
inline constexpr std::size_t kMaxConditionDepth = 32;

enum class CompareOp : std::uint8_t { Eq, Ne, Lt, Le, Gt, Ge, In, Regex, Glob };

// ASCII case-insensitive glob: '*' any run of bytes, '?' one byte. No
// allocation.
bool glob_match(std::string_view pattern, std::string_view text);

struct Condition {
  struct FieldRef {
    bool is_operation =
        false; // the normalised Operation, present on every transaction
    dissect::Protocol protocol = dissect::Protocol::Modbus;
    dissect::FieldType type = dissect::FieldType::Uint;
    std::uint16_t index = 0; // into the protocol's schema
    std::string name;        // checked against the transaction's schema entry
  };
  // Numbers are compared as order-preserving keys: Uint as is, Int with the
  // sign bit flipped, Bool 0/1, an operation as its enum value.
  struct Range {
    std::uint64_t first = 0, last = 0;
  };
  struct Compare {
    FieldRef field;
    CompareOp op = CompareOp::Eq;
    bool text = false; // the value is text (Text fields); else a number key
    std::uint64_t number = 0; // Eq..Ge on numbers
    std::uint32_t first =
        0; // In: ranges[first..+count] or texts[first..+count]; Eq/Ne/Glob
    std::uint32_t count = 0; // on text: texts[first]; Regex: regexes[first]
  };
  struct Node {
    enum class Kind : std::uint8_t { And, Or, Not, Compare };
    Kind kind = Kind::Compare;
    std::uint32_t
        a = 0,
        b = 0; // And/Or: children; Not: a; Compare: index into compares
  };

  std::vector<Node> nodes; // root last
  std::vector<Compare> compares;
  std::vector<Range> ranges; // per `in`: sorted by first, merged
  std::vector<std::string> texts;
  std::vector<Regex> regexes;
  // Protocols whose fields the condition names (bit per dissect::Protocol); 0 =
  // none, then the condition applies to every protocol. A transaction of
  // another protocol never satisfies it.
  std::uint32_t protocols = 0;

  [[nodiscard]] bool matches(const dissect::TransactionView &t) const;

private:
  [[nodiscard]] bool node(std::uint32_t index,
                          const dissect::TransactionView &t) const;
  [[nodiscard]] bool compare(const Compare &c,
                             const dissect::TransactionView &t) const;
  [[nodiscard]] bool number_holds(const Compare &c, std::uint64_t key) const;
  [[nodiscard]] bool text_holds(const Compare &c, std::string_view text) const;
};

} // namespace limen::rules
