#pragma once
// Receiver: owns the ZMQ_PULL socket the probes connect to, turns each 4-frame message into a
// wire::Envelope and hands it to the Store. One thread owns the socket and the store.
//
// Bad input never stops it: a message with the wrong frame count, an unknown protocol version,
// an invalid envelope or invalid JSON is counted (and logged, rate-limited) and skipped. On stop
// it first drains every message already queued on the socket, then commits.

#include <zmq.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>

#include "collector/store.h"

namespace limen::collector {

struct ReceiverCounters {
  std::uint64_t messages = 0;      // multipart messages taken off the socket
  std::uint64_t bad_frames = 0;    // frame count other than wire::kFrameCount
  std::uint64_t bad_version = 0;   // protocol frame is not wire::kProtocol
  std::uint64_t bad_envelope = 0;  // probe name, position or event frame invalid
};

class Receiver {
 public:
  // Binds a PULL socket at `endpoint` (tcp://HOST:PORT, tcp://HOST:* or ipc://PATH). On failure
  // returns nullptr with `error` naming the endpoint and the cause.
  static std::unique_ptr<Receiver> bind(const std::string& endpoint, Store& store,
                                        std::string& error);
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;
  ~Receiver();

  // The endpoint actually bound (ZMQ_LAST_ENDPOINT), with the port filled in for tcp://...:*.
  [[nodiscard]] const std::string& endpoint() const { return endpoint_; }

  // Receives until `stop` becomes true (a signal handler or another thread sets it), then drains
  // what is queued and commits. `log` receives one line per problem (rate-limited); nullptr
  // keeps it quiet.
  void run(const std::atomic<bool>& stop, std::ostream* log);

  [[nodiscard]] const ReceiverCounters& counters() const { return counters_; }
  [[nodiscard]] std::uint64_t rejected() const;
  // One line: received, stored per type, duplicates, gaps, rejected (by cause), failed.
  [[nodiscard]] std::string summary() const;

 private:
  enum class Receive : std::uint8_t { Message, Empty, Interrupted, Error };
  // Frames beyond this many are received (to stay in step) but not kept.
  static constexpr std::size_t kKeptFrames = wire::kFrameCount + 1;

  explicit Receiver(Store& store);
  Receive receive_one(std::size_t& frames);
  void handle(std::size_t frames);
  // Receives without waiting until the socket is empty; returns how many messages it took.
  std::uint64_t drain(std::size_t limit);
  void report(const std::string& problem);

  Store& store_;
  void* context_ = nullptr;
  void* socket_ = nullptr;
  std::string endpoint_;
  // Reused for every message: zmq_msg_recv releases the previous content itself.
  std::array<zmq_msg_t, kKeptFrames> parts_{};
  zmq_msg_t overflow_{};
  ReceiverCounters counters_;
  std::ostream* log_ = nullptr;
  std::uint64_t reported_ = 0;
};

}  // namespace limen::collector
