#pragma once
// EveWriter: serialises the EVE-style events (finding, flow, stats, transactions, anomalies)
// straight into one reused buffer. Field names and meanings are documented in docs/events.md;
// change both together.
//
// The writer leaves out "probe" and "seq": the output stage numbers each event for each output
// and inserts them at `insert_at`, right after "event_type", where readers have always found
// them. Per-flow constants (flow id, Community ID, addresses, ports, VLANs) are written once per
// flow into a small cache keyed by the flow table slot, and copied from there into later events.
// No allocation once the buffer and the cache are warm. One writer per worker.

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

#include "common/mapped_memory.h"
#include "common/timestamp.h"
#include "dissectors/core/transaction.h"
#include "filters/rules.h"
#include "probe/events/event_types.h"
#include "probe/events/json_writer.h"
#include "probe/flow/community_id.h"
#include "probe/flow/flow_types.h"

namespace limen::events {

// What the events say about one flow, beyond the flow table's own record.
struct FlowContext {
  static constexpr std::uint32_t kNoCache = UINT32_MAX;
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
  // The flow's slot in its table: the per-flow header is cached under it (kNoCache: not cached).
  std::uint32_t cache_key = kNoCache;
};

enum class FindingKind : std::uint8_t {
  UnauthorizedFlow, DeniedFlow, Alert, UnauthorizedOperation, DeniedOperation
};
std::string_view finding_kind_name(FindingKind kind);

struct Finding {
  FindingKind kind;
  const rules::Rule* rule;  // nullptr: the default policy
  rules::Severity severity;
  const dissect::TransactionView* transaction = nullptr;  // operation findings: what was done
};

// Outcome of the rules for a flow, reported in its flow record.
struct FlowVerdict {
  bool boundary = false;
  rules::Decision decision = rules::Decision::NotReported;
  const rules::Rule* rule = nullptr;
};

// Ethernet-level protocols (GOOSE, Sampled Values) have no flow: their events name the MACs.
struct L2Source {
  std::array<std::uint8_t, 6> src_mac{};
  std::array<std::uint8_t, 6> dst_mac{};
  std::array<std::uint16_t, 2> vlan{};
  std::uint8_t vlan_count = 0;
  std::uint16_t ether_type = 0;
};

// One serialised event: a JSON object without a trailing newline. Valid until the writer's next
// call.
struct EncodedEvent {
  std::string_view json;
  std::uint32_t insert_at = 0;  // where ,"probe":...,"seq":N go
  EventCode code = kFindingEvent;
};

std::string_view ip_proto_name(std::uint8_t proto);  // "TCP", "UDP", "ICMP", "IPv6-ICMP", "47"

class EveWriter {
 public:
  EveWriter();
  ~EveWriter();
  EveWriter(const EveWriter&) = delete;
  EveWriter& operator=(const EveWriter&) = delete;

  EncodedEvent finding(Timestamp ts, const FlowContext& ctx, const Finding& finding);
  EncodedEvent flow(const FlowContext& ctx, const FlowVerdict& verdict, flow::EndReason reason);
  // event_type is the protocol ("modbus"), with the top-level "operation" and an object named
  // after the protocol holding the fields of its schema.
  EncodedEvent transaction(Timestamp ts, const FlowContext& ctx,
                           const dissect::TransactionView& t);
  EncodedEvent anomaly(Timestamp ts, const FlowContext& ctx, const dissect::Anomaly& anomaly);
  EncodedEvent l2_transaction(Timestamp ts, const L2Source& src,
                              const dissect::TransactionView& t);
  EncodedEvent l2_anomaly(Timestamp ts, const L2Source& src, const dissect::Anomaly& anomaly);

  // A stats event: the caller writes the "stats" object's value with the returned writer, then
  // calls end_stats().
  JsonWriter& begin_stats(Timestamp ts);
  EncodedEvent end_stats();

 private:
  struct CachedHeader;
  void begin(Timestamp ts, std::string_view type);
  EncodedEvent end(EventCode code);
  void timestamp(Timestamp ts);
  void flow_fields(const FlowContext& ctx);
  std::size_t write_flow_header(const FlowContext& ctx, char* out);
  void transaction_fields(const dissect::TransactionView& t);
  void l2_fields(const L2Source& src);
  void anomaly_object(const dissect::Anomaly& anomaly, bool with_direction);

  ByteBuffer buf_;
  JsonWriter w_;
  std::uint32_t insert_at_ = 0;
  flow::CommunityIdHasher community_id_;
  MappedMemory cache_memory_;
  CachedHeader* cache_ = nullptr;  // kCacheSize entries, untouched until used
  std::int64_t cached_second_ = INT64_MIN;
  char second_text_[24]{};  // "2026-01-02T03:04:05." of cached_second_
};

}  // namespace limen::events
