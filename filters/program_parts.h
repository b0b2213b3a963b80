#pragma once
// What a RuleProgram holds: the compiler fills it, the program only reads it afterwards.
//
// Invariants: `table` maps addresses to indices into `zones`; rules keep file order, which is
// the first-match order of allow/deny; every Endpoint's prefix sets are finalized.

#include <vector>

#include "filters/address_set.h"
#include "filters/rules.h"

namespace limen::rules {

struct RuleProgram::Parts {
  std::vector<Zone> zones;
  ZoneTable table;
  std::vector<Rule> rules;
  bool default_severity_explicit = false;
  Severity default_severity = Severity::Low;
};

}  // namespace limen::rules
