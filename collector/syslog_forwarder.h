#pragma once
// SyslogForwarder: sends every stored finding to a SIEM as RFC 5424 syslog over TCP (RFC 6587
// octet counting) or TLS (RFC 5425), at least once.
//
// The queue is the database itself: the forwarder reads findings in id order (ids grow with
// storage) through a read-only connection of its own, on a thread of its own, and keeps its
// position — the last id sent and flushed — in a small file beside the database, replaced
// atomically after each batch. A SIEM that is down makes the position wait (retried with a
// back-off) while findings keep being stored; nothing is dropped, and the backlog is counted.
// Only retention can overtake a forwarder that stays down for months: the findings pruned before
// they were sent are counted as lost and logged. After a restart or a reconnect the forwarder
// resends from its position, so a SIEM may see the last batch twice; `seq` tells them apart.
//
// Each message: <PRI>1 TIMESTAMP PROBE limen - KIND - BOM+EVE-JSON, with facility local0 and the
// severity mapped critical -> crit, high -> err, medium -> warning, low -> notice.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>

namespace limen::collector {

struct ForwardTarget {
  std::string host;
  std::uint16_t port = 0;
  bool tls = false;
  std::string ca_file;  // TLS: the CA that signed the SIEM's certificate; empty: the system's
};

// Parses "syslog+tcp://HOST:PORT" or "syslog+tls://HOST:PORT"; empty string on success.
std::string parse_forward_target(const std::string& text, ForwardTarget& out);

struct ForwardCounters {
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> failures{0};  // connections or writes that failed
  std::atomic<std::uint64_t> lost{0};      // pruned by retention before they were sent
  std::atomic<std::uint64_t> backlog{0};   // stored, not yet sent, at the last look
};

class SyslogForwarder {
 public:
  // Starts forwarding the findings of `db_path`. `log` gets one line per change of state
  // (connected, failing, lost findings); it must outlive the forwarder.
  static std::unique_ptr<SyslogForwarder> start(const std::string& db_path,
                                                const ForwardTarget& target, std::ostream* log,
                                                std::string& error);
  ~SyslogForwarder();  // stops after the batch under way
  SyslogForwarder(const SyslogForwarder&) = delete;
  SyslogForwarder& operator=(const SyslogForwarder&) = delete;

  [[nodiscard]] const ForwardCounters& counters() const { return counters_; }
  [[nodiscard]] std::string describe() const;
  // Waits up to `limit` until everything stored so far is sent (for a clean stop, and tests).
  bool drain(std::chrono::milliseconds limit);

  static constexpr std::size_t kBatch = 500;

 private:
  class Connection;
  SyslogForwarder(std::string db_path, ForwardTarget target, std::ostream* log);
  void loop();
  bool step();  // one batch; false when there was nothing to do or it failed
  void say(const std::string& line);
  bool save_position(std::int64_t id);

  std::string db_path_;
  ForwardTarget target_;
  std::ostream* log_;
  std::string position_file_;
  std::int64_t position_ = 0;
  std::unique_ptr<Connection> connection_;
  ForwardCounters counters_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::atomic<bool> idle_{false};  // the last look found nothing left to send
  std::thread thread_;
};

}  // namespace limen::collector
