#pragma once
// Worker: the packet pipeline of one core, run to completion per packet:
//   decode -> flow table -> application classification -> dissect -> rules -> events.
//
// A worker owns its decoder, flow table, classifier, event writer and counters; workers share
// nothing but the immutable rule programs. Nothing on the per-packet path allocates or copies a
// payload once warm: sessions report typed records (transactions, anomalies), which the worker
// copies compactly into reused arenas and, once the session has returned, writes as events and
// judges; events go, already serialised, into the worker's ring to the output stage, which owns
// every output. Time is packet time, given with each packet by the capture side (PacketClock):
// the clock of the whole capture, not of this worker's share of it, so that a flow ends at the
// same packet whatever the number of workers, and a replay is deterministic. Flows end at the
// first packet past their deadline (or at a clock advance), not at a burst boundary.
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
#include "probe/pipeline/packet_clock.h"
#include "probe/pipeline/stats_snapshot.h"

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
  bool flow_events = true;
  AppLayerConfig app;
  std::uint16_t max_anomalies_per_flow = 16;  // more are counted, not reported
};

class Worker final : public capture::PacketHandler, public dissect::TransactionSink {
 public:
  // `program` may be null: no rules, so flows are recorded but nothing is judged.
  Worker(const WorkerConfig& config, std::shared_ptr<const rules::RuleProgram> program,
         classify::NdpiClassifier& classifier, output::EventProducer& events);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // The link type of the packets that follow (changes between replayed files).
  void set_link_type(decode::LinkType link) {
    link_ = link;
    own_clock_.new_input();
  }
  // A packet with its time as the capture's clock admitted it.
  void process(const capture::RawPacket& packet, const PacketTime& time);
  // A worker used on its own (tests, tools): keeps its own clock.
  void on_packet(const capture::RawPacket& packet) override {
    process(packet, own_clock_.admit(packet.ts));
  }
  // From the application sessions of the flow being processed: copied, handled after the
  // session returns.
  void on_transaction(const dissect::Transaction& transaction) override;
  void on_anomaly(const dissect::Anomaly& anomaly) override;
  // Between bursts: a new rule program (may be null). Each flow is judged again under it at its
  // next packet or at its end; findings already reported are not repeated.
  void set_program(std::shared_ptr<const rules::RuleProgram> program);
  // The capture's clock moved on without a packet for this worker (others' packets, or a quiet
  // live link): flows past their deadline end.
  void advance(Timestamp now);
  // Between bursts: the burst's events become visible to the output stage.
  void end_of_burst();
  // A stats point of the capture: this worker's snapshot goes to the board, and the last worker
  // of the round writes the summed stats event.
  void stats_point(StatsBoard& board, std::size_t slot, const StatsMark& mark);
  // The end of the run at `now`: every flow ends; returns this worker's final counters (taken
  // on the worker's thread: some are per thread).
  StatsSnapshot end_run(Timestamp now);
  // Writes a stats event of these counters (summed over the workers, or this worker's own).
  void write_stats_event(const StatsSnapshot& sum, const StatsMark& mark);
  // On its own: ends every flow and writes the final stats event of this worker alone.
  void finish(const capture::CaptureStats& capture);
  // This worker's counters now; on its own thread (some counters are per thread).
  [[nodiscard]] StatsSnapshot snapshot() const;

  [[nodiscard]] const WorkerCounters& counters() const { return counters_; }
  [[nodiscard]] const decode::DecodeCounters& decode_counters() const {
    return decoder_.counters();
  }
  [[nodiscard]] Timestamp clock() const { return clock_; }
  [[nodiscard]] decode::LinkType link_type() const { return link_; }
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
  void end_all_flows();
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
  bool seen_packet_ = false;
  PacketClock own_clock_;  // only when used on its own
  WorkerCounters counters_;
  std::map<std::pair<int, int>, ZonePairLoss> loss_by_zones_;
  // Reused storage of pending records: grown to the largest burst of one packet, then stable.
  std::vector<Pending> pending_;
  std::vector<dissect::Transaction::Value> values_;
  std::vector<char> text_;
  std::vector<std::uint64_t> lists_;
};

}  // namespace limen::pipeline
