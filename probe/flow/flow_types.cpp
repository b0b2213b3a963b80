#include "probe/flow/flow_types.h"

namespace limen::flow {

std::string_view tcp_state_name(TcpState state) {
  switch (state) {
    case TcpState::None: return "none";
    case TcpState::SynSent: return "syn_sent";
    case TcpState::SynReceived: return "syn_received";
    case TcpState::Established: return "established";
    case TcpState::Closing: return "closing";
    case TcpState::Closed: return "closed";
    case TcpState::Reset: return "reset";
  }
  return "unknown";
}

std::string_view end_reason_name(EndReason reason) {
  switch (reason) {
    case EndReason::IdleTimeout: return "idle_timeout";
    case EndReason::ActiveTimeout: return "active_timeout";
    case EndReason::TcpClosed: return "tcp_closed";
    case EndReason::EndOfCapture: return "end_of_capture";
    case EndReason::Evicted: return "evicted";
  }
  return "unknown";
}

}  // namespace limen::flow
