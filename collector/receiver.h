#pragma once
// Receiver: owns the ZMQ_ROUTER socket the probes connect to, turns each 4-frame message into a
// wire::Envelope and hands it to the Store, and once the store has committed them acknowledges
// each connection's events (wire.h). One thread owns the socket and the store.
//
// An acknowledgement promises that the event and every earlier one of that connection are in
// the database: it is sent only after a successful commit, and never past an event the store
// failed to keep (that connection gets no further acknowledgement until the event arrives again,
// so the probe's resend brings it back).
//
// Bad input never stops it: a message with the wrong frame count, an unknown protocol version,
// an invalid envelope or invalid JSON is counted (and logged, rate-limited) and skipped. On stop
// it first drains every message already queued on the socket, then commits.

#include <zmq.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "collector/peer_auth.h"
#include "collector/probe_health.h"
#include "collector/store.h"
#include "common/curve_keys.h"

namespace limen::collector {

// Atomic (written by the receiver's thread only) so that others may read them while it runs.
struct ReceiverCounters {
  std::atomic<std::uint64_t> messages{0};      // multipart messages taken off the socket
  std::atomic<std::uint64_t> bad_frames{0};    // frame count other than wire::kFrameCount
  std::atomic<std::uint64_t> bad_version{0};   // protocol frame is not wire::kProtocol
  std::atomic<std::uint64_t> bad_envelope{0};  // probe name, position or event frame invalid
  std::atomic<std::uint64_t> acks{0};          // acknowledgements sent
  std::atomic<std::uint64_t> heartbeats{0};    // heartbeats taken (not stored as events)
  std::atomic<std::uint64_t> bad_heartbeats{0};
  std::atomic<std::uint64_t> health_findings{0};  // findings the collector recorded about probes
};

// Who may connect. CURVE with an allow list, unless plain text was asked for explicitly.
struct ReceiverSecurity {
  bool plain_text = false;  // --insecure: anyone who reaches the endpoint may write
  curve::KeyPair key;       // the collector's own key pair
  curve::AllowList allow;   // probe public keys, each bound to the one name it may write under

  static ReceiverSecurity insecure() {
    ReceiverSecurity s;
    s.plain_text = true;
    return s;
  }
};

// One event's place in its probe's stream. Declared outside Receiver: clang cannot use a nested
// class's default member initialisers (std::optional<T>::emplace()) before the outer class is
// complete.
struct ReceivedPosition {
  std::string probe;
  std::uint64_t run = 0, seq = 0;
};

class Receiver {
 public:
  // Binds a ROUTER socket at `endpoint` (tcp://HOST:PORT, tcp://HOST:* or ipc://PATH), as a
  // CURVE server that accepts only the allow list's keys unless `security` is plain text. On
  // failure returns nullptr with `error` naming the endpoint and the cause.
  static std::unique_ptr<Receiver> bind(const std::string& endpoint, Store& store,
                                        ReceiverSecurity security, std::string& error);
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;
  ~Receiver();

  // The endpoint actually bound (ZMQ_LAST_ENDPOINT), with the port filled in for tcp://...:*.
  [[nodiscard]] const std::string& endpoint() const { return endpoint_; }

  // Receives until `stop` becomes true (a signal handler or another thread sets it), then drains
  // what is queued and commits. `log` receives one line per problem (rate-limited); nullptr
  // keeps it quiet.
  void run(const std::atomic<bool>& stop, std::ostream* log);

  // The name the collector's own findings (probe health) are stored under, and when they are
  // raised. Before run(); it also loads the probes' last heartbeats from the store.
  void set_health(std::string collector_name, HealthOptions options);

  // The collector's wall clock, microseconds since the epoch: what the store records as the time
  // of reception and counts retention from. Tests move it.
  void set_wall_clock(std::function<std::int64_t()> clock) { wall_clock_ = std::move(clock); }

  [[nodiscard]] const ReceiverCounters& counters() const { return counters_; }
  // Refused connections and events by cause; all zero in plain text.
  [[nodiscard]] const AuthCounters& auth_counters() const;
  [[nodiscard]] std::uint64_t rejected() const;
  // One line: received, stored per type, duplicates, gaps, rejected (by cause), failed.
  [[nodiscard]] std::string summary() const;

 private:
  enum class Receive : std::uint8_t { Message, Empty, Interrupted, Error };
  // Frames beyond this many are received (to stay in step) but not kept. Frame 0 is the
  // connection's routing id, which ROUTER puts first.
  static constexpr std::size_t kKeptFrames = wire::kFrameCount + 2;
  // Connections with an acknowledgement due are at most this many; beyond that a connection's
  // events are still stored, and it is acknowledged after its resend.
  static constexpr std::size_t kMaxPeers = 4096;

  using Position = ReceivedPosition;
  struct Peer {
    std::optional<Position> first;  // first event received since the last acknowledgement
    std::optional<Position> due;   // last event received, to acknowledge at the next commit
    std::optional<Position> held;  // an event the store failed to keep: nothing past it
  };

  explicit Receiver(Store& store);
  Receive receive_one(std::size_t& frames);
  void handle(std::size_t frames);
  // Receives without waiting until the socket is empty; returns how many messages it took.
  std::uint64_t drain(std::size_t limit);
  void report(const std::string& problem);
  void note_result(std::string_view peer, const wire::Envelope& envelope, AddResult result);
  // After each chance of a commit: acknowledges what the store committed, or forgets what a
  // failed commit lost.
  void settle();
  void commit_if_due();
  void handle_heartbeat(const std::array<std::string_view, wire::kFrameCount>& views);
  // True when this connection's key is bound to `probe` (always, in plain text).
  bool sender_is(std::string_view probe, const char*& bound);
  // Stores the collector's own findings about probes, and logs them.
  void record(std::vector<HealthFinding>& findings);
  void check_health();
  // Hands the store this process's counts, saved with its next commit.
  void note_run();

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
  std::chrono::steady_clock::time_point log_window_start_{};
  std::uint64_t log_in_window_ = 0, log_suppressed_ = 0;
  std::map<std::string, Peer, std::less<>> peers_;
  std::unique_ptr<PeerAuth> auth_;  // null in plain text
  std::function<std::int64_t()> wall_clock_;
  std::int64_t started_us_ = 0;
  std::string name_ = "limen-collector";
  ProbeHealth health_{HealthOptions{}};
  std::uint64_t own_seq_ = 0;
  std::vector<HealthFinding> health_findings_;
  std::chrono::steady_clock::time_point next_health_check_{};
  std::uint64_t commits_seen_ = 0;
};

}  // namespace limen::collector
