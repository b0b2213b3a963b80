#include "probe/pipeline/app_layer.h"

#include "common/byte_reader.h"
#include "dissectors/registry.h"
#include "dissectors/mms/mms_decoder.h"
#include "dissectors/s7comm/tpkt_cotp.h"

namespace limen::pipeline {
namespace {

template <class T>
constexpr bool kIsSession =
    !std::is_same_v<T, std::monostate> && !std::is_same_v<T, CotpUndecided>;

// tcp/102 carries S7comm or MMS. Connection set-up TPDUs say nothing of which, so they are
// skipped until the first DT: S7comm starts its payload with 0x32 (0x72 for S7comm-plus), MMS
// with the ISO session layer or an MMS PDU. Returns false while more bytes are needed.
bool decide_cotp(AppSession& session, std::span<const std::uint8_t> bytes, std::size_t& skip) {
  skip = 0;
  for (;;) {
    const auto frame = dissect::cotp::decode_tpkt(bytes.subspan(skip));
    if (frame.status == dissect::cotp::Status::NeedMore) return false;
    if (frame.status == dissect::cotp::Status::Invalid) {
      // Picked up mid-frame, or garbage: look for a frame further on. If none comes, the
      // reassembler's limit turns the held bytes into a gap.
      ++skip;
      if (skip >= bytes.size()) return false;
      continue;
    }
    const auto tpdu = dissect::cotp::decode_tpdu(frame.tpdu);
    if (tpdu.status == dissect::cotp::Status::Ok &&
        tpdu.tpdu.code == dissect::cotp::TpduCode::Dt && !tpdu.tpdu.user_data.empty()) {
      const auto first = tpdu.tpdu.user_data.front();
      if (first != 0x32 && first != 0x72 && dissect::mms::looks_like_mms(tpdu.tpdu.user_data))
        session.emplace<dissect::mms::MmsSession>();
      else
        session.emplace<dissect::s7comm::S7commSession>();
      return true;
    }
    skip += frame.frame_bytes;
  }
}

// Feeds stream bytes to whichever session the slot holds.
class SessionFeed final : public stream::StreamConsumer {
 public:
  SessionFeed(AppSession& session, dissect::TransactionSink& sink, AppLayerCounters& counters)
      : session_(session), sink_(sink), counters_(counters) {}

  std::size_t on_data(stream::Direction dir, std::span<const std::uint8_t> bytes,
                      Timestamp ts) override {
    const auto d = static_cast<dissect::Direction>(static_cast<std::uint8_t>(dir));
    if (std::holds_alternative<CotpUndecided>(session_)) {
      std::size_t skip = 0;
      // Undecided: hold everything (set-up TPDUs included) so the chosen session sees it all —
      // up to a bound: a peer that never sends a data unit must not pin reassembly memory.
      if (!decide_cotp(session_, bytes, skip)) {
        if (bytes.size() < kCotpUndecidedMaxBytes) return 0;
        session_.emplace<std::monostate>();
        ++counters_.undecided_abandoned;
        return bytes.size();
      }
    }
    return std::visit(
        [&](auto& s) -> std::size_t {
          if constexpr (kIsSession<std::decay_t<decltype(s)>>)
            return s.on_data(d, bytes, ts, sink_);
          else
            return bytes.size();
        },
        session_);
  }
  void on_gap(stream::Direction dir, std::size_t length) override {
    const auto d = static_cast<dissect::Direction>(static_cast<std::uint8_t>(dir));
    std::visit(
        [&](auto& s) {
          if constexpr (kIsSession<std::decay_t<decltype(s)>>) s.on_gap(d, length);
        },
        session_);
  }
  void on_end(stream::Direction) override {}

 private:
  AppSession& session_;
  dissect::TransactionSink& sink_;
  AppLayerCounters& counters_;
};

void start_session(AppSession& session, dissect::Protocol protocol) {
  switch (protocol) {
    case dissect::Protocol::Modbus: session.emplace<dissect::modbus::ModbusSession>(); return;
    case dissect::Protocol::Dnp3: session.emplace<dissect::dnp3::Dnp3Session>(); return;
    case dissect::Protocol::Iec104: session.emplace<dissect::iec104::Iec104Session>(); return;
    // MMS shares tcp/102 with S7comm: decided at the first COTP data unit.
    case dissect::Protocol::S7comm:
    case dissect::Protocol::Mms: session.emplace<CotpUndecided>(); return;
    case dissect::Protocol::Enip: session.emplace<dissect::enip::EnipSession>(); return;
    case dissect::Protocol::Bacnet: session.emplace<dissect::bacnet::BacnetSession>(); return;
    case dissect::Protocol::Mqtt: session.emplace<dissect::mqtt::MqttSession>(); return;
    case dissect::Protocol::Opcua: session.emplace<dissect::opcua::OpcuaSession>(); return;
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
  SessionFeed feed(slot.session, sink, counters_);
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
  SessionFeed feed(slot.session, sink, counters_);
  if (slot.tcp) slot.reassembler.close(ts, memory_, feed);
  std::visit(
      [&](auto& s) {
        if constexpr (kIsSession<std::decay_t<decltype(s)>>) s.on_close(ts, sink);
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
