#pragma once
// The value types of the flow table: directions, TCP states, end reasons, the configuration,
// the per-flow record that events report and the table's counters. All plain data with no heap, so a record can be copied
// out of the table or sit inside a table slot.
//
// Invariants: `client_*` is the endpoint that opened the flow (sender of the first packet, or the
// receiver of a first SYN-ACK); every per-direction array is indexed by Direction.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/ip_address.h"
#include "common/timestamp.h"

namespace limen::flow {

enum class Direction : std::uint8_t { ToServer = 0, ToClient = 1 };

enum class TcpState : std::uint8_t {
  None,         // not TCP, or TCP with neither SYN nor ACK seen yet
  SynSent,      // client SYN seen
  SynReceived,  // server SYN-ACK seen
  Established,  // handshake completed, or picked up mid-stream (first packet carried ACK)
  Closing,      // FIN seen in one direction
  Closed,       // FIN seen in both directions
  Reset,        // RST seen
};

enum class EndReason : std::uint8_t {
  IdleTimeout,
  ActiveTimeout,
  TcpClosed,
  EndOfCapture,
  Evicted,  // ended by a full table to make room for a new flow
};

// "none", "syn_sent", "syn_received", "established", "closing", "closed", "reset".
std::string_view tcp_state_name(TcpState state);
// "idle_timeout", "active_timeout", "tcp_closed", "end_of_capture", "evicted".
std::string_view end_reason_name(EndReason reason);

// Timeouts are microseconds of packet time. A flow ends when it has seen no packet for the
// timeout of its class; an idle timeout of 0 ends it at the next expire(). An active timeout of
// 0 (or less) disables the active timeout.
struct FlowConfig {
  std::size_t max_flows = 262144;
  // A full table ends its least valuable flow for a new one (half-open TCP first, then finished
  // TCP, then the longest idle) instead of leaving the new flow untracked.
  bool evict_when_full = true;
  std::int64_t tcp_half_open_usec = 30 * kUsecPerSecond;  // SYN or SYN-ACK seen, no final ACK
  std::int64_t tcp_idle_usec = 3600 * kUsecPerSecond;
  std::int64_t tcp_closed_usec = 10 * kUsecPerSecond;  // after FIN both ways or RST
  std::int64_t udp_idle_usec = 120 * kUsecPerSecond;
  std::int64_t other_idle_usec = 60 * kUsecPerSecond;
  // A flow older than this is reported (ActiveTimeout) and restarted, as the NetFlow active
  // timeout: same key and attached state, new id, counters from zero.
  std::int64_t active_timeout_usec = 1800 * kUsecPerSecond;
};

struct Flow {
  std::uint64_t id = 0;  // hash of key + first packet time + creation number; 1 .. 2^53 - 1
  IpAddress client_ip, server_ip;
  std::uint16_t client_port = 0, server_port = 0;  // 0 for protocols without ports
  std::uint8_t ip_proto = 0;
  std::array<std::uint16_t, 2> vlan{};  // of the first packet, outer first
  std::uint8_t vlan_count = 0;
  // first_seen: time of the first packet (after an active-timeout restart: of the first packet
  // after it, or the restart time while none came). last_seen never moves back.
  Timestamp first_seen, last_seen;
  std::array<std::uint64_t, 2> packets{}, bytes{};  // by Direction; bytes on the wire
  TcpState tcp_state = TcpState::None;
  std::array<std::uint8_t, 2> tcp_flags{};  // OR of the TCP flags seen, by Direction
};

struct FlowCounters {
  std::uint64_t active = 0;       // flows held now (including those waiting for their end)
  std::uint64_t created = 0;      // flow records started (new flows and restarts)
  std::uint64_t ended = 0;        // flow records ended (on_end and on_evict calls)
  std::uint64_t overflow = 0;     // packets not tracked because the table was full (no eviction)
  std::uint64_t peak = 0;         // most flows held at once
  std::uint64_t restarted = 0;    // active-timeout restarts (in created and ended)
  std::uint64_t port_reused = 0;  // TCP flows ended by a new SYN on the same key
  std::uint64_t evicted = 0;      // flows ended by a full table for a new one (in ended)

  // f(std::string_view name, std::uint64_t value) for every counter, in declaration order.
  template <class F>
  void for_each(F&& f) const {
    visit(*this, f);
  }
  // The same, with each counter by reference (const or not, as `c` is): a sum over workers
  // adds them field by field.
  template <class Self, class F>
  static void visit(Self& c, F&& f) {
    f(std::string_view("active"), c.active);
    f(std::string_view("created"), c.created);
    f(std::string_view("ended"), c.ended);
    f(std::string_view("overflow"), c.overflow);
    f(std::string_view("peak"), c.peak);
    f(std::string_view("restarted"), c.restarted);
    f(std::string_view("port_reused"), c.port_reused);
    f(std::string_view("evicted"), c.evicted);
  }
};

}  // namespace limen::flow
