// The fan-out key: symmetric, fragments with their flow, GOOSE/SV by publisher, and on real
// captures every packet of a flow (as the decoder keys it) chosen for one worker.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "dissectors/packet/packet_decoder.h"
#include "probe/capture/packet_source.h"
#include "probe/flow/flow_key.h"
#include "probe/pipeline/fan_out.h"
#include "tests/dissectors/frame_builder.h"
#include "tests/support/test_paths.h"

namespace limen::pipeline {
namespace {

using decode::LinkType;
using namespace decode::test;

constexpr std::uint64_t kSeed = 0x5eed;

std::uint64_t key(const Bytes& frame, LinkType link = LinkType::Ethernet) {
  return fan_out_key(link, frame, kSeed);
}

Bytes tcp4(std::array<std::uint8_t, 4> src, std::array<std::uint8_t, 4> dst, std::uint16_t sport,
           std::uint16_t dport) {
  Ipv4Opts o;
  o.src = src;
  o.dst = dst;
  return ethernet(0x0800, ipv4(o, tcp(sport, dport, 1, 0, 0x02, 1024, {})));
}

TEST(FanOut, BothDirectionsOfAFlowGiveOneKey) {
  EXPECT_EQ(key(tcp4({10, 0, 0, 1}, {10, 0, 0, 2}, 40000, 502)),
            key(tcp4({10, 0, 0, 2}, {10, 0, 0, 1}, 502, 40000)));
  EXPECT_NE(key(tcp4({10, 0, 0, 1}, {10, 0, 0, 2}, 40000, 502)),
            key(tcp4({10, 0, 0, 1}, {10, 0, 0, 3}, 40000, 502)));
  const Bytes a = ethernet(0x86DD, ipv6(17, udp(5000, 53, {}), 64, 1, 2));
  const Bytes b = ethernet(0x86DD, ipv6(17, udp(53, 5000, {}), 64, 2, 1));
  EXPECT_EQ(key(a), key(b));
  EXPECT_NE(key(a), 0U);
  // The same packet through another link layer, or under VLAN tags, keys the same.
  Ipv4Opts o;
  const Bytes ip = ipv4(o, udp(1, 2, {}));
  EXPECT_EQ(key(ethernet(0x0800, ip)), key(ip, LinkType::Raw));
  EXPECT_EQ(key(ethernet(0x0800, ip)), key(ethernet(0x0800, ip, {{0x8100, 7}})));
  EXPECT_EQ(key(ethernet(0x0800, ip)), key(sll(0x0800, ip), LinkType::LinuxSll));
}

TEST(FanOut, FragmentsMeetTheirFlow) {
  // Only the first fragment carries the ports; the others must still reach the same worker.
  Ipv4Opts first;
  first.proto = 17;
  first.flags_offset = 0x2000;
  Ipv4Opts later = first;
  later.flags_offset = 0x0002;
  EXPECT_EQ(key(ethernet(0x0800, ipv4(first, udp(20000, 20000, filled(16))))),
            key(ethernet(0x0800, ipv4(later, filled(16)))));
  EXPECT_EQ(key(ethernet(0x0800, ipv4(first, udp(20000, 20000, {})))),
            key(tcp4(first.dst, first.src, 1, 2)));  // and any flow of the same two hosts
  const Bytes v6_first = ethernet(0x86DD, ipv6(44, cat({fragment_header(17, 0, true, 9),
                                                        udp(1, 2, filled(8))})));
  const Bytes v6_later = ethernet(0x86DD, ipv6(44, cat({fragment_header(17, 16, false, 9),
                                                        filled(8)})));
  EXPECT_EQ(key(v6_first), key(v6_later));
}

TEST(FanOut, EthernetFramesWithoutIpGoByTheirSourceMac) {
  Bytes goose = ethernet(0x88B8, filled(40));
  Bytes same_publisher = ethernet(0x88B8, filled(60, 7));
  same_publisher[0] = 0x01;  // another destination
  EXPECT_EQ(key(goose), key(same_publisher));
  Bytes other = goose;
  other[11] ^= 1;  // another source MAC
  EXPECT_NE(key(goose), key(other));
  EXPECT_NE(key(goose), 0U);
}

TEST(FanOut, UnreadableFramesGoToTheFirstWorker) {
  Ipv4Opts o;
  Bytes cut = ethernet(0x0800, ipv4(o, {}));
  cut.resize(14 + 19);  // one byte short of an IPv4 header
  EXPECT_EQ(key(cut), 0U);
  EXPECT_EQ(key(Bytes{1, 2, 3}), 0U);
  EXPECT_EQ(key(Bytes{}, LinkType::Raw), 0U);
  EXPECT_EQ(key(ethernet(0x0800, ipv4(o, {})), static_cast<LinkType>(999)), 0U);
  EXPECT_EQ(worker_of(0, 4), 0U);
}

TEST(FanOut, WorkerOfSpreadsKeysEvenly) {
  std::array<int, 4> per_worker{};
  for (std::uint32_t i = 0; i < 40000; ++i) {
    const auto k = key(tcp4({10, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                             static_cast<std::uint8_t>(i)},
                            {192, 168, 0, 1}, 1000, 502));
    ++per_worker[worker_of(k, 4)];
  }
  for (int n : per_worker) EXPECT_NEAR(n, 10000, 600);
  EXPECT_EQ(worker_of(~std::uint64_t{0}, 3), 2U);
  EXPECT_EQ(worker_of(~std::uint64_t{0}, 1), 0U);
}

// Decodes every packet as a worker would and checks that all the packets of one flow key got
// one worker from the fan-out.
class FlowWorkers final : public capture::PacketHandler {
 public:
  explicit FlowWorkers(LinkType link) : link_(link) {}
  void on_packet(const capture::RawPacket& p) override {
    const std::size_t w = worker_of(fan_out_key(link_, p.data, kSeed), kWorkers);
    decode::DecodedPacket d;
    if (decoder_.decode(link_, p.data, p.ts, d) != decode::DecodeStatus::Ok) return;
    const auto bytes = flow::key_bytes(flow::normalise(d).key);
    const auto [it, fresh] = worker_of_flow.emplace(bytes, w);
    if (!fresh && it->second != w) ++split;
    ++packets;
  }
  static constexpr std::size_t kWorkers = 4;
  std::map<std::array<std::uint8_t, flow::kKeyBytes>, std::size_t> worker_of_flow;
  std::size_t split = 0, packets = 0;

