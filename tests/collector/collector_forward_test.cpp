// Forwarding findings to a SIEM as RFC 5424 syslog (octet-counted) over TCP and TLS: every
// finding arrives, through an outage of the SIEM and a restart of the forwarder, at least once.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "collector/store.h"
#include "collector/syslog_forwarder.h"
#include "tests/collector/event_samples.h"
#include "tests/support/test_paths.h"

namespace limen::collector {
namespace {

// A syslog receiver on 127.0.0.1: octet-counted frames (RFC 6587), plain or TLS.
class SyslogSink {
 public:
  explicit SyslogSink(std::uint16_t port = 0, SSL_CTX* tls = nullptr) : tls_(tls) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(listener_, 8), 0);
    socklen_t size = sizeof a;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &size);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~SyslogSink() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }
  [[nodiscard]] std::uint16_t port() const { return port_; }
  std::vector<std::string> messages() {
    std::lock_guard<std::mutex> lock(mutex_);
    return messages_;
  }
  // The forwarder counts a message sent once this host's TCP took it: the sink's thread may not
  // have read it yet. Waits (at most 20 s) until it has `n` messages; returns them.
  std::vector<std::string> messages(std::size_t n) {
    for (int i = 0; i < 2000 && messages().size() < n; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return messages();
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      SSL* ssl = nullptr;
      if (tls_ != nullptr) {
        ssl = SSL_new(tls_);
        SSL_set_fd(ssl, fd);
        if (SSL_accept(ssl) != 1) {
          SSL_free(ssl);
          ::close(fd);
          continue;
        }
      }
      read_frames(fd, ssl);
      if (ssl != nullptr) SSL_free(ssl);
      ::close(fd);
    }
  }
  void read_frames(int fd, SSL* ssl) {
    std::string buffer;
    char chunk[65536];
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (ssl == nullptr || SSL_pending(ssl) == 0) {
        if (::poll(&p, 1, 50) <= 0) continue;
      }
      const long n = ssl != nullptr ? SSL_read(ssl, chunk, sizeof chunk)
                                    : ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return;
      buffer.append(chunk, static_cast<std::size_t>(n));
      while (true) {
        const auto space = buffer.find(' ');
        if (space == std::string::npos) break;
        const auto length = std::stoul(buffer.substr(0, space));
        if (buffer.size() < space + 1 + length) break;
        std::lock_guard<std::mutex> lock(mutex_);
        messages_.push_back(buffer.substr(space + 1, length));
        buffer.erase(0, space + 1 + length);
      }
    }
  }

  SSL_CTX* tls_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<std::string> messages_;
  std::thread thread_;
};

class CollectorForwardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = limen::testing::make_temp_dir("collector-forward");
    path_ = (dir_ / "events.db").string();
    std::string error;
    store_ = Store::open(path_, {}, error);
    ASSERT_NE(store_, nullptr) << error;
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void add_findings(std::uint64_t from, std::uint64_t to) {
    for (std::uint64_t seq = from; seq <= to; ++seq) {
      testing::FindingSample f;
      f.severity = seq % 2 == 0 ? "critical" : "low";
      std::string json = testing::finding_json(f);
      json.replace(json.find("\"seq\":1,"), 8, "\"seq\":" + std::to_string(seq) + ",");
      ASSERT_EQ(store_->add(wire::Envelope{"plant-a", 1, seq, json}, Store::Clock::now(), 0),
                AddResult::Stored);
    }
    ASSERT_TRUE(store_->commit());
  }
  // The findings' seq numbers a sink received, each message checked on the way.
  static std::multiset<std::uint64_t> seqs(const std::vector<std::string>& messages) {
    std::multiset<std::uint64_t> out;
    for (const auto& m : messages) {
      const auto bom = m.find("\xEF\xBB\xBF");
      EXPECT_NE(bom, std::string::npos) << m;
      if (bom == std::string::npos) continue;
      const auto event = nlohmann::json::parse(m.substr(bom + 3));
      const auto seq = event["seq"].get<std::uint64_t>();
      const std::string pri = seq % 2 == 0 ? "<130>1 " : "<133>1 ";  // local0.crit / notice
      EXPECT_EQ(m.rfind(pri + "2026-03-02T08:00:01.250000Z plant-a limen - unauthorized_flow - ",
                        0),
                0U)
          << m;
      out.insert(seq);
    }
    return out;
  }
  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

