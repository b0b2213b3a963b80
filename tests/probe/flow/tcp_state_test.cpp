// The TCP state machine alone: handshakes (complete, SYN-ACK first, mid-stream), closing by FIN
// in either order, RST from any state, and the finished states staying put.

#include "probe/flow/tcp_state.h"

#include <gtest/gtest.h>

#include <vector>

#include "flow_test_util.h"

namespace limen::flow {
namespace {

using test::kAck;
using test::kFinAck;
using test::kPshAck;
using test::kRst;
using test::kSyn;
using test::kSynAck;
constexpr auto kC = Direction::ToServer;  // sent by the client
constexpr auto kS = Direction::ToClient;  // sent by the server

struct Step {
  Direction dir;
  std::uint8_t flags;
  TcpState expect;
};

void run(const std::vector<Step>& steps) {
  TcpTracker t;
  int n = 0;
  for (const auto& s : steps) {
    tcp_advance(t, s.dir, s.flags);
    EXPECT_EQ(tcp_state_name(t.state), tcp_state_name(s.expect)) << "step " << n;
    ++n;
  }
}

TEST(FlowTcpState, FullHandshakeAndClose) {
  run({{kC, kSyn, TcpState::SynSent},
       {kS, kSynAck, TcpState::SynReceived},
       {kC, kAck, TcpState::Established},
       {kC, kPshAck, TcpState::Established},
       {kS, kFinAck, TcpState::Closing},
       {kC, kAck, TcpState::Closing},
       {kC, kFinAck, TcpState::Closed},
       {kS, kAck, TcpState::Closed}});
}

TEST(FlowTcpState, SynRetransmitAndSynAckFromClientChangeNothing) {
  run({{kC, kSyn, TcpState::SynSent},
       {kC, kSyn, TcpState::SynSent},
       {kC, kSynAck, TcpState::SynSent},  // a SYN-ACK must come from the server
       {kS, kSynAck, TcpState::SynReceived},
       {kS, kSynAck, TcpState::SynReceived}});
}

TEST(FlowTcpState, SynAckFirst) {
  run({{kS, kSynAck, TcpState::SynReceived}, {kC, kAck, TcpState::Established}});
}

TEST(FlowTcpState, MidStreamPickup) {
  run({{kC, 0, TcpState::None}, {kS, kPshAck, TcpState::Established}});
}

TEST(FlowTcpState, MissedSynAck) {
  run({{kC, kSyn, TcpState::SynSent}, {kC, kAck, TcpState::Established}});
}

TEST(FlowTcpState, ClientClosesFirst) {
  run({{kC, kAck, TcpState::Established},
       {kC, kFinAck, TcpState::Closing},
       {kC, kFinAck, TcpState::Closing},  // a retransmitted FIN is still one direction
       {kS, kFinAck, TcpState::Closed}});
}

TEST(FlowTcpState, RstFromAnyState) {
  run({{kC, kSyn, TcpState::SynSent}, {kS, kRst | kAck, TcpState::Reset}});
  run({{kC, kAck, TcpState::Established}, {kC, kRst, TcpState::Reset}});
  run({{kC, kFinAck, TcpState::Closing}, {kS, kRst, TcpState::Reset}});
  run({{kC, kFinAck, TcpState::Closing},
       {kS, kFinAck, TcpState::Closed},
       {kS, kRst, TcpState::Reset}});
}

TEST(FlowTcpState, FinishedStatesStay) {
  run({{kC, kRst, TcpState::Reset}, {kC, kPshAck, TcpState::Reset}, {kS, kFinAck,
                                                                        TcpState::Reset}});
  run({{kC, kFinAck, TcpState::Closing},
       {kS, kFinAck, TcpState::Closed},
       {kC, kSynAck, TcpState::Closed}});
}

TEST(FlowTcpState, OpenPredicateAndNames) {
  EXPECT_TRUE(is_tcp_open(kSyn));
  EXPECT_TRUE(is_tcp_open(kSyn | 0x40 | 0x80));  // ECN setup SYN
  EXPECT_FALSE(is_tcp_open(kSynAck));
  EXPECT_FALSE(is_tcp_open(kSyn | kRst));
  EXPECT_EQ(tcp_state_name(TcpState::SynReceived), "syn_received");
  EXPECT_EQ(end_reason_name(EndReason::ActiveTimeout), "active_timeout");
  EXPECT_EQ(end_reason_name(EndReason::Evicted), "evicted");
}

}  // namespace
}  // namespace limen::flow
