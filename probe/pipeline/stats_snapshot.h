#pragma once
// StatsSnapshot: every counter a stats event reports, copied out of one worker at a stats point,
// and summed over the workers off the hot path (each worker owns its counters as plain
// integers). StatsMark: what the capture side adds (its clock, drops, time jumps). StatsBoard:
// where the workers leave their snapshots; the last of a round to arrive sums them and writes
// the one stats event of that round, so a stats event says the same for 1 worker or 8.
//
// Counters are summed, including the peaks (flow.peak, app_layer.classifying_peak): with several
// workers a peak is the sum of each worker's peak, an upper bound of the peak of their sum.

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "common/timestamp.h"
#include "dissectors/packet/decoded_packet.h"
#include "filters/rules.h"
#include "probe/capture/packet_source.h"
#include "probe/classify/ndpi_classifier.h"
#include "probe/events/json_writer.h"
#include "probe/flow/flow_types.h"
#include "probe/output/output_stage.h"
#include "probe/pipeline/app_layer.h"
#include "probe/pipeline/l2_layer.h"
#include "probe/stream/stream_memory.h"

namespace limen::pipeline {

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
  std::uint64_t program_swaps = 0;
};

// Capture-loss evidence summed over the ended TCP flows between two zones (kNoZone: none).
struct ZonePairLoss {
  std::uint64_t flows = 0;
  std::uint64_t seen_bytes = 0;
  std::uint64_t acked_unseen_bytes = 0;
  std::uint64_t gaps = 0;
};

struct StatsSnapshot {
  WorkerCounters worker;
  decode::DecodeCounters decode;
  flow::FlowCounters flows;
  classify::ClassifierCounters classifier;
  AppLayerCounters app;
  stream::StreamCounters stream;
  L2Counters l2;
  // Keyed by (source zone, destination zone); grows only with a new pair, never per packet.
  std::map<std::pair<int, int>, ZonePairLoss> loss_by_zones;
  std::uint64_t regex_limit_hits = 0;
  output::ProducerCounters output;

  StatsSnapshot& operator+=(const StatsSnapshot& other);
};

// Trivially copyable: it travels through the workers' packet rings as bytes.
struct StatsMark {
  Timestamp now;          // the capture's clock at this stats point
  Timestamp first;        // time of the first packet
  bool started = false;   // a packet was seen
  bool final = false;     // the end of the run
  std::uint64_t time_jumps = 0;
  std::uint32_t workers = 1;
  std::uint64_t queue_drops = 0;  // live, N workers: packets dropped, a worker's queue full
  capture::CaptureStats capture;
};

// The stats object of a stats event (docs/events.md names and orders its fields).
void write_stats(events::JsonWriter& w, const StatsSnapshot& s, const StatsMark& mark,
                 const rules::RuleProgram* program);

class StatsBoard {
 public:
  explicit StatsBoard(std::size_t workers) : slots_(workers) {}
  // Worker `slot` reached a stats point: its snapshot waits for the others of the round. The
  // last to arrive gets the sum, and writes the event. Rounds come in the same order from every
  // worker (they follow the capture), so the oldest waiting snapshot of each is of one round.
  std::optional<StatsSnapshot> post(std::size_t slot, StatsSnapshot snapshot);

 private:
  std::mutex mutex_;
  std::vector<std::deque<StatsSnapshot>> slots_;
};

}  // namespace limen::pipeline
