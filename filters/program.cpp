#include <algorithm>
#include <cassert>
#include <ostream>

#include "filters/condition.h"
#include "filters/program_parts.h"
#include "filters/rules.h"

namespace limen::rules {
namespace {

enum class AppMatch : std::uint8_t { Yes, No, Unknown };

bool iequals(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return lower(x) == y; });
}

// A rule's APP is judged only on the classifier's final answer: a provisional guess could flip
// an allow into a deny, which would be a finding that later turns out false.
AppMatch app_match(const Rule& rule, const FlowFacts& facts) {
  if (rule.app.empty()) return AppMatch::Yes;
  if (!facts.app_final) return AppMatch::Unknown;
  return iequals(facts.app, rule.app) ? AppMatch::Yes : AppMatch::No;
}

Severity kind_severity(ZoneKind kind) {
  switch (kind) {
    case ZoneKind::Critical:
      return Severity::High;
    case ZoneKind::ThirdParty:
      return Severity::Medium;
    case ZoneKind::Other:
      break;
  }
  return Severity::Low;
}

}  // namespace

std::string_view action_name(Action action) {
  switch (action) {
    case Action::Allow:
      return "allow";
    case Action::Alert:
      return "alert";
    case Action::Deny:
      return "deny";
  }
  return "?";
}

std::string_view severity_name(Severity severity) {
  switch (severity) {
    case Severity::Low:
      return "low";
    case Severity::Medium:
      return "medium";
    case Severity::High:
      return "high";
    case Severity::Critical:
      return "critical";
  }
  return "?";
}

std::string_view zone_kind_name(ZoneKind kind) {
  switch (kind) {
    case ZoneKind::Critical:
      return "critical";
    case ZoneKind::ThirdParty:
      return "third-party";
    case ZoneKind::Other:
      return "other";
  }
  return "?";
}

