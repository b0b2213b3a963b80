#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <sstream>
#include <thread>

#include "collector/receiver.h"
#include "collector/schema.h"
#include "tests/collector/event_samples.h"
#include "tests/collector/zmq_sender.h"
#include "tests/support/test_paths.h"

namespace limen::collector {
namespace {

using testing::ZmqSender;

class CollectorReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = limen::testing::make_temp_dir("collector-receiver");
    path_ = (dir_ / "events.db").string();
    StoreOptions options;
    options.batch_size = 3;
    options.batch_interval = std::chrono::milliseconds(50);
    std::string error;
    store_ = Store::open(path_, options, error);
    ASSERT_NE(store_, nullptr) << error;
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::int64_t committed(const std::string& sql) {
    std::string error;
    auto db = open_query_database(path_, error);
    EXPECT_TRUE(db.has_value()) << error;
    return db ? db->query_int(sql, error).value_or(-1) : -1;
  }

  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

TEST_F(CollectorReceiverTest, StoresValidEventsAndCountsEveryKindOfBadInput) {
  std::string error;
  auto receiver = Receiver::bind("tcp://127.0.0.1:*", *store_, ReceiverSecurity::insecure(), error);
  ASSERT_NE(receiver, nullptr) << error;
  ASSERT_EQ(receiver->endpoint().rfind("tcp://127.0.0.1:", 0), 0U) << receiver->endpoint();
  ASSERT_EQ(receiver->endpoint().find('*'), std::string::npos);

  std::atomic<bool> stop{false};
  std::ostringstream log;
  std::thread thread([&] { receiver->run(stop, &log); });

  ZmqSender a(receiver->endpoint());
  ZmqSender b(receiver->endpoint());
  const std::string finding = testing::finding_json(testing::FindingSample{});
  a.send("plant-a", 9, 1, finding);
  a.send("plant-a", 9, 2, testing::flow_json());
  a.send("plant-a", 9, 3, testing::stats_json());
  a.send("plant-a", 9, 3, testing::stats_json());  // duplicate
  a.send("plant-a", 9, 4, finding);
  a.send("plant-a", 9, 7, finding);                  // 5 and 6 missing
  a.send("plant-a", 9, 8, "{\"event_type\": oops");  // invalid JSON
  b.send("plant-b", 1, 1, finding);
  // Malformed messages from a hostile or confused peer.
  b.send_frames({std::string(wire::kProtocol), "plant-b", ZmqSender::position(1, 2)});                // 3 frames
  b.send_frames({std::string(wire::kProtocol), "plant-b", ZmqSender::position(1, 2), finding, "x"});  // 5 frames
  b.send_frames({""});                                                             // 1 frame
  b.send_frames({"limen/1", "plant-b", ZmqSender::position(1, 2), finding});       // version
  b.send_frames({std::string(wire::kProtocol), "bad name!", ZmqSender::position(1, 2), finding});     // name
  b.send_frames({std::string(wire::kProtocol), "plant-b", "short", finding});                         // position
  b.send_frames({std::string(wire::kProtocol), "plant-b", ZmqSender::position(1, 0), finding});       // seq 0
  b.send_frames({std::string(wire::kProtocol), "plant-b", ZmqSender::position(1, 2), "[1]"});         // not object
  b.send("plant-b", 1, 2, testing::stats_json());  // the stream carries on after all that
  a.close();
  b.close();
  // Stop right away: the receiver must still drain what is queued before it commits.
  stop = true;
  thread.join();

  const auto& c = receiver->counters();
  const auto& s = store_->counters();
  EXPECT_EQ(c.messages, 17U) << log.str();
  EXPECT_EQ(c.bad_frames, 3U);
  EXPECT_EQ(c.bad_version, 1U);
  EXPECT_EQ(c.bad_envelope, 4U);
  EXPECT_EQ(s.invalid_json, 1U);
  EXPECT_EQ(receiver->rejected(), 9U);
  EXPECT_EQ(s.received, 9U);
  EXPECT_EQ(s.duplicates, 1U);
  EXPECT_EQ(s.gaps, 2U);
  EXPECT_EQ(s.findings, 4U);
  EXPECT_EQ(s.flows, 1U);
  EXPECT_EQ(s.stats, 2U);
  EXPECT_EQ(committed("SELECT COUNT(*) FROM findings"), 4);
  EXPECT_EQ(committed("SELECT COUNT(*) FROM flows"), 1);
  EXPECT_EQ(committed("SELECT COUNT(*) FROM events"), 2);
  EXPECT_EQ(committed("SELECT gaps FROM probes WHERE name='plant-a' AND run=9"), 2);
  EXPECT_EQ(committed("SELECT duplicates FROM probes WHERE name='plant-a' AND run=9"), 1);
  EXPECT_EQ(committed("SELECT last_seq FROM probes WHERE name='plant-b' AND run=1"), 2);

  const auto summary = receiver->summary();
  EXPECT_NE(summary.find("received 17, stored 7 (findings 4, flows 1, stats 2, other 0)"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("duplicates 1, gaps 2"), std::string::npos) << summary;
  EXPECT_NE(summary.find("rejected 9 (frames 3, version 1, envelope 4, json 1)"), std::string::npos)
      << summary;
  EXPECT_NE(log.str().find("unknown protocol 'limen/1'"), std::string::npos) << log.str();
  EXPECT_NE(log.str().find("got 5"), std::string::npos) << log.str();
}

TEST_F(CollectorReceiverTest, ManyEventsOverIpcAreAllStored) {
  const auto endpoint = "ipc://" + (dir_ / "collector.sock").string();
  std::string error;
  auto receiver = Receiver::bind(endpoint, *store_, ReceiverSecurity::insecure(), error);
  ASSERT_NE(receiver, nullptr) << error;
  EXPECT_EQ(receiver->endpoint(), endpoint);
  std::atomic<bool> stop{false};
  std::thread thread([&] { receiver->run(stop, nullptr); });
  constexpr std::uint64_t kEvents = 3000;
  {
    ZmqSender sender(endpoint);
    for (std::uint64_t seq = 1; seq <= kEvents; ++seq)
      sender.send("plant-a", 5, seq, testing::stats_json());
    sender.close();
  }
  stop = true;
  thread.join();
  EXPECT_EQ(store_->counters().stats, kEvents);
  EXPECT_EQ(store_->counters().gaps, 0U);
  EXPECT_EQ(committed("SELECT COUNT(*) FROM events"), static_cast<std::int64_t>(kEvents));
}

// Retention with the collector's clock moved forward past it: the events received before the
// jump disappear, step by step, while the events that keep arriving are all stored.
TEST(CollectorRetention, OldRecordsDisappearWhileIngestionContinues) {
  const auto dir = limen::testing::make_temp_dir("collector-retention");
  const auto path = (dir / "events.db").string();
  StoreOptions options;
  options.batch_size = 100;
  options.batch_interval = std::chrono::milliseconds(20);
  options.retention = std::chrono::hours(183 * 24);
  options.prune_batch = 40;
  options.prune_interval = std::chrono::milliseconds(10);
  std::string error;
  auto store = Store::open(path, options, error);
  ASSERT_NE(store, nullptr) << error;
  auto receiver = Receiver::bind("tcp://127.0.0.1:*", *store, ReceiverSecurity::insecure(), error);
  ASSERT_NE(receiver, nullptr) << error;
  static std::atomic<std::int64_t> now_us{1'780'000'000'000'000};  // 2026-05-28
  receiver->set_wall_clock([] { return now_us.load(); });
  std::atomic<bool> stop{false};
  std::thread thread([&] { receiver->run(stop, nullptr); });
  const auto count = [&](const std::string& where) {
    auto db = open_query_database(path, error);
    return db ? db->query_int("SELECT COUNT(*) FROM events WHERE " + where, error).value_or(-1)
              : -1;
  };
  const auto wait_for = [&](const std::string& where, std::int64_t n) {
    for (int i = 0; i < 1000 && count(where) != n; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return count(where);
  };
  ZmqSender sender(receiver->endpoint());
  constexpr std::uint64_t kOld = 400, kNew = 400;
  for (std::uint64_t seq = 1; seq <= kOld; ++seq) sender.send("plant-a", 1, seq, testing::stats_json());
  ASSERT_EQ(wait_for("seq <= 400", kOld), static_cast<std::int64_t>(kOld));
  // 184 days later, as far as the collector can tell.
  now_us += std::int64_t{184} * 24 * 3600 * 1'000'000;
  for (std::uint64_t seq = kOld + 1; seq <= kOld + kNew; ++seq) {
    sender.send("plant-a", 1, seq, testing::stats_json());
    if (seq % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(wait_for("seq <= 400", 0), 0);
  EXPECT_EQ(wait_for("seq > 400", kNew), static_cast<std::int64_t>(kNew));
  sender.close();
  stop = true;
  thread.join();
  EXPECT_EQ(store->counters().pruned, kOld);
  EXPECT_EQ(store->counters().stats, kOld + kNew);
  receiver.reset();
  store.reset();
  std::filesystem::remove_all(dir);
}

TEST_F(CollectorReceiverTest, BindErrorsNameTheEndpoint) {
  std::string error;
  auto first = Receiver::bind("tcp://127.0.0.1:*", *store_, ReceiverSecurity::insecure(), error);
  ASSERT_NE(first, nullptr) << error;
  const auto taken = first->endpoint();
  EXPECT_EQ(Receiver::bind(taken, *store_, ReceiverSecurity::insecure(), error), nullptr);
  EXPECT_NE(error.find(taken), std::string::npos) << error;
  EXPECT_NE(error.find("in use"), std::string::npos) << error;
  for (const std::string bad : {"bogus://x", "tcp://no-such-host.invalid:1", "tcp://127.0.0.1"}) {
    error.clear();
    EXPECT_EQ(Receiver::bind(bad, *store_, ReceiverSecurity::insecure(), error), nullptr) << bad;
    EXPECT_NE(error.find(bad), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace limen::collector
