#include "probe/pipeline/app_layer.h"

#include "dissectors/registry.h"

namespace limen::pipeline {
namespace {

// Feeds stream bytes to whichever session the slot holds.
class SessionFeed final : public stream::StreamConsumer {
 public:
  SessionFeed(AppSession& session, dissect::TransactionSink& sink) : session_(session), sink_(sink) {}

  std::size_t on_data(stream::Direction dir, std::span<const std::uint8_t> bytes,
                      Timestamp ts) override {
    const auto d = static_cast<dissect::Direction>(static_cast<std::uint8_t>(dir));
    return std::visit(
        [&](auto& s) -> std::size_t {
          if constexpr (std::is_same_v<std::decay_t<decltype(s)>, std::monostate>)
            return bytes.size();
          else
            return s.on_data(d, bytes, ts, sink_);
        },
        session_);
  }
  void on_gap(stream::Direction dir, std::size_t length) override {
    const auto d = static_cast<dissect::Direction>(static_cast<std::uint8_t>(dir));
    std::visit(
        [&](auto& s) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(s)>, std::monostate>)
            s.on_gap(d, length);
        },
        session_);
  }
  void on_end(stream::Direction) override {}

 private:
  AppSession& session_;
  dissect::TransactionSink& sink_;
};

void start_session(AppSession& session, dissect::Protocol protocol) {
  switch (protocol) {
    case dissect::Protocol::Modbus: session.emplace<dissect::modbus::ModbusSession>(); return;
    case dissect::Protocol::Dnp3: session.emplace<dissect::dnp3::Dnp3Session>(); return;
    case dissect::Protocol::Iec104: session.emplace<dissect::iec104::Iec104Session>(); return;
    case dissect::Protocol::S7comm: session.emplace<dissect::s7comm::S7commSession>(); return;
    default: session.emplace<std::monostate>(); return;
  }
}

}  // namespace

AppLayer::AppLayer(const AppLayerConfig& config) : config_(config), memory_(config.stream) {}

AppLayer::~AppLayer() {
  for (auto& s : slots_) s.reassembler.reset(memory_);
}

std::uint32_t AppLayer::attach(std::uint8_t ip_proto, std::uint16_t server_port) {
  const auto* info = dissect::find_dissector(ip_proto, server_port);
  if (info == nullptr) return kNoSlot;
  std::uint32_t index = kNoSlot;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else if (slots_.size() < config_.max_sessions) {
    slots_.emplace_back();
    index = static_cast<std::uint32_t>(slots_.size() - 1);
  } else {
    ++counters_.pool_exhausted;
    return kNoSlot;
  }
  Slot& slot = slots_[index];
  slot.protocol = info->protocol;
  slot.tcp = ip_proto == decode::kProtoTcp;
  start_session(slot.session, info->protocol);
  ++counters_.attached;
  return index;
}

void AppLayer::on_packet(std::uint32_t index, const decode::DecodedPacket& p, flow::Direction dir,
                         Timestamp ts, dissect::TransactionSink& sink) {
  Slot& slot = slots_[index];
  SessionFeed feed(slot.session, sink);
  if (slot.tcp) {
    const stream::TcpSegment segment{static_cast<stream::Direction>(static_cast<std::uint8_t>(dir)),
                                     p.tcp_seq, p.tcp_ack, p.tcp_flags, p.payload, ts};
    slot.reassembler.on_segment(segment, memory_, feed);
    return;
  }
  // A datagram is a whole message unit: what the session leaves unconsumed is dropped.
  if (!p.payload.empty())
    (void)feed.on_data(static_cast<stream::Direction>(static_cast<std::uint8_t>(dir)), p.payload,
                       ts);
}

void AppLayer::close(std::uint32_t index, Timestamp ts, dissect::TransactionSink& sink) {
  Slot& slot = slots_[index];
  SessionFeed feed(slot.session, sink);
  if (slot.tcp) slot.reassembler.close(ts, memory_, feed);
  std::visit(
      [&](auto& s) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(s)>, std::monostate>)
          s.on_close(ts, sink);
      },
      slot.session);
  release(index);
}

void AppLayer::release(std::uint32_t index) {
  Slot& slot = slots_[index];
  slot.reassembler.reset(memory_);
  slot.session.emplace<std::monostate>();
  free_.push_back(index);
}

const stream::StreamCounters& AppLayer::stream_counters() const {
  return memory_.counters();
}

}  // namespace limen::pipeline
