// --mode remix: an Ethernet capture repeated until the output holds at least --min-packets
// packets (whole copies only). Copy k (from 0, which is left as it is) XORs a mask derived from
// k into the middle 16 bits of every unicast IPv4 address (bits 8..23: the first octet, hence
// private/public, and the host octet stay) and into bits 16..31 of the interface id of every
// unicast IPv6 address, so each copy's flows are new flows; IPv4 header, TCP, UDP and ICMPv6
// checksums are adjusted incrementally (RFC 1624), so tools that verify them still agree.
//
// Time: the output is one timeline. Each packet keeps its offset from the latest packet before
// it, but an offset is at most --max-gap seconds either way: merged captures recorded years
// apart (or dated 1970) become one replay of minutes, not of decades, and fit a 32-bit seconds
// field after any number of copies. Each copy starts a second after the previous one's end.

#include <pcap/pcap.h>

#include <algorithm>
#include <cstdio>
#include <span>
#include <stdexcept>
#include <string>

#include "bench/synth/pcap_writer.h"
#include "modes.h"

namespace limen::bench {
namespace {

constexpr std::int64_t kNsPerSecond = 1000000000;

std::uint16_t get16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
void set16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

// RFC 1624 eqn. 3: a one's-complement checksum after one covered 16-bit word changed.
std::uint16_t adjusted(std::uint16_t sum, std::uint16_t old_word, std::uint16_t new_word) {
  std::uint32_t s = static_cast<std::uint16_t>(~sum) +
                    static_cast<std::uint32_t>(static_cast<std::uint16_t>(~old_word)) + new_word;
  s = (s & 0xFFFF) + (s >> 16);
  s = (s & 0xFFFF) + (s >> 16);
  return static_cast<std::uint16_t>(~s);
}

// The checksums that cover a rewritten address: where they are in the frame (nullptr: not
// captured, or none), and whether 0 means "no checksum" (UDP over IPv4).
struct Sums {
  std::uint8_t* ip = nullptr;
  std::uint8_t* l4 = nullptr;
  bool zero_is_none = false;
};

void rewrite_word(std::uint8_t* word, std::uint16_t mask, const Sums& sums) {
  const std::uint16_t old_word = get16(word);
  const auto new_word = static_cast<std::uint16_t>(old_word ^ mask);
  set16(word, new_word);
  if (sums.ip != nullptr) set16(sums.ip, adjusted(get16(sums.ip), old_word, new_word));
  if (sums.l4 != nullptr && !(sums.zero_is_none && get16(sums.l4) == 0)) {
    std::uint16_t s = adjusted(get16(sums.l4), old_word, new_word);
    if (sums.zero_is_none && s == 0) s = 0xFFFF;
    set16(sums.l4, s);
  }
}

// Where a transport checksum sits in its header, for the protocols whose checksum covers the
// addresses (ICMPv4's does not).
std::size_t l4_checksum_offset(std::uint8_t proto, bool v6) {
  switch (proto) {
    case 6:
      return 16;
    case 17:
      return 6;
    case 58:
      return v6 ? 2 : 0;
    default:
      return 0;
  }
}

void rewrite_ipv4(std::span<std::uint8_t> ip, std::uint16_t mask) {
  if (ip.size() < 20 || (ip[0] >> 4) != 4) return;
  const std::size_t ihl = std::size_t{ip[0] & 0x0FU} * 4;
  if (ihl < 20 || ip.size() < ihl) return;
  Sums sums{&ip[10], nullptr, ip[9] == 17};
  const bool first_fragment = (get16(&ip[6]) & 0x1FFF) == 0;
  const std::size_t at = l4_checksum_offset(ip[9], false);
  if (first_fragment && at != 0 && ip.size() >= ihl + at + 2) sums.l4 = &ip[ihl + at];
  for (const std::size_t addr : {std::size_t{12}, std::size_t{16}}) {
    const std::uint8_t first = ip[addr];
    // Unspecified, loopback, multicast, reserved and broadcast addresses keep their meaning.
    if (first == 0 || first == 127 || first >= 224) continue;
    // The mask covers bits 8..23: the word at +0 keeps its first octet, the word at +2 its last.
    rewrite_word(&ip[addr], static_cast<std::uint16_t>(mask >> 8), sums);
    rewrite_word(&ip[addr + 2], static_cast<std::uint16_t>((mask & 0xFF) << 8), sums);
  }
}

void rewrite_ipv6(std::span<std::uint8_t> ip, std::uint16_t mask) {
  if (ip.size() < 40 || (ip[0] >> 4) != 6) return;
  Sums sums;
  const std::size_t at = l4_checksum_offset(ip[6], true);  // only without extension headers
  if (at != 0 && ip.size() >= 40 + at + 2) sums.l4 = &ip[40 + at];
  for (const std::size_t addr : {std::size_t{8}, std::size_t{24}}) {
    bool zero_prefix = true;  // :: and ::1 (and IPv4-mapped forms) are left alone
    for (std::size_t i = 0; i < 10; ++i) zero_prefix = zero_prefix && ip[addr + i] == 0;
    if (ip[addr] == 0xFF || zero_prefix) continue;
    rewrite_word(&ip[addr + 12], mask, sums);
  }
}

void rewrite(std::span<std::uint8_t> frame, std::uint16_t mask) {
  if (mask == 0 || frame.size() < 14) return;
  std::size_t at = 12;
  std::uint16_t type = get16(&frame[at]);
  while ((type == 0x8100 || type == 0x88A8 || type == 0x9100) && frame.size() >= at + 6) {
    at += 4;
    type = get16(&frame[at]);
  }
  const auto ip = frame.subspan(at + 2);
  if (type == 0x0800) rewrite_ipv4(ip, mask);
  if (type == 0x86DD) rewrite_ipv6(ip, mask);
}

// Distinct and non-zero for every copy from 1 to 65535: 40503 is odd, so k -> 40503k mod 2^16
// is a bijection.
std::uint16_t copy_mask(std::uint64_t k) {
  return static_cast<std::uint16_t>(k * 40503U);
}

struct Input {
  explicit Input(const std::string& path) {
    char error[PCAP_ERRBUF_SIZE] = {};
    pcap = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, error);
    if (pcap == nullptr) throw std::runtime_error("cannot read " + path + ": " + error);
    const int link = pcap_datalink(pcap);
    if (link != DLT_EN10MB) {
      pcap_close(pcap);
      throw std::runtime_error(path + ": not an Ethernet capture (link type " +
                               std::to_string(link) + ")");
    }
  }
  ~Input() { pcap_close(pcap); }
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;
  pcap_t* pcap = nullptr;
};

}  // namespace

