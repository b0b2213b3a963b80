#pragma once
// ZmqOutput: publishes events to a collector over ZeroMQ (PUSH socket, wire format in
// common/wire.h). Replay blocks when the collector is slow, so no event of a capture is lost;
// live capture never blocks the packet path: past the send queue's high-water mark an event is
// dropped and counted. A replay whose collector stays unreachable waits once, for a bounded time,
// then drops and counts too, so a probe never hangs (the delivery guarantee with acknowledgements builds on the sequence
// numbers the wire format already carries).

#include <memory>
#include <string>

#include <zmq.hpp>

#include "probe/output/event_output.h"

namespace limen::output {

struct ZmqOutputConfig {
  std::string endpoint;          // tcp://host:port or ipc://path
  bool block_when_full = true;   // replay: true; live: false
  int high_water_mark = 100000;  // events queued before blocking/dropping
  int linger_ms = 10000;         // at close, how long to wait for queued events to leave
  int block_timeout_ms = 30000;  // replay: longest wait for room before the collector is
                                 // declared unreachable and later events are dropped
};

class ZmqOutput final : public EventOutput {
 public:
  static std::unique_ptr<ZmqOutput> open(const ZmqOutputConfig& config, std::string& error);
  ~ZmqOutput() override;

  void write(std::string_view probe, std::uint64_t run, std::uint64_t seq,
             std::string_view line) override;
  void flush() override {}
  void close() override;
  [[nodiscard]] std::string describe() const override;
  // ZeroMQ accepts an event into its queue; delivery is confirmed only by the collector.
  [[nodiscard]] std::string_view written_verb() const override { return "queued"; }

 private:
  explicit ZmqOutput(const ZmqOutputConfig& config);

  ZmqOutputConfig config_;
  zmq::context_t context_;
  std::unique_ptr<zmq::socket_t> socket_;
  bool unreachable_ = false;  // a blocking send timed out: stop waiting, count drops
};

}  // namespace limen::output
