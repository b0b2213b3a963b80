#pragma once
// The rules language: zones (who is where), allow/alert/deny rules (what may cross) and the
// compiled, immutable RuleProgram the probe evaluates once per flow decision.
//
// Invariants: a RuleProgram is built only by compile_file/compile_text, never changes after, and
// is safe to share between worker threads. evaluate() and evaluate_transaction() neither
// allocate nor throw once warm (a `~` regex makes its thread's match scratch on its first use); the
// Rule pointers they return live as long as the program. Syntax and semantics: docs/rules.md.

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.h"
#include "dissectors/core/transaction.h"
#include "filters/address_set.h"

namespace limen::rules {

enum class Action : std::uint8_t { Allow, Alert, Deny };
enum class Severity : std::uint8_t { Low, Medium, High, Critical };
enum class ZoneKind : std::uint8_t { Critical, ThirdParty, Other };

std::string_view action_name(Action action);
std::string_view severity_name(Severity severity);
std::string_view zone_kind_name(ZoneKind kind);  // "critical" "third-party" "other"

// One compile error; file:line:col point at the offending token (1-based, columns in bytes).
// line 0 means the whole file (e.g. it cannot be opened).
struct Diagnostic {
  std::string file;
  std::uint32_t line = 0, column = 0;
  std::string message;
  [[nodiscard]] std::string to_string() const;  // "file:line:col: message"
};

struct Zone {
  std::string name;
  ZoneKind kind = ZoneKind::Other;
  std::vector<Cidr> addresses;
  std::vector<Cidr> excepts;
  std::string location;  // "site.rules:5"
};

inline constexpr int kNoZone = -1;

// One side of a rule. It matches when any term matches, inverted when `negated` (`!{a, b}`).
struct EndpointTerm {
  enum class Kind : std::uint8_t { Any, Zone, Addresses };
  Kind kind = Kind::Any;
  bool negated = false;  // `!term`
  int zone = kNoZone;    // Kind::Zone
  PrefixSet addresses;   // Kind::Addresses: literal CIDRs or a $list
};
struct Endpoint {
  bool negated = false;
  std::vector<EndpointTerm> terms;  // never empty
  [[nodiscard]] bool matches(const IpAddress& address, int zone) const;
};

// IP protocol and destination (responder) ports. ip_proto 0 = any; no ranges = any port.
struct Transport {
  std::uint8_t ip_proto = 0;
  struct PortRange {
    std::uint16_t first = 0, last = 0;
  };
  std::vector<PortRange> ports;  // sorted, merged
  [[nodiscard]] bool matches(std::uint8_t proto, std::uint16_t dst_port) const;
};

struct Condition;  // filters/condition.h

struct Rule {
  std::uint32_t id = 0;
  Action action = Action::Allow;
  // The rule's `severity` option when severity_explicit; otherwise Low here, and findings take
  // their severity from the zones of the flow (Verdict::severity, Verdict::alert_severity).
  Severity severity = Severity::Low;
  bool severity_explicit = false;
  std::string message;
  std::string app;       // lower case; empty = any application
  std::string location;  // "site.rules:14"
  Endpoint src, dst;
  Transport transport;
  std::string condition;  // the `if` condition as written (spacing normalised); "" = none
  std::shared_ptr<const Condition> condition_program;  // null = no condition
  [[nodiscard]] bool has_condition() const { return condition_program != nullptr; }
  // Whether the transaction satisfies the condition (true for a rule without one).
  [[nodiscard]] bool condition_holds(const dissect::TransactionView& t) const;
};

struct FlowFacts {
  IpAddress src, dst;  // src = initiator (client), dst = responder (server)
  std::uint16_t src_port = 0, dst_port = 0;
  std::uint8_t ip_proto = 0;
  std::string_view app;    // nDPI application name, any case; "" = unknown
  bool app_final = false;  // the classifier will not change its mind
};

enum class Decision : std::uint8_t { NotReported, Allowed, Denied, Unauthorized };
inline constexpr std::size_t kMaxAlertsPerFlow = 16;

struct Verdict {
  bool pending = false;  // the allow/deny decision needs the app: ask again when app_final
  bool boundary = false;
  int src_zone = kNoZone, dst_zone = kNoZone;
  Decision decision = Decision::NotReported;
  const Rule* rule = nullptr;         // the allow/deny rule that decided, if any
  Severity severity = Severity::Low;  // of the Denied/Unauthorized finding
  std::array<const Rule*, kMaxAlertsPerFlow> alerts{};
  std::size_t alert_count = 0;
  bool alerts_truncated = false;
  // Severity of the finding for alerts[i]: the rule's explicit one, or derived from the zones.
  std::array<Severity, kMaxAlertsPerFlow> alert_severity{};
  // An alert rule, or a deny/alert rule with a condition, that has an APP may still match once
  // app_final.
  bool alerts_pending = false;
  // `alert ... if` and `deny ... if` rules that match the flow (addresses, ports, app), in file
  // order. They give no per-flow finding: evaluate_transaction() judges each transaction.
  std::array<const Rule*, kMaxAlertsPerFlow> conditional{};
  std::size_t conditional_count = 0;
  bool conditional_truncated = false;
};

enum class OperationFindingKind : std::uint8_t { UnauthorizedOperation, Alert, DeniedOperation };
std::string_view operation_finding_name(OperationFindingKind kind);  // "unauthorized operation"

struct OperationFinding {
  const Rule* rule = nullptr;
  OperationFindingKind kind = OperationFindingKind::Alert;
  Severity severity = Severity::Low;
};

struct TransactionVerdict {
  std::array<OperationFinding, kMaxAlertsPerFlow> findings{};
  std::size_t count = 0;
  bool truncated = false;  // more findings than fit
};

class RuleProgram {
 public:
  struct Parts;  // what the compiler hands over; defined in program_parts.h
  explicit RuleProgram(Parts parts);
  ~RuleProgram();
  RuleProgram(const RuleProgram&) = delete;
  RuleProgram& operator=(const RuleProgram&) = delete;

