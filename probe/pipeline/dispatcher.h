#pragma once
// Dispatcher: the capture side of the pipeline. It receives every packet of the sources, keeps
// the capture's clock (PacketClock), and hands each packet to the worker that owns its flow
// (fan_out.h), along with that clock and the packet's number in the capture. It also decides
// when the capture reaches a stats point and when it ends, and tells every worker.
//
// With one worker, everything runs on the capture thread: the packet goes straight from the
// source's buffer to the worker, with no copy and no queue. With N workers, each worker runs on
// its own thread (limen-worker-I) and owns everything it touches: decoder, flow table, nDPI
// module, application sessions, event ring to the output stage. The dispatcher copies each
// packet once, into that worker's packet ring (single producer, single consumer, no lock),
// with its time and number. A full ring makes a replay wait (nothing is lost by reading more
// slowly) and a live capture drop the packet, counted per worker (worker_queue_drops).
//
// Events therefore do not depend on the number of workers: a flow is seen whole by one worker,
// it ends at the packet (or clock advance) past its deadline in capture order, its id is made
// from the capture's packet number, and each stats event is the sum of every worker's counters
// at the same point of the capture (StatsBoard). Only the order in which different workers'
// events reach the outputs differs.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "probe/capture/packet_source.h"
#include "probe/classify/ndpi_classifier.h"
#include "probe/output/output_stage.h"
#include "probe/pipeline/packet_clock.h"
#include "probe/pipeline/stats_snapshot.h"
#include "probe/pipeline/worker.h"

namespace limen::pipeline {

struct DispatcherConfig {
  std::size_t workers = 1;
  WorkerConfig worker;                   // flows.max_flows is per worker
  classify::ClassifierConfig classifier;  // per worker
  std::int64_t stats_interval_usec = 60 * kUsecPerSecond;  // packet time; 0 = only at the end
  std::size_t event_ring_bytes = std::size_t{64} << 20;     // per worker, to the output stage
  std::size_t packet_ring_bytes = std::size_t{32} << 20;    // per worker, from the capture
  bool lossless = true;  // replay: wait for a worker's room; live: drop and count
  std::uint64_t seed = 0;  // of the fan-out hash
};

class Dispatcher final : public capture::PacketHandler {
 public:
  // Builds every worker: `first` is worker 0's classifier (the one the rules were compiled
  // against), the others are made alike. Null with `error` set when one cannot be made; throws
  // std::bad_alloc when the flow tables cannot be reserved.
  static std::unique_ptr<Dispatcher> create(const DispatcherConfig& config,
                                            std::shared_ptr<const rules::RuleProgram> program,
                                            std::unique_ptr<classify::NdpiClassifier> first,
                                            output::OutputStage& stage, std::string& error);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Starts the worker threads (none with one worker). After the output stage has started.
  void start();
  // The source of the packets that follow (null: none): its link type, and its counters for
  // the periodic stats events (drops, DPDK ports).
  void set_source(capture::PacketSource* source);
  void on_packet(const capture::RawPacket& packet) override;
  // After each burst the source delivered.
  void end_of_burst();
  // A quiet live link: the capture's clock moves to `now` (wall clock).
  void idle(Timestamp now);
  // The end of the run: every flow ends, the final stats event is written, the threads stop.
  void finish(const capture::CaptureStats& capture);

  [[nodiscard]] std::size_t workers() const { return lanes_.size(); }
  [[nodiscard]] std::uint64_t packets() const { return clock_.packets(); }
  [[nodiscard]] std::uint64_t time_jumps() const { return clock_.time_jumps(); }
  [[nodiscard]] std::uint64_t queue_drops() const;
  // Every worker's counters summed; after finish().
  [[nodiscard]] const StatsSnapshot& total() const { return total_; }

 private:
  struct Lane;
  Dispatcher(const DispatcherConfig& config, std::size_t workers);
  [[nodiscard]] StatsMark mark(bool final, const capture::CaptureStats& capture) const;
  void stats_point_if_due();
  // About once a second: the capture's counters for the collectors' heartbeats.
  void publish_health();
  // Sends a control record to every worker (never dropped), and wakes them.
  void broadcast(std::uint8_t code, const void* body, std::size_t size);
  void stop_threads();
  static void run(Lane& lane, StatsBoard& board, std::size_t slot);

  DispatcherConfig config_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  StatsBoard board_;
  PacketClock clock_;
  decode::LinkType link_ = decode::LinkType::Ethernet;
  capture::PacketSource* source_ = nullptr;
  output::CaptureHealth* health_ = nullptr;
  std::chrono::steady_clock::time_point next_health_{};
  Timestamp next_stats_{};
  bool stats_armed_ = false;
  bool finished_ = false;
  StatsSnapshot total_;
};

}  // namespace limen::pipeline
