#include "probe/pipeline/l2_layer.h"

#include <functional>
#include <string_view>

#include "dissectors/goose/goose_decoder.h"

namespace limen::pipeline {
namespace {

// (source MAC, Ethertype, APPID, gocbRef or svID) hashed without building a string on the heap.
std::uint64_t publisher_key(const decode::DecodedPacket& p, std::uint16_t appid,
                            std::span<const std::uint8_t> reference) {
  std::array<char, 6 + 2 + 2 + 128> buf{};
  std::size_t n = 0;
  for (auto b : p.src_mac) buf[n++] = static_cast<char>(b);
  buf[n++] = static_cast<char>(p.ether_type >> 8);
  buf[n++] = static_cast<char>(p.ether_type);
  buf[n++] = static_cast<char>(appid >> 8);
  buf[n++] = static_cast<char>(appid);
  for (std::size_t i = 0; i < reference.size() && n < buf.size(); ++i)
    buf[n++] = static_cast<char>(reference[i]);
  return std::hash<std::string_view>{}(std::string_view(buf.data(), n));
}

}  // namespace

void L2Layer::on_frame(const decode::DecodedPacket& p, Timestamp ts,
                       dissect::TransactionSink& sink, L2Context*& context) {
  ++counters_.frames;
  std::uint64_t key = 0;
  if (p.ether_type == kEtherGoose) {
    dissect::goose::GoosePdu pdu;
    const auto r = dissect::goose::decode_goose(p.l2_payload, pdu);
    key = publisher_key(p, pdu.header.appid,
                        r.status == dissect::goose::DecodeStatus::Ok ? pdu.gocb_ref
                                                                     : std::span<const std::uint8_t>());
  } else {
    dissect::goose::SvPdu pdu;
    const auto r = dissect::goose::decode_sv(p.l2_payload, pdu);
    const bool ok = r.status == dissect::goose::DecodeStatus::Ok && pdu.asdu_count > 0;
    key = publisher_key(p, pdu.header.appid,
                        ok ? pdu.asdus[0].sv_id : std::span<const std::uint8_t>());
  }
  std::uint32_t slot = 0;
  if (auto it = index_.find(key); it != index_.end()) {
    slot = it->second;
  } else {
    if (publishers_.size() >= max_publishers_) {
      ++counters_.publishers_not_tracked;
      return;
    }
    Publisher& pub = publishers_.emplace_back();
    pub.context.source = events::L2Source{p.src_mac, p.dst_mac, p.vlan, p.vlan_count, p.ether_type};
    if (p.ether_type == kEtherSv) pub.session.emplace<dissect::goose::SvSession>();
    slot = static_cast<std::uint32_t>(publishers_.size() - 1);
    index_.emplace(key, slot);
    ++counters_.publishers;
  }
  Publisher& pub = publishers_[slot];
  context = &pub.context;
  // A publication travels from the publisher to its subscribers: server to client.
  std::visit([&](auto& s) { (void)s.on_data(dissect::Direction::ToClient, p.l2_payload, ts, sink); },
             pub.session);
  context = nullptr;
}

void L2Layer::close(Timestamp ts, dissect::TransactionSink& sink, L2Context*& context) {
  for (auto& pub : publishers_) {
    context = &pub.context;
    std::visit([&](auto& s) { s.on_close(ts, sink); }, pub.session);
  }
  context = nullptr;
}

}  // namespace limen::pipeline
