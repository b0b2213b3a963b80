#include "probe/pipeline/fan_out.h"

#include <xxhash.h>

#include <array>
#include <cstring>

#include "dissectors/packet/link_layer.h"

namespace limen::pipeline {
namespace {

constexpr std::size_t kIpv4Header = 20;
constexpr std::size_t kIpv6Header = 40;

// Hashes the two addresses in a fixed order, so both directions give one key.
std::uint64_t pair_key(const std::uint8_t* a, const std::uint8_t* b, std::size_t len,
                       std::uint64_t seed) {
  std::array<std::uint8_t, 32> both{};
  const bool a_first = std::memcmp(a, b, len) <= 0;
  std::memcpy(both.data(), a_first ? a : b, len);
  std::memcpy(both.data() + len, a_first ? b : a, len);
  return XXH3_64bits_withSeed(both.data(), 2 * len, seed);
}

}  // namespace

std::uint64_t fan_out_key(decode::LinkType link, std::span<const std::uint8_t> frame,
                          std::uint64_t seed) noexcept {
  decode::DecodedPacket scratch;
  const decode::LinkResult l = decode::decode_link(link, frame, scratch);
  if (l.status == decode::DecodeStatus::NotIp) {
    if (link != decode::LinkType::Ethernet || frame.size() < 12) return 0;
    return XXH3_64bits_withSeed(frame.data() + 6, 6, seed);  // the source MAC
  }
  if (l.status != decode::DecodeStatus::Ok || l.l3.empty()) return 0;
  const std::uint8_t* ip = l.l3.data();
  const unsigned version = ip[0] >> 4;
  const bool v4 = l.net == decode::NetLayer::Ipv4 ||
                  (l.net == decode::NetLayer::ByVersion && version == 4);
  const bool v6 = l.net == decode::NetLayer::Ipv6 ||
                  (l.net == decode::NetLayer::ByVersion && version == 6);
  if (v4 && l.l3.size() >= kIpv4Header) return pair_key(ip + 12, ip + 16, 4, seed);
  if (v6 && l.l3.size() >= kIpv6Header) return pair_key(ip + 8, ip + 24, 16, seed);
  return 0;
}

}  // namespace limen::pipeline