std::string Diagnostic::to_string() const {
  if (line == 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

bool Endpoint::matches(const IpAddress& address, int zone) const {
  bool hit = false;
  for (const EndpointTerm& t : terms) {
    bool m = true;
    if (t.kind == EndpointTerm::Kind::Zone) m = zone == t.zone;
    if (t.kind == EndpointTerm::Kind::Addresses) m = t.addresses.contains(address);
    if (m != t.negated) {
      hit = true;
      break;
    }
  }
  return hit != negated;
}

bool Transport::matches(std::uint8_t proto, std::uint16_t dst_port) const {
  if (ip_proto != 0 && ip_proto != proto) return false;
  if (ports.empty()) return true;
  for (const PortRange& r : ports) {
    if (dst_port < r.first) return false;  // sorted by first
    if (dst_port <= r.last) return true;
  }
  return false;
}

RuleProgram::RuleProgram(Parts parts) : parts_(std::make_unique<Parts>(std::move(parts))) {}
RuleProgram::~RuleProgram() = default;

int RuleProgram::zone_of(const IpAddress& address) const { return parts_->table.lookup(address); }

const Zone& RuleProgram::zone(int index) const {
  assert(index >= 0 && static_cast<std::size_t>(index) < parts_->zones.size());
  return parts_->zones[static_cast<std::size_t>(index)];
}

std::span<const Zone> RuleProgram::zones() const { return parts_->zones; }
std::span<const Rule> RuleProgram::rules() const { return parts_->rules; }

const Rule* RuleProgram::find_rule(std::uint32_t id) const {
  for (const Rule& r : parts_->rules)
    if (r.id == id) return &r;
  return nullptr;
}

bool RuleProgram::default_severity_explicit() const { return parts_->default_severity_explicit; }
Severity RuleProgram::default_severity() const { return parts_->default_severity; }

Severity RuleProgram::zone_severity(int src_zone, int dst_zone) const {
  Severity s = Severity::Low;
  for (const int z : {src_zone, dst_zone})
    if (z != kNoZone) s = std::max(s, kind_severity(zone(z).kind));
  return s;
}

Verdict RuleProgram::evaluate(const FlowFacts& facts) const {
  Verdict v;
  v.src_zone = zone_of(facts.src);
  v.dst_zone = zone_of(facts.dst);
  v.boundary = v.src_zone != v.dst_zone;  // also true for one zone and no zone
  const Severity derived = zone_severity(v.src_zone, v.dst_zone);
  bool decided = false;
  bool waiting = false;  // an earlier allow/deny rule needs the final app
  for (const Rule& rule : parts_->rules) {
    // Conditional alert/deny rules judge transactions, not the flow: they are collected like
    // alerts, whatever the decision, and never decide.
    const bool per_transaction = rule.action != Action::Allow && rule.has_condition();
    const bool is_alert = rule.action == Action::Alert || per_transaction;
    if (!is_alert && (decided || waiting)) continue;
    if (!rule.transport.matches(facts.ip_proto, facts.dst_port)) continue;
    if (!rule.src.matches(facts.src, v.src_zone) || !rule.dst.matches(facts.dst, v.dst_zone))
      continue;
    const AppMatch app = app_match(rule, facts);
    if (app == AppMatch::No) continue;
    if (app == AppMatch::Unknown) {
      (is_alert ? v.alerts_pending : waiting) = true;
      continue;
    }
    if (per_transaction) {
      if (v.conditional_count == kMaxAlertsPerFlow) {
        v.conditional_truncated = true;
        continue;
      }
      v.conditional[v.conditional_count++] = &rule;
      continue;
    }
    if (is_alert) {
      if (v.alert_count == kMaxAlertsPerFlow) {
        v.alerts_truncated = true;
        continue;
      }
      v.alert_severity[v.alert_count] = rule.severity_explicit ? rule.severity : derived;
      v.alerts[v.alert_count++] = &rule;
      continue;
    }
    decided = true;
    v.rule = &rule;
    v.decision = rule.action == Action::Allow ? Decision::Allowed : Decision::Denied;
    v.severity = rule.severity_explicit ? rule.severity : derived;
  }
  if (waiting) {
    v.pending = true;
    v.decision = Decision::NotReported;
    v.rule = nullptr;
    v.severity = derived;
  } else if (!decided) {
    v.decision = v.boundary ? Decision::Unauthorized : Decision::NotReported;
    v.severity = parts_->default_severity_explicit ? parts_->default_severity : derived;
  }
  return v;
}

TransactionVerdict RuleProgram::evaluate_transaction(const FlowFacts& /*facts*/,
                                                     const Verdict& flow,
                                                     const dissect::TransactionView& t) const {
  // The flow's facts decided which rules apply (they are in `flow`); only the transaction is
  // judged here. `facts` stays in the signature for conditions on flow facts to come.
  TransactionVerdict out;
  const Severity derived = zone_severity(flow.src_zone, flow.dst_zone);
  auto add = [&](const Rule& rule, OperationFindingKind kind) {
    if (out.count == out.findings.size()) {
      out.truncated = true;
      return;
    }
    out.findings[out.count++] = {&rule, kind, rule.severity_explicit ? rule.severity : derived};
  };
  if (flow.decision == Decision::Allowed && flow.rule != nullptr && flow.rule->has_condition() &&
      !flow.rule->condition_holds(t))
    add(*flow.rule, OperationFindingKind::UnauthorizedOperation);
  for (std::size_t i = 0; i < flow.conditional_count; ++i) {
    const Rule& rule = *flow.conditional[i];
    if (!rule.condition_holds(t)) continue;
    add(rule, rule.action == Action::Deny ? OperationFindingKind::DeniedOperation
                                          : OperationFindingKind::Alert);
  }
  out.truncated = out.truncated || flow.conditional_truncated;
  return out;
}

bool Rule::condition_holds(const dissect::TransactionView& t) const {
  return condition_program == nullptr || condition_program->matches(t);
}

std::string_view operation_finding_name(OperationFindingKind kind) {
  switch (kind) {
    case OperationFindingKind::UnauthorizedOperation:
      return "unauthorized operation";
    case OperationFindingKind::Alert:
      return "alert";
    case OperationFindingKind::DeniedOperation:
      return "denied operation";
  }
  return "?";
}

std::string RuleProgram::summary() const {
  std::size_t kinds[3] = {0, 0, 0};
  for (const Zone& z : parts_->zones) ++kinds[static_cast<std::size_t>(z.kind)];
  std::size_t actions[3] = {0, 0, 0};
  for (const Rule& r : parts_->rules) ++actions[static_cast<std::size_t>(r.action)];
  auto count = [](std::size_t n, const char* noun) {
    return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
  };
  std::string s = count(parts_->zones.size(), "zone") + " (" + std::to_string(kinds[0]) +
                  " critical, " + std::to_string(kinds[1]) + " third-party, " +
                  std::to_string(kinds[2]) + " other), " + count(parts_->rules.size(), "rule") +
                  " (" + std::to_string(actions[0]) + " allow, " + std::to_string(actions[1]) +
                  " alert, " + std::to_string(actions[2]) + " deny), default deny severity ";
  s += parts_->default_severity_explicit ? std::string(severity_name(parts_->default_severity))
                                         : std::string("from zones");
  return s;
}

int run_rules_check(const std::filesystem::path& path, const CompileOptions& options,
                    std::ostream& out, std::ostream& err) {
  const CompileResult result = compile_file(path, options);
  if (!result.ok()) {
    for (const Diagnostic& d : result.diagnostics) err << d.to_string() << '\n';
    if (result.diagnostics.empty()) err << path.string() << ": invalid rules\n";
    return 1;
  }
  out << path.string() << ": OK, " << result.program->summary() << '\n';
  return 0;
}

}  // namespace limen::rules
