#include "packet.h"

#include <algorithm>

namespace limen::bench {
namespace {

constexpr std::size_t kEthLen = 14;
constexpr std::size_t kIpLen = 20;
constexpr std::size_t kMinFrame = 60;

void put16(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
void put32(std::uint8_t* p, std::uint32_t v) {
  put16(p, v >> 16);
  put16(p + 2, v);
}

}  // namespace

Host local_host(std::uint32_t ip, std::uint8_t ttl) {
  return Host{ip,
              {0x02, 0x00, static_cast<std::uint8_t>(ip >> 24), static_cast<std::uint8_t>(ip >> 16),
               static_cast<std::uint8_t>(ip >> 8), static_cast<std::uint8_t>(ip)},
              ttl};
}

Host remote_host(std::uint32_t ip, std::uint8_t ttl) {
  return Host{ip, {0x02, 0x00, 0x5E, 0x00, 0x00, 0x01}, ttl};
}

std::uint64_t checksum_add(std::uint64_t sum, std::span<const std::uint8_t> bytes) {
  // Big-endian 32-bit words summed into 64 bits fold to the same 16-bit one's-complement sum as
  // 16-bit words, at half the additions.
  const std::uint8_t* p = bytes.data();
  std::size_t n = bytes.size();
  while (n >= 4) {
    sum += (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           p[3];
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    sum += (std::uint32_t{p[0]} << 8) | p[1];
    p += 2;
    n -= 2;
  }
  if (n == 1) sum += std::uint32_t{p[0]} << 8;
  return sum;
}

std::uint16_t checksum_fold(std::uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

FlowHeader::FlowHeader(const Host& src, std::uint16_t sport, const Host& dst, std::uint16_t dport,
                       std::uint8_t proto, std::uint16_t first_ip_id)
    : sport_(sport), dport_(dport), ip_id_(first_ip_id) {
  auto* p = eth_ip_.data();
  std::copy(dst.mac.begin(), dst.mac.end(), p);
  std::copy(src.mac.begin(), src.mac.end(), p + 6);
  put16(p + 12, 0x0800);
  std::uint8_t* ip = p + kEthLen;
  ip[0] = 0x45;
  ip[1] = 0;
  // TCP sets Don't Fragment (path MTU discovery); DNS over UDP usually does not.
  put16(ip + 6, proto == kProtoTcp ? 0x4000 : 0);
  ip[8] = src.ttl;
  ip[9] = proto;
  put32(ip + 12, src.ip);
  put32(ip + 16, dst.ip);
  pseudo_sum_ =
      std::uint64_t{src.ip >> 16} + (src.ip & 0xFFFF) + (dst.ip >> 16) + (dst.ip & 0xFFFF) + proto;
}

std::size_t FlowHeader::start(std::vector<std::uint8_t>& out, std::size_t l4_len) {
  out.resize(kEthLen + kIpLen + l4_len);
  std::copy(eth_ip_.begin(), eth_ip_.end(), out.begin());
  std::uint8_t* ip = out.data() + kEthLen;
  put16(ip + 2, static_cast<std::uint32_t>(kIpLen + l4_len));
  put16(ip + 4, ip_id_++);
  put16(ip + 10, checksum_fold(checksum_add(0, {ip, kIpLen})));
  return kEthLen + kIpLen;
}

void FlowHeader::finish(std::vector<std::uint8_t>& out) {
  if (out.size() < kMinFrame) out.resize(kMinFrame, 0);
}

void FlowHeader::tcp(std::vector<std::uint8_t>& out, std::uint32_t seq, std::uint32_t ack,
                     std::uint8_t flags, std::uint16_t window,
                     std::span<const std::uint8_t> options, std::span<const std::uint8_t> payload) {
  const std::size_t header = 20 + options.size();
  const std::size_t at = start(out, header + payload.size());
  std::uint8_t* t = out.data() + at;
  put16(t, sport_);
  put16(t + 2, dport_);
  put32(t + 4, seq);
  put32(t + 8, (flags & tcp_flag::kAck) != 0 ? ack : 0);
  t[12] = static_cast<std::uint8_t>((header / 4) << 4);
  t[13] = flags;
  put16(t + 14, window);
  put16(t + 16, 0);
  put16(t + 18, 0);
  std::copy(options.begin(), options.end(), t + 20);
  std::copy(payload.begin(), payload.end(), t + header);
  const std::size_t l4_len = header + payload.size();
  const std::uint64_t sum = checksum_add(pseudo_sum_ + l4_len, {t, l4_len});
  put16(t + 16, checksum_fold(sum));
  finish(out);
}

void FlowHeader::udp(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> payload) {
  const std::size_t l4_len = 8 + payload.size();
  const std::size_t at = start(out, l4_len);
  std::uint8_t* u = out.data() + at;
  put16(u, sport_);
  put16(u + 2, dport_);
  put16(u + 4, static_cast<std::uint32_t>(l4_len));
  put16(u + 6, 0);
  std::copy(payload.begin(), payload.end(), u + 8);
  std::uint16_t sum = checksum_fold(checksum_add(pseudo_sum_ + l4_len, {u, l4_len}));
  put16(u + 6, sum == 0 ? 0xFFFF : sum);  // 0 would mean "no checksum" (RFC 768)
  finish(out);
}

}  // namespace limen::bench