 private:
  LinkType link_;
  decode::PacketDecoder decoder_;
};

TEST(FanOut, EveryPacketOfARealFlowGoesToOneWorker) {
  LIMEN_REQUIRE_SHARED_PCAPS(shared);
  std::vector<std::filesystem::path> files{limen::testing::source_dir() / "pcaps" / "demo.pcap"};
  for (const auto& e : std::filesystem::recursive_directory_iterator(shared))
    if (e.is_regular_file() && (e.path().extension() == ".pcap" || e.path().extension() == ".pcapng"))
      files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::size_t flows = 0, packets = 0, read = 0;
  std::set<std::size_t> used;
  for (const auto& f : files) {
    std::string error;
    auto src = capture::open_file(f, error);
    if (!src) continue;  // a capture we do not read (its own tests say why)
    FlowWorkers h(src->link_type());
    while (src->dispatch(h, 256) == capture::ReadStatus::Packets) {
    }
    EXPECT_EQ(h.split, 0U) << f;
    flows += h.worker_of_flow.size();
    packets += h.packets;
    for (const auto& [k, w] : h.worker_of_flow) used.insert(w);
    ++read;
  }
  EXPECT_GT(read, 100U);
  EXPECT_GT(flows, 10000U);
  EXPECT_EQ(used.size(), FlowWorkers::kWorkers);
  std::cout << read << " captures, " << flows << " flows, " << packets << " packets\n";
}

}  // namespace
}  // namespace limen::pipeline
