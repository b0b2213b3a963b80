#pragma once
// Builders for the EVE-style JSON events: finding, flow and stats. The field names and meanings
// are documented in docs/events.md; change both together. Builders put "probe" and "seq" right
// after "event_type"; the emitter fills them.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/timestamp.h"
#include "dissectors/core/transaction.h"
#include "filters/rules.h"
#include "probe/events/emitter.h"
#include "probe/flow/flow_table.h"

namespace limen::events {

// What the events say about one flow, beyond the flow table's own record.
struct FlowContext {
  const flow::Flow& flow;
  std::string_view app;       // "modbus", "unknown"
  std::string_view src_zone;  // empty: the address is in no zone
  std::string_view dst_zone;
  std::uint8_t icmp_type = 0;  // first ICMP message of the flow (Community ID needs them)
  std::uint8_t icmp_code = 0;
  // TCP flows under an application dissector: capture-loss evidence from the reassembler.
  bool loss_known = false;
  std::uint64_t seen_bytes = 0;
  std::uint64_t acked_unseen_bytes = 0;
  std::uint64_t gaps = 0;
};

enum class FindingKind : std::uint8_t {
  UnauthorizedFlow, DeniedFlow, Alert, UnauthorizedOperation, DeniedOperation
};
std::string_view finding_kind_name(FindingKind kind);

struct Finding {
  FindingKind kind;
  const rules::Rule* rule;  // nullptr: the default policy
  rules::Severity severity;
  const dissect::Transaction* transaction = nullptr;  // operation findings: what was done
};

// Outcome of the rules for a flow, reported in its flow record.
struct FlowVerdict {
  bool boundary = false;
  rules::Decision decision = rules::Decision::NotReported;
  const rules::Rule* rule = nullptr;
};

std::string_view ip_proto_name(std::uint8_t proto);  // "TCP", "UDP", "ICMP", "IPv6-ICMP", "47"

Json finding_event(Timestamp ts, const FlowContext& ctx, const Finding& finding);
Json flow_event(const FlowContext& ctx, const FlowVerdict& verdict, flow::EndReason reason);
Json stats_event(Timestamp ts, Json stats);
// One application transaction: event_type is the protocol ("modbus"), with the top-level
// "operation" and an object named after the protocol holding the fields of its schema.
Json transaction_event(Timestamp ts, const FlowContext& ctx, const dissect::Transaction& t);
Json anomaly_event(Timestamp ts, const FlowContext& ctx, const dissect::Anomaly& anomaly);

// Ethernet-level protocols (GOOSE, Sampled Values) have no flow: their events name the MACs.
struct L2Source {
  std::array<std::uint8_t, 6> src_mac{};
  std::array<std::uint8_t, 6> dst_mac{};
  std::array<std::uint16_t, 2> vlan{};
  std::uint8_t vlan_count = 0;
  std::uint16_t ether_type = 0;
};
Json l2_transaction_event(Timestamp ts, const L2Source& src, const dissect::Transaction& t);
Json l2_anomaly_event(Timestamp ts, const L2Source& src, const dissect::Anomaly& anomaly);

}  // namespace limen::events