int run_remix(const RemixOptions& o) {
  if (o.min_packets == 0) throw std::runtime_error("--min-packets must be at least 1");
  const std::int64_t max_gap = static_cast<std::int64_t>(o.max_gap_s) * kNsPerSecond;
  std::uint32_t snaplen = 0;
  {
    const Input probe(o.input);
    snaplen = static_cast<std::uint32_t>(pcap_snapshot(probe.pcap));
  }
  PcapWriter writer(o.out, kLinkEthernet, std::max<std::uint32_t>(snaplen, kSnaplen), true);
  std::vector<std::uint8_t> frame;
  std::int64_t in_latest = 0;
  std::int64_t out_latest = -1;  // no packet yet
  std::uint64_t copies = 0;
  while (writer.packets() < o.min_packets) {
    const Input in(o.input);
    const std::uint16_t mask = copy_mask(copies);
    bool first = true;
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    int rc = 0;
    while ((rc = pcap_next_ex(in.pcap, &header, &data)) == 1) {
      const std::int64_t ts = static_cast<std::int64_t>(header->ts.tv_sec) * kNsPerSecond +
                              header->ts.tv_usec;  // nanoseconds: the precision asked for
      std::int64_t out = 0;
      if (out_latest < 0) {
        out = ts;
      } else if (first) {
        out = out_latest + kNsPerSecond;
      } else {
        out = out_latest + std::clamp(ts - in_latest, -max_gap, max_gap);
      }
      if (first || ts > in_latest) {
        in_latest = ts;
        out_latest = std::max(out_latest, out);
      }
      first = false;
      if (out < 0 || out / kNsPerSecond > 0xFFFFFFFFLL) {
        throw std::runtime_error(o.input + ": time beyond what pcap can record after " +
                                 std::to_string(copies) + " copies");
      }
      frame.assign(data, data + header->caplen);
      rewrite(frame, mask);
      writer.record(static_cast<std::uint32_t>(out / kNsPerSecond),
                    static_cast<std::uint32_t>(out % kNsPerSecond), frame, header->len);
    }
    if (rc == PCAP_ERROR) {
      throw std::runtime_error("cannot read " + o.input + ": " + pcap_geterr(in.pcap));
    }
    if (first) throw std::runtime_error(o.input + ": no packets");
    if (++copies > 65535) throw std::runtime_error("more than 65535 copies needed");
  }
  writer.close();
  std::fprintf(stderr, "limen-bench-generate: %s: %llu packets, %llu bytes, %llu copies of %s\n",
               o.out.c_str(), static_cast<unsigned long long>(writer.packets()),
               static_cast<unsigned long long>(writer.bytes()),
               static_cast<unsigned long long>(copies), o.input.c_str());
  return 0;
}

}  // namespace limen::bench