  [[nodiscard]] int zone_of(const IpAddress& address) const;  // kNoZone when in none
  [[nodiscard]] const Zone& zone(int index) const;
  [[nodiscard]] std::span<const Zone> zones() const;
  [[nodiscard]] std::span<const Rule> rules() const;
  [[nodiscard]] const Rule* find_rule(std::uint32_t id) const;  // nullptr when absent
  // Severity given by `default deny severity X`, or derived from the zones when absent.
  [[nodiscard]] bool default_severity_explicit() const;
  [[nodiscard]] Severity default_severity() const;
  // The severity a finding gets from the zones alone: critical -> high, third-party -> medium,
  // other or none -> low; the higher of the two endpoints.
  [[nodiscard]] Severity zone_severity(int src_zone, int dst_zone) const;
  [[nodiscard]] Verdict evaluate(const FlowFacts& facts) const;  // no allocation
  // Judges one application transaction of a flow. `flow` is the verdict evaluate() gave for the
  // flow: its deciding allow rule (if it has a condition, a transaction breaking it is an
  // unauthorized operation) and its conditional alert/deny rules. `facts` is the flow's, as
  // given to evaluate(). No allocation (see the regex note above).
  [[nodiscard]] TransactionVerdict evaluate_transaction(const FlowFacts& facts, const Verdict& flow,
                                                        const dissect::TransactionView& t) const;
  // "5 zones (2 critical, 1 third-party, 2 other), 12 rules (8 allow, 2 alert, 2 deny),
  //  default deny severity medium"
  [[nodiscard]] std::string summary() const;

 private:
  std::unique_ptr<Parts> parts_;
};

// The fields one dissector publishes, by which conditions name `proto.field`.
struct ProtocolSchema {
  dissect::Protocol protocol;
  std::span<const dissect::FieldSpec> fields;
};

struct CompileOptions {
  std::vector<std::string> known_apps;  // empty = accept any app name
  // Empty = no protocol fields known: a condition may then name only `operation`.
  std::vector<ProtocolSchema> schemas;
};

struct CompileResult {
  std::shared_ptr<const RuleProgram> program;  // null when errors
  std::vector<Diagnostic> diagnostics;
  [[nodiscard]] bool ok() const { return program != nullptr && diagnostics.empty(); }
};

CompileResult compile_file(const std::filesystem::path& path, const CompileOptions& options = {});
// Includes in `text` are resolved relative to the current directory.
CompileResult compile_text(std::string_view text, std::string_view file_name,
                           const CompileOptions& options = {});

// `limen-probe rules check FILE`: prints each error as file:line:col to `err` and returns 1, or
// prints "FILE: OK, <summary>" to `out` and returns 0.
int run_rules_check(const std::filesystem::path& path, const CompileOptions& options,
                    std::ostream& out, std::ostream& err);

}  // namespace limen::rules
