#pragma once
// The TCP connection state machine of the flow table, kept apart from the table so it can be
// tested on its own. It follows flags only (no sequence numbers): a passive probe sees packets
// that the endpoints may never accept, so this is an observation of the conversation, not a
// reconstruction of either endpoint's state.
//
// Invariants: RST always leads to Reset; Closed and Reset are left only by the table starting a
// new flow (port reuse); FIN in both directions leads to Closed whatever came before.

#include <cstdint>

#include "probe/flow/flow_types.h"

namespace limen::flow {

// TCP header flag bits as the decoder reports them (RFC 9293 section 3.1).
inline constexpr std::uint8_t kTcpFin = 0x01;
inline constexpr std::uint8_t kTcpSyn = 0x02;
inline constexpr std::uint8_t kTcpRst = 0x04;
inline constexpr std::uint8_t kTcpAck = 0x10;

struct TcpTracker {
  TcpState state = TcpState::None;
  std::uint8_t fin_seen = 0;  // bit (1 << Direction) set once that direction sent a FIN
};

// Moves `t` on by one packet of direction `dir` carrying `flags`.
void tcp_advance(TcpTracker& t, Direction dir, std::uint8_t flags);

// A SYN without ACK: the opening of a connection (a new one if the old one is over).
[[nodiscard]] constexpr bool is_tcp_open(std::uint8_t flags) {
  return (flags & (kTcpSyn | kTcpAck | kTcpRst)) == kTcpSyn;
}

// Closed or Reset: the connection is over, and the short tcp_closed timeout applies.
[[nodiscard]] constexpr bool tcp_finished(TcpState s) {
  return s == TcpState::Closed || s == TcpState::Reset;
}

// A handshake under way (SYN, or SYN-ACK, and no final ACK yet): most such flows of a busy
// boundary are scans and floods, so the table gives them a short timeout and evicts them first.
[[nodiscard]] constexpr bool tcp_half_open(TcpState s) {
  return s == TcpState::SynSent || s == TcpState::SynReceived;
}

}  // namespace limen::flow
