#include "probe/flow/tcp_state.h"

namespace limen::flow {

void tcp_advance(TcpTracker& t, Direction dir, std::uint8_t flags) {
  if ((flags & kTcpRst) != 0) {
    t.state = TcpState::Reset;
    return;
  }
  if (tcp_finished(t.state)) return;  // retransmissions and last ACKs change nothing

  const bool syn = (flags & kTcpSyn) != 0;
  const bool ack = (flags & kTcpAck) != 0;
  switch (t.state) {
    case TcpState::None:
      if (syn && !ack) {
        t.state = TcpState::SynSent;
      } else if (syn) {
        t.state = TcpState::SynReceived;  // first packet a SYN-ACK: the client's SYN was missed
      } else if (ack) {
        t.state = TcpState::Established;  // picked up mid-stream
      }
      break;
    case TcpState::SynSent:
      if (syn && ack && dir == Direction::ToClient) {
        t.state = TcpState::SynReceived;
      } else if (!syn && ack) {
        t.state = TcpState::Established;  // the SYN-ACK was not captured, the ACK was
      }
      break;
    case TcpState::SynReceived:
      if (!syn && ack) t.state = TcpState::Established;
      break;
    case TcpState::Established:
    case TcpState::Closing:
    case TcpState::Closed:
    case TcpState::Reset:
      break;
  }

  if ((flags & kTcpFin) != 0) {
    t.fin_seen = static_cast<std::uint8_t>(t.fin_seen | (1U << static_cast<unsigned>(dir)));
    t.state = t.fin_seen == 0x3 ? TcpState::Closed : TcpState::Closing;
  }
}

}  // namespace limen::flow
