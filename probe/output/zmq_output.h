#pragma once
// ZmqOutput: delivers events to one collector over ZeroMQ (DEALER socket, wire format in
// common/wire.h), at least once. Every event is first appended to the output's spool (spool.h)
// and leaves it only when the collector acknowledges it, after storing it. Events are sent in
// order, at most `window` unacknowledged at a time; when no acknowledgement comes for
// `ack_timeout` (the collector died, the connection broke and took its queue with it), the
// socket is made again and everything unacknowledged is sent again. The collector stores each
// (probe, run, seq) once, so the resends cost bandwidth, never duplicates.
//
// Live capture never waits: when the spool is full its policy drops the oldest or refuses the
// new event, counted. A replay waits for room (at most `block_timeout`) before the policy
// applies. At close, the output waits at most `drain_timeout` for the collector to acknowledge
// everything, then says exactly how many events stay in the spool for the next run.

#include <chrono>
#include <memory>
#include <string>

#include <zmq.hpp>

#include "common/curve_keys.h"
#include "probe/output/capture_health.h"
#include "probe/output/event_output.h"
#include "probe/output/spool.h"

namespace limen::output {

struct ZmqOutputConfig {
  std::string endpoint;         // tcp://host:port or ipc://path
  SpoolConfig spool;            // spool.dir: one folder per collector
  bool block_when_full = true;  // replay: true; live: false
  std::size_t window = 20000;   // events sent and not yet acknowledged
  std::chrono::milliseconds ack_timeout{5000};
  std::chrono::milliseconds block_timeout{30000};
  std::chrono::milliseconds drain_timeout{60000};
  // Heartbeats (common/wire.h) every interval (0: none), and once at close.
  std::chrono::milliseconds heartbeat_interval{5000};
  std::string probe;          // the name and run the heartbeats are sent under
  std::uint64_t run = 0;
  const CaptureHealth* health = nullptr;  // the capture's counters, when there is a capture
  // CURVE client: the collector's public key and this probe's pair. Without it, plain text.
  bool curve = false;
  curve::Key server_key{};
  curve::KeyPair key;
};

class ZmqOutput final : public EventOutput {
 public:
  static std::unique_ptr<ZmqOutput> open(const ZmqOutputConfig& config, std::string& error);
  ~ZmqOutput() override;

  void write(std::string_view probe, std::uint64_t run, std::uint64_t seq,
             std::string_view line) override;
  void flush() override;
  void close() override;
  [[nodiscard]] std::string describe() const override;
  [[nodiscard]] std::string_view written_verb() const override { return "spooled"; }
  [[nodiscard]] const Spool* spool() const { return spool_.get(); }

 private:
  explicit ZmqOutput(const ZmqOutputConfig& config);
  bool connect(std::string& error);
  // Takes the acknowledgements waiting, then sends what the window allows. Never blocks.
  void pump();
  // Resends everything unacknowledged on a new connection when the collector stays silent.
  void check_timeout(std::chrono::steady_clock::time_point now);
  // Waits up to `ms` for an acknowledgement or room to send, then pumps.
  void wait_and_pump(int ms);
  void publish_counters();
  // Reads the socket monitor: a collector that refuses this probe's handshake is said so at
  // close, and the drain does not wait for acknowledgements that cannot come.
  void read_monitor();
  // Sends a heartbeat now, best effort: never queued, never spooled.
  void send_heartbeat(bool ended);

  ZmqOutputConfig config_;
  zmq::context_t context_;
  std::unique_ptr<zmq::socket_t> socket_;
  std::unique_ptr<zmq::socket_t> monitor_;
  std::uint64_t sockets_made_ = 0;
  std::string refused_;  // why the last handshake failed; empty once one succeeds
  std::uint64_t last_seq_ = 0;  // the last sequence number written to this output
  std::chrono::steady_clock::time_point next_heartbeat_{};
  std::unique_ptr<Spool> spool_;
  std::chrono::steady_clock::time_point last_progress_{};
  std::uint64_t resends_ = 0, stale_acks_ = 0;
  bool closed_ = false;
};

}  // namespace limen::output
