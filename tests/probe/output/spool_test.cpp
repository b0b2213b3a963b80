#include "probe/output/spool.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace limen::output {
namespace {

class SpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/limen-spool-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    config_.dir = dir_ / "spool";
    config_.max_bytes = 1 << 20;
    config_.segment_bytes = 64 << 10;
    config_.sync = SpoolSync::Never;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<Spool> open() {
    std::string error;
    auto s = Spool::open(config_, error);
    EXPECT_TRUE(s) << error;
    return s;
  }
  static std::string event(std::uint64_t seq) {
    return "{\"seq\":" + std::to_string(seq) + ",\"pad\":\"" + std::string(200, 'x') + "\"}";
  }
  // Hands out every record left, checking their order; returns the last seq.
  static std::uint64_t send_all(Spool& s, std::uint64_t first) {
    SpoolRecord r;
    std::uint64_t expect = first;
    while (s.peek(r)) {
      EXPECT_EQ(r.seq, expect);
      EXPECT_EQ(r.probe, "p1");
      EXPECT_EQ(r.event, event(r.seq));
      s.advance();
      ++expect;
    }
    return expect - 1;
  }

  std::filesystem::path dir_;
  SpoolConfig config_;
};

TEST_F(SpoolTest, KeepsWhatIsNotAcknowledgedAcrossARestart) {
  {
    auto s = open();
    for (std::uint64_t i = 1; i <= 1000; ++i) ASSERT_TRUE(s->append("p1", 7, i, 1, event(i)));
    EXPECT_EQ(send_all(*s, 1), 1000U);
    EXPECT_FALSE(s->acknowledge(7, 2, 7, 600));  // does not start at the oldest in flight
    EXPECT_TRUE(s->acknowledge(7, 1, 7, 600));
    EXPECT_FALSE(s->acknowledge(7, 1, 7, 600));  // no longer in flight
    EXPECT_FALSE(s->acknowledge(7, 601, 8, 700));  // not ours
    EXPECT_EQ(s->pending(), 400U);
    s->sync();
  }
  auto s = open();
  EXPECT_EQ(s->recovered(), 400U);
  EXPECT_EQ(send_all(*s, 601), 1000U);
  EXPECT_TRUE(s->acknowledge(7, 601, 7, 1000));
  EXPECT_EQ(s->pending(), 0U);
  // Confirmed segments are gone: only the segment being written stays.
  std::size_t segments = 0;
  for (const auto& e : std::filesystem::directory_iterator(config_.dir))
    segments += e.path().extension() == ".seg";
  EXPECT_EQ(segments, 1U);
}

TEST_F(SpoolTest, RewindSendsAgainFromTheFirstUnacknowledged) {
  auto s = open();
  for (std::uint64_t i = 1; i <= 50; ++i) ASSERT_TRUE(s->append("p1", 7, i, 1, event(i)));
  EXPECT_EQ(send_all(*s, 1), 50U);
  EXPECT_TRUE(s->acknowledge(7, 1, 7, 20));
  s->rewind();
  EXPECT_EQ(s->in_flight(), 0U);
  EXPECT_EQ(send_all(*s, 21), 50U);
}

// A DEALER socket reconnects by itself: events sent on a connection to a collector that died
// are gone, and an acknowledgement from the next connection, which saw only later events, must
// not confirm them.
TEST_F(SpoolTest, AnAcknowledgementThatSkipsTheOldestUnacknowledgedIsIgnored) {
  auto s = open();
  for (std::uint64_t i = 1; i <= 30; ++i) ASSERT_TRUE(s->append("p1", 7, i, 1, event(i)));
  EXPECT_EQ(send_all(*s, 1), 30U);
  EXPECT_FALSE(s->acknowledge(7, 11, 7, 30));  // 1..10 went to a collector that died
  EXPECT_EQ(s->pending(), 30U);
  s->rewind();
  EXPECT_EQ(send_all(*s, 1), 30U);
  EXPECT_TRUE(s->acknowledge(7, 1, 7, 10));
  EXPECT_TRUE(s->acknowledge(7, 11, 7, 30));
  EXPECT_EQ(s->pending(), 0U);
}

TEST_F(SpoolTest, ADamagedTailIsCutAndCounted) {
  {
    auto s = open();
    for (std::uint64_t i = 1; i <= 10; ++i) ASSERT_TRUE(s->append("p1", 7, i, 1, event(i)));
    s->sync();
  }
  std::filesystem::path seg;
  for (const auto& e : std::filesystem::directory_iterator(config_.dir))
    if (e.path().extension() == ".seg" && e.file_size() > 0) seg = e.path();
  ASSERT_FALSE(seg.empty());
  const auto size = std::filesystem::file_size(seg);
  {
    // Flip a byte in the last record's event, then add half a record (a crash mid-write).
    std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size - 5));
    f.put('#');
    f.seekp(0, std::ios::end);
    f.write("LSP1garbage", 11);
  }
  auto s = open();
  EXPECT_EQ(s->recovered(), 9U);
  EXPECT_GT(s->damaged_bytes(), 11U);
  EXPECT_EQ(send_all(*s, 1), 9U);
}

TEST_F(SpoolTest, AFullSpoolDropsTheOldestOrRefusesAndCountsTheLoss) {
  {
    auto s = open();
    for (std::uint64_t i = 1; i <= 10000; ++i) ASSERT_TRUE(s->append("p1", 7, i, static_cast<std::int64_t>(100 + i), event(i)));
    EXPECT_GT(s->lost().events, 0U);
    EXPECT_EQ(s->lost().first_us, 101);
    EXPECT_EQ(s->pending() + s->lost().events, 10000U);
    SpoolRecord r;
    ASSERT_TRUE(s->peek(r));
    EXPECT_EQ(r.seq, s->lost().events + 1);  // the oldest went, in order
  }
  std::filesystem::remove_all(config_.dir);
  config_.full = SpoolFull::Refuse;
  auto s = open();
  std::uint64_t kept = 0;
  for (std::uint64_t i = 1; i <= 10000; ++i) kept += s->append("p1", 7, i, 1, event(i)) ? 1U : 0U;
  EXPECT_EQ(kept + s->lost().events, 10000U);
  EXPECT_EQ(send_all(*s, 1), kept);  // the first ones stayed
}

TEST_F(SpoolTest, TwoProcessesCannotShareOne) {
  auto first = open();
  std::string error;
  EXPECT_FALSE(Spool::open(config_, error));
  EXPECT_NE(error.find("in use by another process"), std::string::npos) << error;
  EXPECT_EQ(std::filesystem::status(config_.dir).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);
}

}  // namespace
}  // namespace limen::output
