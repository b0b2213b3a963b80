#pragma once
// Compiler of rule conditions: resolves each field against the schemas the
// dissectors publish (and `operation`), type-checks every value and list
// against its field, and builds the immutable Condition the rule carries.
//
// Invariants: on any error it reports at the offending token and returns null;
// a returned Condition is complete and never changes.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "filters/ast.h"
#include "filters/condition.h"
#include "filters/rules.h"

namespace limen::rules {

struct ConditionScope {
  const std::vector<ProtocolSchema> &schemas;
  // Every list that compiled, by name; value lists and address lists alike.
  const std::map<std::string, const ListDecl *, std::less<>> &lists;
  const std::set<std::string, std::less<>> &broken_lists; // already reported
  DiagnosticSink &sink;
};

std::shared_ptr<const Condition> compile_condition(const ConditionAst &ast,
                                                   const ConditionScope &scope);

} // namespace limen::rules
