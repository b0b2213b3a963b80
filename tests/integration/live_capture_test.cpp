// Live capture on the loopback interface: the probe captures while the test sends real traffic
// between two loopback addresses placed in two zones, then must report the allowed UDP flow as
// allowed and the TCP flow to an unallowed port as an unauthorized finding.
// Skipped only where capture privileges are missing, and never in CI.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/integration/binaries.h"
#include "tests/support/process.h"

namespace limen::testing {
namespace {

sockaddr_in address(const char* ip, std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

// A socket bound to ip:port; -1 on failure.
int bound_socket(int type, const char* ip, std::uint16_t port) {
  const int fd = socket(AF_INET, type, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  auto a = address(ip, port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

void send_traffic() {
  // UDP vendor -> plant:5020, received by a bound socket so no ICMP error comes back.
  const int rx = bound_socket(SOCK_DGRAM, "127.0.0.2", 5020);
  const int tx = bound_socket(SOCK_DGRAM, "127.0.0.3", 0);
  ASSERT_GE(rx, 0);
  ASSERT_GE(tx, 0);
  auto to = address("127.0.0.2", 5020);
  for (int i = 0; i < 3; ++i)
    sendto(tx, "telemetry", 9, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  close(tx);
  close(rx);
  // TCP vendor -> plant:8502, a full connection with data and a close.
  const int listener = bound_socket(SOCK_STREAM, "127.0.0.2", 8502);
  ASSERT_GE(listener, 0);
  listen(listener, 1);
  const int client = bound_socket(SOCK_STREAM, "127.0.0.3", 0);
  auto srv = address("127.0.0.2", 8502);
  ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&srv), sizeof srv), 0);
  const int accepted = accept(listener, nullptr, nullptr);
  ASSERT_EQ(send(client, "write register", 14, 0), 14);
  char buf[64];
  ASSERT_GT(recv(accepted, buf, sizeof buf, 0), 0);
  close(client);
  close(accepted);
  close(listener);
}

// With one worker inline on the capture thread, and with two on their own threads (the
// traffic then reaches one of them, the others see only the clock).
class LiveCapture : public ::testing::TestWithParam<int> {};

TEST_P(LiveCapture, LoopbackTrafficIsJudgedByZone) {
  const auto dir = make_temp_dir("live");
  const auto rules = dir / "live.rules";
  std::ofstream(rules) << "zone plant  critical    127.0.0.2\n"
                          "zone vendor third-party 127.0.0.3\n"
                          "allow 10 vendor -> plant udp/5020 \"vendor telemetry\"\n"
                          "default deny severity high\n";
  const auto eve = (dir / "eve.json").string();
  BackgroundProcess probe({probe_binary(), "-i", "lo", "--bpf", "net 127.0.0.0/29", "--rules",
                           rules.string(), "--eve", eve, "--name", "live-test",
                           "--stats-interval", "0", "--workers", std::to_string(GetParam())});
  const auto started = probe.wait_for_stderr_line("capturing on lo", std::chrono::seconds(20));
  if (started.empty()) {
    auto r = probe.wait(std::chrono::seconds(10));
    const bool no_privilege = r.err.find("permission") != std::string::npos ||
                              r.err.find("CAP_NET_RAW") != std::string::npos;
    if (no_privilege && !in_ci()) GTEST_SKIP() << "no capture privilege here: " << r.err;
    FAIL() << "the probe did not start capturing: " << r.err;
  }
  send_traffic();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let the capture drain
  probe.send_signal(SIGTERM);
  auto r = probe.wait(std::chrono::seconds(30));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  std::ifstream in(eve);
  std::string line;
  int unauthorized_tcp = 0, udp_allowed = 0, tcp_unauthorized_flow = 0;
  std::string last_type;
  while (std::getline(in, line)) {
    const auto e = nlohmann::json::parse(line);
    last_type = e["event_type"];
    if (e["event_type"] == "stats") {
      EXPECT_EQ(e["stats"]["capture"]["workers"], GetParam());
      EXPECT_EQ(e["stats"]["capture"]["worker_queue_drops"], 0);
    }
    if (e["event_type"] == "finding") {
      EXPECT_EQ(e["finding"]["kind"], "unauthorized_flow") << line;
      EXPECT_EQ(e["dest_port"], 8502) << line;
      EXPECT_EQ(e["finding"]["severity"], "high");
      EXPECT_EQ(e["finding"]["src_zone"], "vendor");
      EXPECT_EQ(e["finding"]["dest_zone"], "plant");
      ++unauthorized_tcp;
    }
    if (e["event_type"] == "flow" && e["proto"] == "UDP" && e["dest_port"] == 5020) {
      EXPECT_EQ(e["flow"]["verdict"], "allowed");
      EXPECT_EQ(e["flow"]["rule_id"], 10);
      EXPECT_EQ(e["flow"]["pkts_toserver"], 3);
      ++udp_allowed;
    }
    if (e["event_type"] == "flow" && e["proto"] == "TCP" && e["dest_port"] == 8502) {
      EXPECT_EQ(e["flow"]["verdict"], "unauthorized");
      EXPECT_EQ(e["src_ip"], "127.0.0.3");
      ++tcp_unauthorized_flow;
    }
  }
  EXPECT_EQ(unauthorized_tcp, 1);
  EXPECT_EQ(udp_allowed, 1);
  EXPECT_EQ(tcp_unauthorized_flow, 1);
  EXPECT_EQ(last_type, "stats");  // the final stats event comes after every other
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Workers, LiveCapture, ::testing::Values(1, 2));

}  // namespace
}  // namespace limen::testing
