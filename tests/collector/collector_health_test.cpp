// Probe health from heartbeats: silence, clock skew, capture and spool losses, each one finding
// per episode; and the receiver storing those findings under the collector's own name.
#include <gtest/gtest.h>

#include <atomic>
#include <sstream>
#include <thread>

#include "collector/probe_health.h"
#include "collector/receiver.h"
#include "collector/schema.h"
#include "common/timestamp.h"
#include "tests/collector/zmq_sender.h"
#include "tests/support/test_paths.h"

namespace limen::collector {
namespace {

constexpr std::int64_t kSecond = 1'000'000;
constexpr std::int64_t kT0 = 1'780'000'000 * kSecond;

Heartbeat beat(std::int64_t probe_time_us) {
  Heartbeat hb;
  hb.probe_time_us = probe_time_us;
  hb.interval_s = 5;
  hb.has_capture = true;
  return hb;
}

std::vector<std::string> kinds(const std::vector<HealthFinding>& f) {
  std::vector<std::string> out;
  for (const auto& x : f) out.push_back(x.kind);
  return out;
}

TEST(ProbeHealth, ClockSkewIsReportedOncePerEpisode) {
  ProbeHealth health(HealthOptions{});
  std::vector<HealthFinding> out;
  health.on_heartbeat("p", 1, beat(kT0 + 1'900'000), kT0, out);  // within 2 s
  EXPECT_TRUE(out.empty());
  health.on_heartbeat("p", 1, beat(kT0 + 10 * kSecond + 3 * kSecond), kT0 + 10 * kSecond, out);
  ASSERT_EQ(kinds(out), std::vector<std::string>{"probe_clock_skew"});
  EXPECT_NE(out[0].message.find("3.00 s ahead of the collector's (bound 2.00 s)"),
            std::string::npos)
      << out[0].message;
  EXPECT_EQ(out[0].subject, "p");
  out.clear();
  health.on_heartbeat("p", 1, beat(kT0 + 15 * kSecond + 3 * kSecond), kT0 + 15 * kSecond, out);
  EXPECT_TRUE(out.empty());  // the same episode
  health.on_heartbeat("p", 1, beat(kT0 + 20 * kSecond), kT0 + 20 * kSecond, out);
  health.on_heartbeat("p", 1, beat(kT0 + 25 * kSecond - 4 * kSecond), kT0 + 25 * kSecond, out);
  ASSERT_EQ(kinds(out), std::vector<std::string>{"probe_clock_skew"});  // a new one
  EXPECT_NE(out[0].message.find("4.00 s behind"), std::string::npos) << out[0].message;
}

TEST(ProbeHealth, SilenceThenBackAndAnEndedRunIsNotSilent) {
  ProbeHealth health(HealthOptions{std::chrono::seconds(30), std::chrono::milliseconds(2000)});
  std::vector<HealthFinding> out;
  health.on_heartbeat("p", 1, beat(kT0), kT0, out);
  health.check(kT0 + 30 * kSecond, out);
  EXPECT_TRUE(out.empty());
  health.check(kT0 + 31 * kSecond, out);
  ASSERT_EQ(kinds(out), std::vector<std::string>{"probe_silent"});
  EXPECT_NE(out[0].message.find("no heartbeat for 31.00 s"), std::string::npos) << out[0].message;
  out.clear();
  health.check(kT0 + 90 * kSecond, out);
  EXPECT_TRUE(out.empty());  // once per silence
  health.on_heartbeat("p", 1, beat(kT0 + 100 * kSecond), kT0 + 100 * kSecond, out);
  ASSERT_EQ(kinds(out), std::vector<std::string>{"probe_back"});
  out.clear();
  Heartbeat last = beat(kT0 + 101 * kSecond);
  last.ended = true;
  health.on_heartbeat("p", 1, last, kT0 + 101 * kSecond, out);
  health.check(kT0 + 1000 * kSecond, out);
  EXPECT_TRUE(out.empty());
  // Known from an earlier collector run, and not ended: silent if it stays away.
  health.restore("q", kT0, false, 5);
  health.check(kT0 + 40 * kSecond, out);
  EXPECT_EQ(kinds(out), std::vector<std::string>{"probe_silent"});
}

TEST(ProbeHealth, CaptureLossesAreSummedAtMostOnceAMinute) {
  ProbeHealth health(HealthOptions{});
  std::vector<HealthFinding> out;
  auto hb = beat(kT0);
  hb.probe_time_us = kT0;
  health.on_heartbeat("p", 1, hb, kT0, out);
  EXPECT_TRUE(out.empty());
  hb.kernel_drops = 10;
  hb.packets = 1000;
  hb.probe_time_us = kT0 + 5 * kSecond;
  health.on_heartbeat("p", 1, hb, kT0 + 5 * kSecond, out);
  ASSERT_EQ(kinds(out), std::vector<std::string>{"probe_capture_loss"});
  EXPECT_NE(out[0].message.find("dropped 10 packets"), std::string::npos) << out[0].message;
  out.clear();
  hb.kernel_drops = 15;
  hb.worker_queue_drops = 5;
  hb.probe_time_us = kT0 + 10 * kSecond;
  health.on_heartbeat("p", 1, hb, kT0 + 10 * kSecond, out);
  hb.kernel_drops = 20;
  hb.probe_time_us = kT0 + 15 * kSecond;
  health.on_heartbeat("p", 1, hb, kT0 + 15 * kSecond, out);
  hb.probe_time_us = kT0 + 60 * kSecond;
  health.on_heartbeat("p", 1, hb, kT0 + 60 * kSecond, out);
  EXPECT_TRUE(out.empty());  // held back: the last report is under a minute old
  health.check(kT0 + 66 * kSecond, out);
  ASSERT_EQ(kinds(out), std::vector<std::string>{"probe_capture_loss"});
  EXPECT_NE(out[0].message.find("dropped 15 packets"), std::string::npos) << out[0].message;
  out.clear();
  // A new run counts from zero again.
  hb = beat(kT0 + 200 * kSecond);
  hb.kernel_drops = 3;
  hb.probe_time_us = kT0 + 200 * kSecond;
  health.on_heartbeat("p", 2, hb, kT0 + 200 * kSecond, out);
  ASSERT_EQ(kinds(out), std::vector<std::string>{"probe_capture_loss"});
  EXPECT_NE(out[0].message.find("dropped 3 packets"), std::string::npos) << out[0].message;
}

TEST(ProbeHealth, SpoolLossesAreReported) {
  ProbeHealth health(HealthOptions{});
  std::vector<HealthFinding> out;
  auto hb = beat(kT0);
  hb.spool_lost_events = 120;
  hb.spool_lost_bytes = 64000;
  hb.probe_time_us = kT0;
  health.on_heartbeat("p", 1, hb, kT0, out);
  ASSERT_EQ(kinds(out), std::vector<std::string>{"probe_spool_loss"});
  EXPECT_NE(out[0].message.find("lost 120 events"), std::string::npos) << out[0].message;
  out.clear();
  hb.probe_time_us = kT0 + 5 * kSecond;
  health.on_heartbeat("p", 1, hb, kT0 + 5 * kSecond, out);
  EXPECT_TRUE(out.empty());
}

TEST(ProbeHealth, HeartbeatsAreReadStrictly) {
  Heartbeat hb;
  std::string error;
  EXPECT_TRUE(parse_heartbeat(R"({"time":"2026-12-08T10:00:00.5Z","interval":5,"ended":true,)"
                              R"("capture":{"packets":9,"kernel_drops":1},"spool":{"pending":2}})",
                              hb, error))
      << error;
  EXPECT_TRUE(hb.ended);
  EXPECT_EQ(hb.kernel_drops, 1U);
  EXPECT_EQ(hb.spool_pending, 2U);
  EXPECT_FALSE(parse_heartbeat("{}", hb, error));
  EXPECT_EQ(error, "heartbeat without a time");
  EXPECT_FALSE(parse_heartbeat(R"({"time":"yesterday"})", hb, error));
  EXPECT_FALSE(parse_heartbeat("[1]", hb, error));
}

// End to end in process: heartbeats over the wire, the collector's clock moved, its findings
// stored under its own name and the probe's last heartbeat kept.
TEST(CollectorHealth, FindingsAboutProbesAreStoredUnderTheCollectorsName) {
  const auto dir = limen::testing::make_temp_dir("collector-health");
  const auto path = (dir / "events.db").string();
  StoreOptions options;
  options.batch_size = 10;
  options.batch_interval = std::chrono::milliseconds(20);
  std::string error;
  auto store = Store::open(path, options, error);
  ASSERT_NE(store, nullptr) << error;
  auto receiver = Receiver::bind("tcp://127.0.0.1:*", *store, ReceiverSecurity::insecure(), error);
  ASSERT_NE(receiver, nullptr) << error;
  static std::atomic<std::int64_t> now_us{kT0};
  receiver->set_wall_clock([] { return now_us.load(); });
  receiver->set_health("central", HealthOptions{std::chrono::seconds(30),
                                                std::chrono::milliseconds(2000)});
  std::atomic<bool> stop{false};
  std::ostringstream log;
  std::thread thread([&] { receiver->run(stop, &log); });
  const auto heartbeat = [](std::int64_t probe_time_us, std::uint64_t last_seq) {
    return std::vector<std::string>{
        std::string(wire::kHeartbeatProtocol), "plant-a",
        testing::ZmqSender::position(7, last_seq),
        R"({"time":")" + format_rfc3339(Timestamp{probe_time_us}) +
            R"(","interval":5,"capture":{"packets":100,"kernel_drops":0},"spool":{"pending":0}})"};
  };
  const auto stored = [&](const std::string& where) {
    auto db = open_query_database(path, error);
    return db ? db->query_int("SELECT COUNT(*) FROM findings WHERE " + where, error).value_or(-1)
              : -1;
  };
  const auto wait_for = [&](const std::string& where, std::int64_t n) {
    for (int i = 0; i < 500 && stored(where) != n; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return stored(where);
  };
  testing::ZmqSender probe(receiver->endpoint());
  probe.send_frames(heartbeat(kT0 + 5 * kSecond, 12));  // 5 s ahead
  EXPECT_EQ(wait_for("probe = 'central' AND kind = 'probe_clock_skew'", 1), 1) << log.str();
  now_us += 40 * kSecond;  // then nothing for 40 s
  EXPECT_EQ(wait_for("probe = 'central' AND kind = 'probe_silent'", 1), 1) << log.str();
  probe.send_frames(heartbeat(now_us.load(), 20));
  EXPECT_EQ(wait_for("probe = 'central' AND kind = 'probe_back'", 1), 1) << log.str();
  probe.send_frames({std::string(wire::kHeartbeatProtocol), "plant-a",
                     testing::ZmqSender::position(7, 1), "{\"no\":\"time\"}"});
  probe.close();
  for (int i = 0; i < 500 && receiver->counters().bad_heartbeats == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  stop = true;
  thread.join();
  EXPECT_EQ(receiver->counters().heartbeats, 2U);
  EXPECT_EQ(receiver->counters().bad_heartbeats, 1U);
  EXPECT_EQ(stored("json_extract(raw, '$.finding.subject') = 'plant-a'"), 3);
  EXPECT_EQ(stored("probe = 'plant-a'"), 0);  // heartbeats are not events
  auto db = open_query_database(path, error);
  ASSERT_TRUE(db) << error;
  EXPECT_EQ(db->query_int("SELECT last_seq FROM probe_health WHERE name = 'plant-a'", error), 20);
  EXPECT_NE(log.str().find("probe_silent: probe plant-a has sent no heartbeat"),
            std::string::npos)
      << log.str();
  receiver.reset();
  store.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace limen::collector
