// Who may write into the store: a CURVE collector with an allow list, and every kind of stranger
// (unknown key, wrong collector key, plain text, a listed probe claiming another's name, hostile
// frames) refused or rejected, counted, and the store left unchanged.
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "collector/receiver.h"
#include "collector/schema.h"
#include "collector/stats_report.h"
#include "tests/collector/event_samples.h"
#include "tests/collector/zmq_sender.h"
#include "tests/support/test_paths.h"

namespace limen::collector {
namespace {

using testing::ZmqSender;

curve::KeyPair key_pair() {
  std::string error;
  auto pair = curve::new_key_pair(error);
  EXPECT_TRUE(pair.has_value()) << error;
  return pair.value_or(curve::KeyPair{});
}

class CollectorAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = limen::testing::make_temp_dir("collector-auth");
    path_ = (dir_ / "events.db").string();
    StoreOptions options;
    options.batch_size = 1;
    options.batch_interval = std::chrono::milliseconds(20);
    std::string error;
    store_ = Store::open(path_, options, error);
    ASSERT_NE(store_, nullptr) << error;
    server_ = key_pair();
    plant_a_ = key_pair();
    ReceiverSecurity security;
    security.key = server_;
    ASSERT_TRUE(security.allow.add("plant-a", plant_a_.public_key, error)) << error;
    receiver_ = Receiver::bind("tcp://127.0.0.1:*", *store_, std::move(security), error);
    ASSERT_NE(receiver_, nullptr) << error;
    thread_ = std::thread([this] { receiver_->run(stop_, &log_); });
  }
  void TearDown() override {
    stop();
    receiver_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void stop() {
    if (!thread_.joinable()) return;
    stop_ = true;
    thread_.join();
  }
  std::int64_t stored() {
    std::string error;
    auto db = open_query_database(path_, error);
    EXPECT_TRUE(db.has_value()) << error;
    return db ? db->query_int("SELECT (SELECT COUNT(*) FROM findings) + (SELECT COUNT(*) FROM "
                              "flows) + (SELECT COUNT(*) FROM events)",
                              error)
                    .value_or(-1)
              : -1;
  }
  // Waits until `done` holds (the receiver works on its own thread), at most 10 s.
  template <typename F>
  static bool eventually(F done) {
    for (int i = 0; i < 500 && !done(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return done();
  }

  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Receiver> receiver_;
  curve::KeyPair server_, plant_a_;
  std::atomic<bool> stop_{false};
  std::ostringstream log_;
  std::thread thread_;
};

TEST_F(CollectorAuthTest, AListedProbeIsStoredAndAcknowledged) {
  ZmqSender probe(receiver_->endpoint(), server_.public_key, plant_a_);
  probe.send("plant-a", 1, 1, testing::finding_json(testing::FindingSample{}));
  EXPECT_TRUE(probe.acknowledged(10'000)) << log_.str();
  probe.close();
  stop();
  EXPECT_EQ(stored(), 1);
  EXPECT_EQ(receiver_->auth_counters().accepted, 1U);
  EXPECT_EQ(receiver_->auth_counters().refused(), 0U) << log_.str();
}

TEST_F(CollectorAuthTest, StrangersAreRefusedCountedAndStoreNothing) {
  const std::string event = testing::finding_json(testing::FindingSample{});
  const auto stranger = key_pair();
  const auto wrong_server = key_pair();
  {
    ZmqSender unknown(receiver_->endpoint(), server_.public_key, stranger);
    unknown.send("plant-a", 1, 1, event);
    ASSERT_TRUE(eventually([&] { return receiver_->auth_counters().unknown_key >= 1; }))
        << log_.str();
    EXPECT_FALSE(unknown.acknowledged(200));
    unknown.drop();
  }
  {
    ZmqSender wrong_key(receiver_->endpoint(), wrong_server.public_key, plant_a_);
    wrong_key.send("plant-a", 1, 2, event);
    ASSERT_TRUE(eventually([&] { return receiver_->auth_counters().handshake >= 1; }))
        << log_.str();
    wrong_key.drop();
  }
  const std::uint64_t after_wrong_key = receiver_->auth_counters().handshake;
  {
    ZmqSender plain(receiver_->endpoint());
    plain.send("plant-a", 1, 3, event);
    ASSERT_TRUE(eventually([&] { return receiver_->auth_counters().handshake > after_wrong_key; }))
        << log_.str();
    plain.drop();
  }
  {
    // A listed probe may not write under another probe's name.
    ZmqSender impostor(receiver_->endpoint(), server_.public_key, plant_a_);
    impostor.send("plant-b", 1, 1, event);
    ASSERT_TRUE(eventually([&] { return receiver_->auth_counters().wrong_name >= 1; }))
        << log_.str();
    EXPECT_FALSE(impostor.acknowledged(200));
    impostor.drop();
  }
  stop();
  EXPECT_EQ(stored(), 0) << log_.str();
  EXPECT_EQ(store_->counters().received, 0U);
  const auto log = log_.str();
  EXPECT_NE(log.find("refused a connection from 127.0.0.1"), std::string::npos) << log;
  EXPECT_NE(log.find("is not in the allow list"), std::string::npos) << log;
  EXPECT_NE(log.find(curve::z85(stranger.public_key)), std::string::npos) << log;
  EXPECT_NE(log.find("does not hold this collector's public key"), std::string::npos) << log;
  // A plain-text client is told apart by its greeting, unless it hangs up first on seeing ours.
  EXPECT_TRUE(log.find("does not speak CURVE") != std::string::npos ||
              log.find("it closed or broke the handshake") != std::string::npos)
      << log;
  EXPECT_NE(log.find("refused event plant-b run 1 seq 1: its sender's key is bound to 'plant-a'"),
            std::string::npos)
      << log;
  const auto summary = receiver_->summary();
  EXPECT_NE(summary.find("refused "), std::string::npos) << summary;
  EXPECT_NE(summary.find("wrong name 1"), std::string::npos) << summary;
  // The refusals outlive the process: `limen-collector stats` reads them from the database.
  std::ostringstream report;
  std::string error;
  ASSERT_TRUE(run_stats(StatsOptions{path_, true, 0}, report, error)) << error;
  const auto stats = nlohmann::json::parse(report.str());
  const auto& a = receiver_->auth_counters();
  EXPECT_EQ(stats["refused"]["unknown_key"], a.unknown_key.load()) << report.str();
  EXPECT_EQ(stats["refused"]["handshake"], a.handshake.load()) << report.str();
  EXPECT_EQ(stats["refused"]["wrong_name"], 1) << report.str();
  EXPECT_EQ(stats["stored"], 0);
}

// A listed probe that sends malformed or oversized frames gets them rejected and counted; what
// it quotes reaches the log escaped, never as terminal control sequences.
TEST_F(CollectorAuthTest, HostileFramesFromAListedProbeAreRejectedAndEscaped) {
  const std::string event = testing::finding_json(testing::FindingSample{});
  ZmqSender probe(receiver_->endpoint(), server_.public_key, plant_a_);
  probe.send_frames({"\x1b[2J\x1b]0;pwned\x07", "plant-a", ZmqSender::position(1, 1), event});
  probe.send_frames({std::string(wire::kProtocol), "plant-a", ZmqSender::position(1, 1)});
  probe.send_frames({std::string(wire::kProtocol), "plant-a", ZmqSender::position(1, 1),
                     "{" + std::string(wire::kMaxEventBytes, ' ') + "}"});
  probe.send_frames({std::string(wire::kProtocol), "plant-a", "short", event});
  ASSERT_TRUE(eventually([&] { return receiver_->counters().messages >= 4; })) << log_.str();
  probe.close();
  stop();
  EXPECT_EQ(stored(), 0);
  EXPECT_EQ(receiver_->counters().bad_version, 1U);
  EXPECT_EQ(receiver_->counters().bad_frames, 1U);
  EXPECT_EQ(receiver_->counters().bad_envelope, 2U);
  const auto log = log_.str();
  EXPECT_EQ(log.find('\x1b'), std::string::npos) << "raw escape sequence in the log";
  EXPECT_EQ(log.find('\x07'), std::string::npos) << "raw bell in the log";
  EXPECT_NE(log.find("unknown protocol '\\x1b[2J\\x1b]0;pwned\\x07'"), std::string::npos) << log;
}

}  // namespace
}  // namespace limen::collector
