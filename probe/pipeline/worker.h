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

#include "dissectors/packet/packet_decoder.h"
#include "filters/rules.h"
#include "probe/capture/packet_source.h"
#include "probe/classify/ndpi_classifier.h"
#include "probe/events/emitter.h"
#include "probe/events/eve.h"
#include "probe/flow/flow_table.h"

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
};

struct WorkerConfig {
  decode::DecoderConfig decoder;
  flow::FlowConfig flows;
  std::int64_t stats_interval_usec = 60 * kUsecPerSecond;  // packet time; 0 = only at the end
  bool flow_events = true;
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
};

class Worker final : public capture::PacketHandler {
 public:
  // `program` may be null: no rules, so flows are recorded but nothing is judged.
  Worker(const WorkerConfig& config, std::shared_ptr<const rules::RuleProgram> program,
         classify::NdpiClassifier& classifier, events::EventEmitter& emitter);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // The link type of the packets that follow (changes between replayed files).
  void set_link_type(decode::LinkType link) { link_ = link; }
  void on_packet(const capture::RawPacket& packet) override;
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

  void on_flow_created(Entry& entry, const decode::DecodedPacket& p);
  void judge(Entry& entry, Timestamp ts, bool app_final);
  void report(Entry& entry, Timestamp ts, events::FindingKind kind, const rules::Rule* rule,
              rules::Severity severity);
  void end_flow(Entry& entry, flow::EndReason reason);
  [[nodiscard]] events::FlowContext context(const Entry& entry) const;

  WorkerConfig config_;
  std::shared_ptr<const rules::RuleProgram> program_;
  classify::NdpiClassifier& classifier_;
  events::EventEmitter& emitter_;
  decode::PacketDecoder decoder_;
  std::unique_ptr<flow::FlowTable<FlowState>> flows_;
  decode::LinkType link_ = decode::LinkType::Ethernet;
  decode::DecodedPacket packet_;
  Timestamp clock_{};
  Timestamp first_ts_{};
  Timestamp next_stats_{};
  bool seen_packet_ = false;
  WorkerCounters counters_;
  capture::PacketSource* source_ = nullptr;
};

}  // namespace limen::pipeline
