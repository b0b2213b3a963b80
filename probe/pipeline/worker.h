#pragma once
// Worker: the packet pipeline of one core, run to completion per packet:
//   decode -> flow table -> application classification -> dissect -> rules -> events.
//
// A worker owns its decoder, flow table, classifier, event writer and counters; workers share
// nothing but the immutable rule programs. Nothing on the per-packet path allocates or copies a
// payload once warm: sessions report typed records (transactions, anomalies), which the worker
// copies compactly into reused arenas and, once the session has returned, writes as events and
// judges; events go, already serialised, into the worker's ring to the output stage, which owns
// every output. Time is packet time: the worker's clock is the latest packet time seen, so
// timeouts and stats are deterministic on replay.
//
// Rules are referenced from a flow by index into the program of the flow's epoch. A new program
// is swapped in between bursts (set_program); each flow is judged again under it at its next
// packet, and only what changed is reported.

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "dissectors/packet/packet_decoder.h"
#include "filters/rules.h"
#include "probe/capture/packet_source.h"
#include "probe/classify/ndpi_classifier.h"
#include "probe/events/eve.h"
#include "probe/flow/flow_table.h"
#include "probe/output/output_stage.h"
#include "probe/pipeline/app_layer.h"
#include "probe/pipeline/l2_layer.h"

namespace limen::pipeline {

// Per-flow state kept inline in the flow table entry: small, since a busy boundary holds a
// million of these.
struct FlowState {
  static constexpr std::uint16_t kNoRule = UINT16_MAX;
  classify::ClassifyState classify;
  std::uint32_t app_slot = AppLayer::kNoSlot;  // application dissector state, if any
  std::int16_t src_zone = rules::kNoZone;
  std::int16_t dst_zone = rules::kNoZone;
  // Rules of the program of `epoch`, by index: the deciding allow/deny rule, and the alert rules
  // already reported (so a re-evaluation does not repeat them).
  std::uint16_t rule = kNoRule;
  std::array<std::uint16_t, rules::kMaxAlertsPerFlow> alerted{};
  std::uint8_t alerted_count = 0;
  std::uint8_t epoch = 0;
  rules::Decision decision = rules::Decision::NotReported;
  bool boundary = false;
  bool decided = false;              // allow/deny verdict final and reported
  bool judges_transactions = false;  // some rule looks at this flow's transactions
  std::uint8_t icmp_type = 0;
  std::uint8_t icmp_code = 0;
  std::uint16_t anomalies = 0;  // anomaly events reported for this flow
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
  std::uint64_t events = 0;         // every event handed to the output stage
  std::array<std::uint64_t, dissect::kProtocolNames.size()> transactions{};  // by protocol
  std::uint64_t anomalies_suppressed = 0;
  std::uint64_t time_jumps = 0;  // packets dated far ahead of the clock, not allowed to move it
  std::uint64_t program_swaps = 0;
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
         classify::NdpiClassifier& classifier, output::EventProducer& events);
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
  // From the application sessions of the flow being processed: copied, handled after the
  // session returns.
  void on_transaction(const dissect::Transaction& transaction) override;
  void on_anomaly(const dissect::Anomaly& anomaly) override;
  // The source being read, asked for drop counters when a stats event is due.
  void set_source(capture::PacketSource* source) { source_ = source; }
  // Between bursts: a new rule program (may be null). Each flow is judged again under it at its
  // next packet or at its end; findings already reported are not repeated.
  void set_program(std::shared_ptr<const rules::RuleProgram> program);
  // Housekeeping between bursts: flow and fragment timeouts, periodic stats, publication of the
  // burst's events.
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
  [[nodiscard]] const flow::FlowTable<FlowState>& flows() const { return *flows_; }
  [[nodiscard]] const rules::RuleProgram* program() const { return program_.get(); }

 private:
  using Entry = flow::FlowTable<FlowState>::Entry;
  struct Judgement;  // what a flow was told before a program swap
  // A record a session reported, waiting for its session to return.
  struct Pending {
    bool anomaly = false;
    Entry* entry = nullptr;         // or
    L2Context* l2 = nullptr;        // an Ethernet-level publisher
    Timestamp ts{};
    // Transaction: its fixed parts, and where its values, text and lists sit in the arenas.
    dissect::TransactionView::Parts parts{};
    std::uint32_t values_at = 0, values_count = 0, text_at = 0, list_at = 0;
    dissect::Anomaly what{};
  };

  Timestamp packet_time(Timestamp ts);
  void on_flow_created(Entry& entry, const decode::DecodedPacket& p);
  [[nodiscard]] rules::FlowFacts facts_of(const Entry& entry, bool app_final) const;
  void judge(Entry& entry, Timestamp ts, bool app_final, const Judgement* before = nullptr);
  void ensure_current(Entry& entry, Timestamp ts);
  void judge_transaction(Entry& entry, Timestamp ts, const dissect::TransactionView& t);
  void report(Entry& entry, Timestamp ts, events::FindingKind kind, const rules::Rule* rule,
              rules::Severity severity, const dissect::TransactionView* transaction = nullptr);
  void end_flow(Entry& entry, flow::EndReason reason);
  void drain_pending();
  [[nodiscard]] dissect::TransactionView view_of(const Pending& p) const;
  [[nodiscard]] events::FlowContext context(const Entry& entry) const;
  void emit(const events::EncodedEvent& event) {
    events_.emit(event);
    ++counters_.events;
  }
  void emit_stats(const capture::CaptureStats& capture);
  void write_stats(events::JsonWriter& w, const capture::CaptureStats& capture) const;
  [[nodiscard]] const rules::RuleProgram* program_of(const FlowState& st) const;
  [[nodiscard]] const rules::Rule* rule_at(const FlowState& st, std::uint16_t index) const;
  [[nodiscard]] std::uint16_t index_of(const rules::Rule* rule) const;

  WorkerConfig config_;
  std::shared_ptr<const rules::RuleProgram> program_;
  // The last few programs by epoch, so that a flow judged under an older one can still name its
  // rules until its next packet.
  static constexpr std::size_t kProgramHistory = 4;
  std::array<std::shared_ptr<const rules::RuleProgram>, kProgramHistory> programs_;
  std::uint8_t epoch_ = 0;
  classify::NdpiClassifier& classifier_;
  output::EventProducer& events_;
  events::EveWriter writer_;
  decode::PacketDecoder decoder_;
  std::unique_ptr<flow::FlowTable<FlowState>> flows_;
  AppLayer app_;
  L2Layer l2_;
  Entry* current_ = nullptr;         // the flow whose session is reporting
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
  // Reused storage of pending records: grown to the largest burst of one packet, then stable.
  std::vector<Pending> pending_;
  std::vector<dissect::Transaction::Value> values_;
  std::vector<char> text_;
  std::vector<std::uint64_t> lists_;
};

}  // namespace limen::pipeline
