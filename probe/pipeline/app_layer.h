#pragma once
// AppLayer: the application stage of one worker. For a flow whose server port names a dissector
// (dissectors/registry.h) it keeps a TCP reassembler and the protocol's session in a slot of a
// bounded pool, feeds the session in-order stream bytes (or each UDP datagram), and lets the
// session report transactions and anomalies to the caller's sink.
//
// Slots are not movable (the reassembler holds pool memory), so they live in a deque that grows
// by chunks up to `max_sessions` and are named by index from the flow's state. When the pool is
// full a flow goes undissected and is counted, never a crash.

#include <cstdint>
#include <deque>
#include <variant>
#include <vector>

#include "dissectors/core/transaction.h"
#include "dissectors/bacnet/bacnet_session.h"
#include "dissectors/dnp3/dnp3_session.h"
#include "dissectors/enip/enip_session.h"
#include "dissectors/iec104/iec104_session.h"
#include "dissectors/mms/mms_session.h"
#include "dissectors/modbus/modbus_session.h"
#include "dissectors/mqtt/mqtt_session.h"
#include "dissectors/opcua/opcua_session.h"
#include "dissectors/packet/decoded_packet.h"
#include "dissectors/s7comm/s7comm_session.h"
#include "probe/flow/flow_types.h"
#include "probe/stream/stream_memory.h"
#include "probe/stream/tcp_reassembler.h"

namespace limen::pipeline {

// tcp/102 before its first COTP data unit: S7comm or MMS is not known yet. Set-up TPDUs are
// held for the session chosen later, but no more than this many bytes of one direction: past it
// the flow goes undissected (counted as undecided_abandoned).
struct CotpUndecided {};
inline constexpr std::size_t kCotpUndecidedMaxBytes = 8192;

using AppSession =
    std::variant<std::monostate, CotpUndecided, dissect::modbus::ModbusSession,
                 dissect::dnp3::Dnp3Session, dissect::iec104::Iec104Session,
                 dissect::s7comm::S7commSession, dissect::mms::MmsSession,
                 dissect::enip::EnipSession, dissect::bacnet::BacnetSession,
                 dissect::mqtt::MqttSession, dissect::opcua::OpcuaSession>;

struct AppLayerConfig {
  std::size_t max_sessions = 65536;  // flows dissected at once
  stream::StreamLimits stream;
};

struct AppLayerCounters {
  std::uint64_t attached = 0;
  std::uint64_t pool_exhausted = 0;  // flows left undissected for lack of a slot
  std::uint64_t transactions = 0;
  std::uint64_t anomalies = 0;
  std::uint64_t undecided_abandoned = 0;  // tcp/102 flows with no COTP data unit within the bound
};

class AppLayer {
 public:
  static constexpr std::uint32_t kNoSlot = UINT32_MAX;

  explicit AppLayer(const AppLayerConfig& config);
  ~AppLayer();
  AppLayer(const AppLayer&) = delete;
  AppLayer& operator=(const AppLayer&) = delete;

  // A slot for a new flow whose server listens on `server_port`, or kNoSlot when no dissector
  // applies (or the pool is full).
  std::uint32_t attach(std::uint8_t ip_proto, std::uint16_t server_port);
  // One packet of the flow, in capture order.
  void on_packet(std::uint32_t slot, const decode::DecodedPacket& packet, flow::Direction dir,
                 Timestamp ts, dissect::TransactionSink& sink);
  // The flow ended: delivers what is held, lets the session report unanswered requests, frees
  // the slot.
  void close(std::uint32_t slot, Timestamp ts, dissect::TransactionSink& sink);
  // Frees the slot without reporting (shutdown of a worker).
  void release(std::uint32_t slot);


  [[nodiscard]] stream::CaptureLoss loss(std::uint32_t slot) const {
    return slots_[slot].reassembler.loss();
  }
  [[nodiscard]] AppLayerCounters& counters() { return counters_; }
  [[nodiscard]] const AppLayerCounters& counters() const { return counters_; }
  [[nodiscard]] const stream::StreamCounters& stream_counters() const;

 private:
  struct Slot {
    stream::TcpReassembler reassembler;
    AppSession session;
    dissect::Protocol protocol = dissect::Protocol::Modbus;
    bool tcp = false;
  };

  AppLayerConfig config_;
  stream::StreamMemory memory_;
  std::deque<Slot> slots_;
  std::vector<std::uint32_t> free_;
  AppLayerCounters counters_;
};

}  // namespace limen::pipeline
