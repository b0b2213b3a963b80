// Live capture on the loopback interface: a BPF filter lets through exactly the datagrams this
// test sends, the read timeout gives Idle, and opening fails with clear messages. Loopback only.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>

#include "common/byte_reader.h"
#include "probe/capture/packet_source.h"
#include "tests/probe/capture/capture_test_support.h"

namespace limen::capture {
namespace {

using testing::CollectingHandler;

// A UDP socket bound to 127.0.0.1 on a port the kernel picks.
class UdpSocket {
 public:
  UdpSocket() : fd_(socket(AF_INET, SOCK_DGRAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
      port_ = ntohs(addr.sin_port);
  }
  ~UdpSocket() {
    if (fd_ >= 0) close(fd_);
  }
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  bool send_to(std::uint16_t port, const std::string& payload) const {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(port);
    return sendto(fd_, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to),
                  sizeof to) == static_cast<ssize_t>(payload.size());
  }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

// The UDP destination port and payload of an Ethernet/IPv4/UDP frame, via ByteReader.
struct UdpView {
  std::uint16_t dst_port = 0;
  std::string payload;
  bool ok = false;
};
UdpView parse_udp(const std::vector<std::uint8_t>& frame) {
  ByteReader r(frame);
  r.skip(12);
  UdpView out;
  if (r.be16() != 0x0800) return out;
  const std::uint8_t version_ihl = r.u8();
  r.skip(8);
  if (r.u8() != 17) return out;  // protocol: UDP
  r.skip(static_cast<std::size_t>((version_ihl & 0x0f) * 4) - 10);
  r.skip(2);
  out.dst_port = r.be16();
  const std::uint16_t udp_length = r.be16();
  r.skip(2);
  const auto payload = r.bytes(udp_length >= 8 ? udp_length - 8U : 0U);
  out.payload.assign(payload.begin(), payload.end());
  out.ok = r.ok();
  return out;
}

LiveOptions loopback(const std::string& filter) {
  LiveOptions options;
  options.interface = "lo";
  options.timeout_ms = 50;
  options.buffer_size_mib = 4;
  options.bpf_filter = filter;
  return options;
}

bool is_permission_error(const std::string& error) {
  return error.find("permission denied") != std::string::npos;
}

TEST(CaptureLive, LoopbackWithBpfFilterSeesExactlyTheDatagramsSent) {
  UdpSocket target;
  UdpSocket decoy;
  ASSERT_NE(target.port(), 0);
  ASSERT_NE(decoy.port(), 0);
  std::string error;
  auto source = open_live(loopback("udp and dst port " + std::to_string(target.port())), error);
  if (!source && is_permission_error(error))
    GTEST_SKIP() << "live capture not permitted here: " << error;
  ASSERT_NE(source, nullptr) << error;
  EXPECT_EQ(source->name(), "lo");
  EXPECT_EQ(source->link_type(), decode::LinkType::Ethernet);  // Linux loopback
  EXPECT_TRUE(source->warning().empty()) << source->warning();

  constexpr int kSent = 5;
  const auto before = std::chrono::system_clock::now();
  for (int i = 0; i < kSent; ++i) {
    ASSERT_TRUE(decoy.send_to(target.port(), "limen-capture-" + std::to_string(i)));
    ASSERT_TRUE(target.send_to(decoy.port(), "decoy"));  // filtered out
  }
  CollectingHandler handler;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int idle_after_all = 0;
  // Keep reading a few timeouts past the last expected packet, so a duplicate would show.
  while (std::chrono::steady_clock::now() < deadline && idle_after_all < 3) {
    const ReadStatus status = source->dispatch(handler, 2);
    ASSERT_TRUE(status == ReadStatus::Packets || status == ReadStatus::Idle)
        << static_cast<int>(status) << " " << source->error();
    if (status == ReadStatus::Idle && handler.packets.size() >= kSent) ++idle_after_all;
  }
  ASSERT_EQ(handler.packets.size(), static_cast<std::size_t>(kSent));
  const std::int64_t now_usec = std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
  const std::int64_t before_usec =
      std::chrono::duration_cast<std::chrono::microseconds>(before.time_since_epoch()).count();
  for (int i = 0; i < kSent; ++i) {
    const auto& packet = handler.packets[static_cast<std::size_t>(i)];
    const UdpView udp = parse_udp(packet.data);
    ASSERT_TRUE(udp.ok) << i;
    EXPECT_EQ(udp.dst_port, target.port());
    EXPECT_EQ(udp.payload, "limen-capture-" + std::to_string(i));
    EXPECT_EQ(packet.wire_length, packet.data.size());
    EXPECT_GE(packet.ts.usec, before_usec - 1'000'000);
    EXPECT_LE(packet.ts.usec, now_usec + 1'000'000);
  }
  const CaptureStats stats = source->stats();
  EXPECT_EQ(stats.packets, static_cast<std::uint64_t>(kSent));
  EXPECT_TRUE(stats.drops_known);
  EXPECT_EQ(stats.kernel_drops, 0U);
}

TEST(CaptureLive, QuietLinkGivesIdleAndBreakLoopInterrupts) {
  UdpSocket unused;
  std::string error;
  auto source = open_live(loopback("udp and dst port " + std::to_string(unused.port())), error);
  if (!source && is_permission_error(error))
    GTEST_SKIP() << "live capture not permitted here: " << error;
  ASSERT_NE(source, nullptr) << error;
  CollectingHandler handler;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(source->dispatch(handler, 64), ReadStatus::Idle);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  source->break_loop();
  EXPECT_EQ(source->dispatch(handler, 64), ReadStatus::Interrupted);
  EXPECT_TRUE(handler.packets.empty());
}

TEST(CaptureLive, BreakLoopFromAnotherThreadEndsTheWaitAtOnce) {
  UdpSocket unused;
  LiveOptions options = loopback("udp and dst port " + std::to_string(unused.port()));
  options.timeout_ms = 5000;
  std::string error;
  auto source = open_live(options, error);
  if (!source && is_permission_error(error))
    GTEST_SKIP() << "live capture not permitted here: " << error;
  ASSERT_NE(source, nullptr) << error;
  CollectingHandler handler;
  const auto start = std::chrono::steady_clock::now();
  std::thread breaker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    source->break_loop();
  });
  const ReadStatus status = source->dispatch(handler, 64);
  breaker.join();
  EXPECT_EQ(status, ReadStatus::Interrupted);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(CaptureLive, NonexistentInterfaceIsNamed) {
  LiveOptions options;
  options.interface = "limen-nosuch0";
  std::string error;
  EXPECT_EQ(open_live(options, error), nullptr);
  EXPECT_EQ(error, "limen-nosuch0: no such network interface (No such device exists)");
}

TEST(CaptureLive, InvalidBpfFilterIsNamed) {
  std::string error;
  auto source = open_live(loopback("udp and port"), error);
  if (!source && is_permission_error(error))
    GTEST_SKIP() << "live capture not permitted here: " << error;
  EXPECT_EQ(source, nullptr);
  EXPECT_EQ(error.rfind("lo: invalid BPF filter 'udp and port' (", 0), 0U) << error;
}

TEST(CaptureLive, OutOfRangeOptionsAreRejectedBeforeOpening) {
  LiveOptions options = loopback("");
  options.snaplen = 0;
  std::string error;
  EXPECT_EQ(open_live(options, error), nullptr);
  EXPECT_EQ(error, "lo: snaplen 0 out of range (1..262144)");
  options = loopback("");
  options.buffer_size_mib = 4096;
  EXPECT_EQ(open_live(options, error), nullptr);
  EXPECT_EQ(error, "lo: capture buffer 4096 MiB out of range (1..2047)");
  options = loopback("");
  options.timeout_ms = 0;
  EXPECT_EQ(open_live(options, error), nullptr);
  EXPECT_EQ(error, "lo: read timeout 0 ms must be at least 1 ms");
  options.interface.clear();
  EXPECT_EQ(open_live(options, error), nullptr);
  EXPECT_EQ(error, "live capture: no interface name given");
}

TEST(CaptureLive, WithoutPrivilegeSaysWhatIsNeeded) {
  const auto error = testing::run_unprivileged([] {
    std::string message;
    auto source = open_live(loopback(""), message);
    return source ? std::string("opened") : message;
  });
  ASSERT_TRUE(error.has_value()) << "could not run the check as user nobody";
  if (*error == "opened") GTEST_SKIP() << "this user may capture (CAP_NET_RAW granted)";
  EXPECT_EQ(error->rfind("lo: permission denied: live capture needs root or CAP_NET_RAW", 0), 0U)
      << *error;
}

// The first interface that is administratively down, if the host has one.
std::string find_down_interface() {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return {};
  std::string found;
  if (struct if_nameindex* names = if_nameindex()) {
    for (const struct if_nameindex* it = names; it->if_index != 0 && found.empty(); ++it) {
      ifreq request{};
      std::strncpy(request.ifr_name, it->if_name, IFNAMSIZ - 1);
      if (ioctl(fd, SIOCGIFFLAGS, &request) == 0 && (request.ifr_flags & IFF_UP) == 0)
        found = it->if_name;
    }
    if_freenameindex(names);
  }
  close(fd);
  return found;
}

TEST(CaptureLive, InterfaceDownIsNamed) {
  const std::string name = find_down_interface();
  if (name.empty()) GTEST_SKIP() << "no interface on this host is down";
  LiveOptions options;
  options.interface = name;
  std::string error;
  auto source = open_live(options, error);
  if (!source && is_permission_error(error))
    GTEST_SKIP() << "live capture not permitted here: " << error;
  EXPECT_EQ(source, nullptr);
  EXPECT_EQ(
      error.rfind(name + ": interface is down, bring it up with 'ip link set " + name + " up'", 0),
      0U)
      << error;
}

}  // namespace
}  // namespace limen::capture
