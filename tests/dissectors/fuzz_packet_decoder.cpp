// libFuzzer target for the packet decoder. The first input byte picks the link type; the rest is
// split into frames at a 2-byte length prefix each, so one input can carry a train of fragments
// through a decoder kept across calls (its state is bounded, which is part of what is tested).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "dissectors/packet/packet_decoder.h"

namespace {

constexpr std::array<limen::decode::LinkType, 9> kLinks{
    limen::decode::LinkType::Null,     limen::decode::LinkType::Ethernet,
    limen::decode::LinkType::Raw,      limen::decode::LinkType::Loop,
    limen::decode::LinkType::LinuxSll, limen::decode::LinkType::RawIpv4,
    limen::decode::LinkType::RawIpv6,  limen::decode::LinkType::LinuxSll2,
    static_cast<limen::decode::LinkType>(195)};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Small limits so overflow and eviction paths are reached quickly.
  static limen::decode::PacketDecoder decoder(limen::decode::DecoderConfig{
      .max_datagrams = 8, .max_bytes = 64U << 10, .fragment_timeout_usec = 1'000'000});
  if (size == 0) return 0;
  std::span<const std::uint8_t> in(data, size);
  const auto link = kLinks[in[0] % kLinks.size()];
  in = in.subspan(1);
  std::int64_t usec = 0;
  limen::decode::DecodedPacket out;
  while (!in.empty()) {
    std::size_t n = in.size();
    if (in.size() >= 2) {
      n = std::min<std::size_t>(static_cast<std::size_t>(in[0] << 8 | in[1]), in.size() - 2);
      in = in.subspan(2);
    }
    const auto frame = in.first(n);
    in = in.subspan(n);
    usec += 300'000;
    const auto status = decoder.decode(link, frame, limen::Timestamp{usec}, out);
    if (status == limen::decode::DecodeStatus::Ok) {
      // Touch every view so ASan checks they point at live memory.
      volatile std::uint8_t sink = 0;
      for (const std::uint8_t b : out.ip) sink = static_cast<std::uint8_t>(sink ^ b);
      for (const std::uint8_t b : out.payload) sink = static_cast<std::uint8_t>(sink ^ b);
      (void)sink;
    }
  }
  decoder.expire(limen::Timestamp{usec});
  return 0;
}
