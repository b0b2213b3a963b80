#pragma once
// PeerAuth: decides who may connect to the collector, on the receiver's own thread.
//
// - A ZAP handler (ZeroMQ's authentication protocol, RFC 27) answers every CURVE handshake:
//   a probe whose public key is in the allow list is accepted, and the name bound to its key
//   becomes the connection's User-Id, which the receiver compares with the name each event
//   claims. Any other key is refused.
// - A socket monitor sees the handshakes that fail before ZAP is asked: a plain-text client,
//   a client that does not hold the collector's public key, bytes that are not ZeroMQ. The
//   monitor reports no peer address for those, so the address is taken when the connection is
//   accepted and matched through the socket descriptor when it is closed.
//
// Every refusal is counted by cause and reported (the receiver rate-limits its log); peer
// bytes in a report are escaped. Both sockets are polled by the receiver's loop: a handshake
// waits for this thread, never for a lock.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/curve_keys.h"

namespace limen::collector {

// Atomic (relaxed, written by the receiver's thread only) so that others may read them live.
struct AuthCounters {
  std::atomic<std::uint64_t> accepted{0};     // handshakes whose key was listed
  std::atomic<std::uint64_t> unknown_key{0};  // a CURVE client whose key is not in the allow list
  std::atomic<std::uint64_t> handshake{0};    // plain text, wrong collector key, not ZeroMQ, cut short
  std::atomic<std::uint64_t> wrong_name{0};   // events claiming a name not bound to the sender's key
  [[nodiscard]] std::uint64_t refused() const { return unknown_key + handshake + wrong_name; }
};

class PeerAuth {
 public:
  using Report = std::function<void(const std::string&)>;

  // Binds the ZAP handler in `context`; do it before any socket of that context binds.
  static std::unique_ptr<PeerAuth> start(void* context, curve::AllowList allow, Report report,
                                         std::string& error);
  PeerAuth(const PeerAuth&) = delete;
  PeerAuth& operator=(const PeerAuth&) = delete;
  ~PeerAuth();

  // Watches `socket`'s connections for failed handshakes.
  bool watch(void* socket, std::string& error);

  [[nodiscard]] void* zap_socket() const { return zap_; }
  [[nodiscard]] void* monitor_socket() const { return monitor_; }
  // Serve what waits on each socket, without blocking.
  void serve_zap();
  void serve_monitor();

  [[nodiscard]] AuthCounters& counters() { return counters_; }
  [[nodiscard]] const AuthCounters& counters() const { return counters_; }

 private:
  PeerAuth(void* context, curve::AllowList allow, Report report);
  void on_event(std::uint16_t event, std::uint32_t value);

  void* context_;
  void* zap_ = nullptr;
  void* monitor_ = nullptr;
  curve::AllowList allow_;
  Report report_;
  AuthCounters counters_;
  // Peer address of each open connection, by socket descriptor.
  std::map<int, std::string> peers_;
  std::string pending_failure_;  // the reason of a failed handshake, until its disconnect
};

}  // namespace limen::collector
