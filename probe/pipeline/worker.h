#pragma once
// Worker: the packet pipeline of one core, run to completion per packet:
//   decode -> flow table -> application classification -> rules verdict -> events.
//
// A worker owns its decoder, flow table, classifier and counters; workers share nothing but the
// immutable rule program. Nothing on the per-packet path allocates or copies a payload: the
// flow table and the nDPI pool are preallocated/bounded, and events (which do allocate) happen
// per flow, not per packet. Time is packet time: the worker's clock is the latest packet time
// seen, so timeouts and stats are deterministic on replay.

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>

#include "dissectors/packet/packet_decoder.h"
#include "filters/rules.h"
#include "probe/capture/packet_source.h"
#include "probe/classify/ndpi_classifier.h"
#include "probe/events/emitter.h"
#include "probe/events/eve.h"
#include "probe/flow/flow_table.h"
#include "probe/pipeline/app_layer.h"
#include "probe/pipeline/l2_layer.h"

namespace limen::pipeline {

// Per-flow state kept inline in the flow table entry.
struct FlowState {
  classify::ClassifyState classify;
  int src_zone = rules::kNoZone;
  int dst_zone = rules::kNoZone;
  bool boundary = false;
  bool decided = false;  // allow/deny verdict final and reported
  rules::Decision decision = rules::Decision::NotReported;
  const rules::Rule* rule = nullptr;
  std::uint8_t icmp_type = 0;
  std::uint8_t icmp_code = 0;
  // Alert rules already reported for this flow, so a re-evaluation does not repeat them.
  std::array<const rules::Rule*, rules::kMaxAlertsPerFlow> alerted{};
  std::uint8_t alerted_count = 0;
  std::uint32_t app_slot = AppLayer::kNoSlot;  // application dissector state, if any
  std::uint16_t anomalies = 0;                  // anomaly events reported for this flow
};

struct WorkerConfig {
  decode::DecoderConfig decoder;
  flow::FlowConfig flows;
  std::int64_t stats_interval_usec = 60 * kUsecPerSecond;  // packet time; 0 = only at the end
  bool flow_events = true;
  AppLayerConfig app;
  std::uint16_t max_anomalies_per_flow = 16;  // more are counted, not reported
};

struct WorkerCounters {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;          // wire bytes
  std::uint64_t captured_bytes = 0;
  std::array<std::uint64_t, 5> decode_status{};  // by decode::DecodeStatus
  std::uint64_t untracked = 0;      // IP packets not tracked (flow table full)
  std::uint64_t findings = 0;
  std::map<std::uint32_t, std::uint64_t> findings_by_rule;  // rule id (0 = default policy)
  std::uint64_t flow_events = 0;
  std::uint64_t stats_events = 0;
  std::array<std::uint64_t, dissect::kProtocolNames.size()> transactions{};  // by protocol
  std::uint64_t anomalies_suppressed = 0;
  std::uint64_t time_jumps = 0;  // packets dated far ahead of the clock, not allowed to move it
};

// Capture-loss evidence summed over the ended TCP flows between two zones (kNoZone: none).
struct ZonePairLoss {
  std::uint64_t flows = 0;
  std::uint64_t seen_bytes = 0;
  std::uint64_t acked_unseen_bytes = 0;
  std::uint64_t gaps = 0;
};

class Worker final : public capture::PacketHandler, public dissect::TransactionSink {
 public:
  // `program` may be null: no rules, so flows are recorded but nothing is judged.
  Worker(const WorkerConfig& config, std::shared_ptr<const rules::RuleProgram> program,
         classify::NdpiClassifier& classifier, events::EventEmitter& emitter);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // The link type of the packets that follow (changes between replayed files). A new input may
  // start at any time: its first packet may move the clock without confirmation.
  void set_link_type(decode::LinkType link) {
    link_ = link;
    trust_next_jump_ = true;
  }
  void on_packet(const capture::RawPacket& packet) override;
  // From the application sessions of the flow being processed.
  void on_transaction(const dissect::Transaction& transaction) override;
  void on_anomaly(const dissect::Anomaly& anomaly) override;
  // The source being read, asked for drop counters when a stats event is due.
  void set_source(capture::PacketSource* source) { source_ = source; }
  // Housekeeping between bursts: flow and fragment timeouts, periodic stats.
  void end_of_burst();
  // Live capture with no traffic: lets timeouts run on the wall clock while the link is quiet.
  void advance_clock(Timestamp now) { clock_ = std::max(clock_, now); }
  // Ends every flow (end of capture or shutdown) and emits the final stats event.
  void finish(const capture::CaptureStats& capture);

  [[nodiscard]] const WorkerCounters& counters() const { return counters_; }
  [[nodiscard]] const decode::DecodeCounters& decode_counters() const {
    return decoder_.counters();
  }
  [[nodiscard]] Timestamp clock() const { return clock_; }
  [[nodiscard]] Timestamp first_packet_time() const { return first_ts_; }
  // The statistics object of stats events (also used for the end-of-run summary).
  [[nodiscard]] events::Json stats_json(const capture::CaptureStats& capture) const;
  [[nodiscard]] const flow::FlowTable<FlowState>& flows() const { return *flows_; }

 private:
  using Entry = flow::FlowTable<FlowState>::Entry;

  Timestamp packet_time(Timestamp ts);
  void on_flow_created(Entry& entry, const decode::DecodedPacket& p);
  [[nodiscard]] rules::FlowFacts facts_of(const Entry& entry, bool app_final) const;
  void judge(Entry& entry, Timestamp ts, bool app_final);
  void judge_transaction(Entry& entry, const dissect::Transaction& t);
  void report(Entry& entry, Timestamp ts, events::FindingKind kind, const rules::Rule* rule,
              rules::Severity severity, const dissect::Transaction* transaction = nullptr);
  void end_flow(Entry& entry, flow::EndReason reason);
  [[nodiscard]] events::FlowContext context(const Entry& entry) const;

  WorkerConfig config_;
  std::shared_ptr<const rules::RuleProgram> program_;
  classify::NdpiClassifier& classifier_;
  events::EventEmitter& emitter_;
  decode::PacketDecoder decoder_;
  std::unique_ptr<flow::FlowTable<FlowState>> flows_;
  AppLayer app_;
  L2Layer l2_;
  Entry* current_ = nullptr;  // the flow whose session is reporting
  L2Context* current_l2_ = nullptr;  // or the Ethernet-level publisher
  Timestamp current_ts_{};
  decode::LinkType link_ = decode::LinkType::Ethernet;
  decode::DecodedPacket packet_;
  Timestamp clock_{};
  Timestamp first_ts_{};
  Timestamp next_stats_{};
  bool seen_packet_ = false;
  bool trust_next_jump_ = true;
  std::optional<Timestamp> jump_candidate_;  // a far-ahead time waiting for a second witness
  WorkerCounters counters_;
  // Keyed by (source zone, destination zone); grows only with a new pair, never per packet.
  std::map<std::pair<int, int>, ZonePairLoss> loss_by_zones_;
  capture::PacketSource* source_ = nullptr;
};

}  // namespace limen::pipeline