TEST_F(CollectorForwardTest, EveryFindingArrivesThroughAnOutageAndARestart) {
  add_findings(1, 300);
  std::uint16_t port = 0;
  std::string error;
  ForwardTarget target;
  std::multiset<std::uint64_t> got;
  {
    SyslogSink sink;
    port = sink.port();
    ASSERT_EQ(parse_forward_target("syslog+tcp://127.0.0.1:" + std::to_string(port), target), "");
    std::ostringstream log;
    auto forwarder = SyslogForwarder::start(path_, target, &log, error);
    ASSERT_NE(forwarder, nullptr) << error;
    ASSERT_TRUE(forwarder->drain(std::chrono::seconds(20))) << log.str();
    got = seqs(sink.messages(300));
    EXPECT_EQ(got.size(), 300U);
    forwarder.reset();
  }
  // The SIEM is gone and the collector restarts: findings keep coming, the forwarder resumes
  // from its saved position and waits; the SIEM comes back on the same port.
  std::ostringstream log;
  auto forwarder = SyslogForwarder::start(path_, target, &log, error);
  ASSERT_NE(forwarder, nullptr) << error;
  add_findings(301, 500);
  for (int i = 0; i < 200 && forwarder->counters().failures.load() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GE(forwarder->counters().failures.load(), 1U) << log.str();
  EXPECT_EQ(forwarder->counters().sent.load(), 0U);  // nothing sent twice after the restart
  {
    SyslogSink back(port);
    ASSERT_TRUE(forwarder->drain(std::chrono::seconds(40))) << log.str();
    for (const auto seq : seqs(back.messages(200))) got.insert(seq);
  }
  std::set<std::uint64_t> distinct(got.begin(), got.end());
  EXPECT_EQ(distinct.size(), 500U);
  EXPECT_EQ(*distinct.begin(), 1U);
  EXPECT_EQ(*distinct.rbegin(), 500U);
  EXPECT_EQ(got.size(), 500U) << "a restart resent what was already delivered";
  EXPECT_NE(log.str().find("cannot connect"), std::string::npos) << log.str();
  EXPECT_NE(log.str().find("connected; sending from finding 301"), std::string::npos) << log.str();
}

TEST_F(CollectorForwardTest, TlsChecksTheSiemsCertificate) {
  const auto cert = (dir_ / "siem.pem").string(), key = (dir_ / "siem.key").string();
  const std::string make = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=siem -addext "
                           "subjectAltName=IP:127.0.0.1 -keyout " + key + " -out " + cert +
                           " 2>/dev/null";
  ASSERT_EQ(std::system(make.c_str()), 0) << "openssl req failed";
  SSL_CTX* server = SSL_CTX_new(TLS_server_method());
  ASSERT_EQ(SSL_CTX_use_certificate_file(server, cert.c_str(), SSL_FILETYPE_PEM), 1);
  ASSERT_EQ(SSL_CTX_use_PrivateKey_file(server, key.c_str(), SSL_FILETYPE_PEM), 1);
  add_findings(1, 20);
  {
    SyslogSink sink(0, server);
    ForwardTarget target;
    ASSERT_EQ(parse_forward_target("syslog+tls://127.0.0.1:" + std::to_string(sink.port()), target),
              "");
    std::string error;
    target.ca_file = cert;
    std::ostringstream log;
    auto forwarder = SyslogForwarder::start(path_, target, &log, error);
    ASSERT_NE(forwarder, nullptr) << error;
    ASSERT_TRUE(forwarder->drain(std::chrono::seconds(20))) << log.str();
    EXPECT_EQ(seqs(sink.messages(20)).size(), 20U);
  }
  // The same SIEM, but the forwarder trusts only the system's CAs, which never signed it.
  {
    SyslogSink sink(0, server);
    ForwardTarget target;
    ASSERT_EQ(parse_forward_target("syslog+tls://127.0.0.1:" + std::to_string(sink.port()), target),
              "");
    std::ostringstream log;
    std::string error;
    auto forwarder = SyslogForwarder::start(path_, target, &log, error);
    ASSERT_NE(forwarder, nullptr) << error;
    for (int i = 0; i < 300 && forwarder->counters().failures.load() == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    forwarder.reset();
    EXPECT_TRUE(sink.messages().empty());
    EXPECT_NE(log.str().find("TLS handshake failed: "), std::string::npos) << log.str();
  }
  SSL_CTX_free(server);
}

TEST(CollectorForward, TargetsAreCheckedWhenParsed) {
  ForwardTarget t;
  EXPECT_EQ(parse_forward_target("syslog+tls://[2001:db8::1]:6514", t), "");
  EXPECT_TRUE(t.tls);
  EXPECT_EQ(t.host, "2001:db8::1");
  EXPECT_EQ(t.port, 6514);
  EXPECT_NE(parse_forward_target("tcp://siem:514", t), "");
  EXPECT_NE(parse_forward_target("syslog+tcp://siem", t), "");
  EXPECT_NE(parse_forward_target("syslog+tcp://siem:99999", t), "");
  EXPECT_NE(parse_forward_target("syslog+tcp://siem:0", t), "");
}

}  // namespace
}  // namespace limen::collector
