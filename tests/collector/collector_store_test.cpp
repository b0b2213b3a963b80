#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "collector/schema.h"
#include "collector/store.h"
#include "tests/collector/event_samples.h"
#include "tests/support/test_paths.h"

namespace limen::collector {
namespace {

using testing::finding_json;
using testing::FindingSample;
using Clock = Store::Clock;

class CollectorStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = limen::testing::make_temp_dir("collector-store");
    path_ = (dir_ / "events.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Store> open(StoreOptions options = {}) {
    std::string error;
    auto store = Store::open(path_, options, error);
    EXPECT_NE(store, nullptr) << error;
    return store;
  }
  // Counts rows through a separate connection: only committed rows are visible to it.
  std::int64_t committed(const std::string& sql) {
    std::string error;
    auto db = open_query_database(path_, error);
    EXPECT_TRUE(db.has_value()) << error;
    if (!db) return -1;
    const auto n = db->query_int(sql, error);
    EXPECT_TRUE(n.has_value()) << error;
    return n.value_or(-1);
  }
  static AddResult add(Store& store, std::uint64_t seq, const std::string& json,
                       std::string_view probe = "plant-a", std::uint64_t run = 77) {
    return store.add(wire::Envelope{probe, run, seq, json}, Clock::now(), 1'000'000);
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(CollectorStoreTest, StoresEachTypeInItsTable) {
  auto store = open();
  EXPECT_EQ(add(*store, 1, finding_json(FindingSample{})), AddResult::Stored);
  EXPECT_EQ(add(*store, 2, testing::flow_json()), AddResult::Stored);
  EXPECT_EQ(add(*store, 3, testing::stats_json()), AddResult::Stored);
  EXPECT_EQ(add(*store, 4, R"({"event_type":"finding","timestamp":"2026-03-02T08:00:00Z"})"),
            AddResult::Stored);
  ASSERT_TRUE(store->commit()) << store->last_error();
  const auto& c = store->counters();
  EXPECT_EQ(c.findings, 1U);
  EXPECT_EQ(c.flows, 1U);
  EXPECT_EQ(c.stats, 1U);
  EXPECT_EQ(c.other, 1U);
  EXPECT_EQ(c.noted, 1U);
  EXPECT_EQ(committed("SELECT COUNT(*) FROM findings WHERE probe='plant-a' AND run=77 AND seq=1 "
                      "AND time_us=1772438401250000 AND time='2026-03-02T08:00:01.250000Z' "
                      "AND kind='unauthorized_flow' AND rule_id=12 AND severity='high' "
                      "AND severity_level=3 AND src_zone='vendor' AND dest_zone='plc_cell' "
                      "AND src_ip='10.0.0.5' AND src_port=49152 AND dest_ip='10.1.0.10' "
                      "AND dest_port=502 AND proto='TCP' AND app_proto='modbus' "
                      "AND flow_id=123456789 AND community_id='1:abc=' AND raw LIKE '{%'"),
            1);
  EXPECT_EQ(committed("SELECT COUNT(*) FROM flows WHERE seq=2 AND verdict='allowed' "
                      "AND pkts_toserver=10 AND bytes_toclient=700 AND boundary=1 AND rule_id=7 "
                      "AND state='closed' AND reason='tcp_closed'"),
            1);
  EXPECT_EQ(committed("SELECT COUNT(*) FROM events WHERE seq=3 AND event_type='stats' "
                      "AND note IS NULL"),
            1);
  EXPECT_EQ(committed("SELECT COUNT(*) FROM events WHERE seq=4 AND event_type='finding' "
                      "AND note LIKE '%finding%'"),
            1);
  EXPECT_EQ(committed("SELECT received FROM probes WHERE name='plant-a' AND run=77"), 4);
}

TEST_F(CollectorStoreTest, DuplicatesAreDroppedAndCounted) {
  auto store = open();
  const auto json = finding_json(FindingSample{});
  EXPECT_EQ(add(*store, 1, json), AddResult::Stored);
  EXPECT_EQ(add(*store, 1, json), AddResult::Duplicate);
  // Same position, different content and type: still the same event.
  EXPECT_EQ(add(*store, 1, testing::stats_json()), AddResult::Duplicate);
  // Same seq from another run or another probe is a different event.
  EXPECT_EQ(add(*store, 1, json, "plant-a", 78), AddResult::Stored);
  EXPECT_EQ(add(*store, 1, json, "plant-b", 77), AddResult::Stored);
  ASSERT_TRUE(store->commit());
  EXPECT_EQ(store->counters().duplicates, 2U);
  EXPECT_EQ(store->counters().gaps, 0U);
  EXPECT_EQ(committed("SELECT COUNT(*) FROM findings"), 3);
  EXPECT_EQ(committed("SELECT COUNT(*) FROM events"), 0);
  EXPECT_EQ(committed("SELECT duplicates FROM probes WHERE name='plant-a' AND run=77"), 2);
  EXPECT_EQ(committed("SELECT received FROM probes WHERE name='plant-a' AND run=77"), 3);
}

TEST_F(CollectorStoreTest, GapsCountMissingEventsAndLateArrivalsFillThem) {
  auto store = open();
  const auto json = testing::stats_json();
  EXPECT_EQ(add(*store, 1, json), AddResult::Stored);
  EXPECT_EQ(add(*store, 2, json), AddResult::Stored);
  EXPECT_EQ(add(*store, 6, json), AddResult::Stored);  // 3, 4, 5 missing
  EXPECT_EQ(store->counters().gaps, 3U);
  EXPECT_EQ(add(*store, 4, json), AddResult::Stored);  // late
  EXPECT_EQ(add(*store, 4, json), AddResult::Duplicate);
  ASSERT_TRUE(store->commit());
  EXPECT_EQ(store->counters().gaps, 2U);
  EXPECT_EQ(store->counters().late, 1U);
  EXPECT_EQ(committed("SELECT gaps FROM probes WHERE name='plant-a'"), 2);
  EXPECT_EQ(committed("SELECT last_seq FROM probes WHERE name='plant-a'"), 6);
}

TEST_F(CollectorStoreTest, InvalidJsonIsRejectedButUsesItsPosition) {
  auto store = open();
  EXPECT_EQ(add(*store, 1, "{not json"), AddResult::InvalidJson);
  EXPECT_EQ(add(*store, 2, testing::stats_json()), AddResult::Stored);
  ASSERT_TRUE(store->commit());
  EXPECT_EQ(store->counters().invalid_json, 1U);
  EXPECT_EQ(store->counters().gaps, 0U);
  EXPECT_EQ(committed("SELECT COUNT(*) FROM events"), 1);
}

TEST_F(CollectorStoreTest, HugeSequenceNumbersDoNotWrap) {
  auto store = open();
  const auto json = testing::stats_json();
  const std::uint64_t top = ~std::uint64_t{0};
  EXPECT_EQ(add(*store, top, json, "p", top), AddResult::Stored);
  EXPECT_EQ(add(*store, top, json, "p", top), AddResult::Duplicate);
  ASSERT_TRUE(store->commit());
  EXPECT_EQ(store->counters().gaps, top - 1);
  EXPECT_EQ(committed("SELECT gaps FROM probes WHERE name='p'"),
            std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(committed("SELECT seq FROM events WHERE probe='p'"), -1);  // same 64 bits
}

TEST_F(CollectorStoreTest, ReopenKeepsRowsAndProbeState) {
  {
    auto store = open();
    EXPECT_EQ(add(*store, 1, testing::stats_json()), AddResult::Stored);
    EXPECT_EQ(add(*store, 2, testing::stats_json()), AddResult::Stored);
  }  // the destructor commits
  auto store = open();
  EXPECT_EQ(add(*store, 2, testing::stats_json()), AddResult::Duplicate);
  EXPECT_EQ(add(*store, 5, testing::stats_json()), AddResult::Stored);
  ASSERT_TRUE(store->commit());
  EXPECT_EQ(store->counters().gaps, 2U);
  EXPECT_EQ(committed("SELECT COUNT(*) FROM events"), 3);
  EXPECT_EQ(committed("SELECT received FROM probes WHERE name='plant-a'"), 4);
  EXPECT_EQ(committed("SELECT duplicates FROM probes WHERE name='plant-a'"), 1);
  EXPECT_EQ(committed("SELECT gaps FROM probes WHERE name='plant-a'"), 2);
  EXPECT_EQ(committed("SELECT first_seen_us FROM probes WHERE name='plant-a'"), 1'000'000);
}

TEST_F(CollectorStoreTest, BatchCommitsBySize) {
  StoreOptions options;
  options.batch_size = 3;
  options.batch_interval = std::chrono::hours(1);
  auto store = open(options);
  const auto now = Clock::now();
  for (std::uint64_t seq = 1; seq <= 2; ++seq) add(*store, seq, testing::stats_json());
  store->commit_if_due(now);
  EXPECT_EQ(committed("SELECT COUNT(*) FROM events"), 0);
  add(*store, 3, testing::stats_json());
  store->commit_if_due(now);
  EXPECT_EQ(committed("SELECT COUNT(*) FROM events"), 3);
}

TEST_F(CollectorStoreTest, BatchCommitsByTime) {
  StoreOptions options;
  options.batch_size = 1000;
  options.batch_interval = std::chrono::milliseconds(250);
  auto store = open(options);
  const auto start = Clock::now();
  store->add(wire::Envelope{"p", 1, 1, testing::stats_json()}, start, 0);
  EXPECT_EQ(store->time_until_due(start), std::chrono::milliseconds(250));
  store->commit_if_due(start + std::chrono::milliseconds(249));
  EXPECT_EQ(committed("SELECT COUNT(*) FROM events"), 0);
  store->commit_if_due(start + std::chrono::milliseconds(250));
  EXPECT_EQ(committed("SELECT COUNT(*) FROM events"), 1);
  EXPECT_EQ(store->time_until_due(start), std::chrono::milliseconds(250));  // idle
}

TEST_F(CollectorStoreTest, SchemaIsVersionedAndWal) {
  open();
  EXPECT_EQ(committed("PRAGMA user_version"), kSchemaVersion);
  std::string error;
  auto db = Db::open(path_, Db::Mode::ReadOnly, error);
  ASSERT_TRUE(db);
  auto stmt = db->prepare("PRAGMA journal_mode", error);
  ASSERT_EQ(stmt.step(), SQLITE_ROW);
  EXPECT_EQ(stmt.column_text(0), "wal");
}

TEST_F(CollectorStoreTest, RefusesANewerSchema) {
  open();
  {
    std::string error;
    auto db = Db::open(path_, Db::Mode::ReadWriteCreate, error);
    ASSERT_TRUE(db);
    ASSERT_EQ(db->exec("PRAGMA user_version = 3"), "");
  }
  std::string error;
  EXPECT_EQ(Store::open(path_, {}, error), nullptr);
  EXPECT_NE(error.find("schema version 3 is newer"), std::string::npos) << error;
  EXPECT_NE(error.find(path_), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(open_query_database(path_, error).has_value());
  EXPECT_NE(error.find("newer"), std::string::npos) << error;
}

// Retention counts from reception: each step deletes at most the batch from each table, only
// what was received before the cutoff, and the rows left are exactly the younger ones.
TEST_F(CollectorStoreTest, PruneDeletesWhatWasReceivedBeforeTheCutoffInBoundedSteps) {
  auto store = open();
  const auto add_at = [&](std::uint64_t seq, const std::string& json, std::int64_t received_us) {
    return store->add(wire::Envelope{"plant-a", 5, seq, json}, Clock::now(), received_us);
  };
  for (std::uint64_t seq = 1; seq <= 30; ++seq) {
    const std::string json = seq % 3 == 0   ? finding_json(FindingSample{})
                             : seq % 3 == 1 ? testing::flow_json()
                                            : testing::stats_json();
    ASSERT_EQ(add_at(seq, json, seq <= 21 ? 1'000 : 9'000), AddResult::Stored);
  }
  ASSERT_TRUE(store->commit());
  EXPECT_EQ(store->prune(5'000, 4, Clock::now()), 12U);  // 4 from each of the three tables
  ASSERT_TRUE(store->commit());
  EXPECT_EQ(committed("SELECT (SELECT COUNT(*) FROM findings) + (SELECT COUNT(*) FROM flows) + "
                      "(SELECT COUNT(*) FROM events)"),
            18);
  EXPECT_EQ(store->prune(5'000, 100, Clock::now()), 9U);
  EXPECT_EQ(store->prune(5'000, 100, Clock::now()), 0U);
  ASSERT_TRUE(store->commit());
  EXPECT_EQ(committed("SELECT COUNT(*) FROM findings WHERE received_us = 9000"), 3);
  EXPECT_EQ(committed("SELECT (SELECT COUNT(*) FROM findings) + (SELECT COUNT(*) FROM flows) + "
                      "(SELECT COUNT(*) FROM events)"),
            9);
  EXPECT_EQ(committed("SELECT MIN(seq) FROM (SELECT seq FROM findings UNION ALL SELECT seq FROM "
                      "flows UNION ALL SELECT seq FROM events)"),
            22);
  EXPECT_EQ(store->counters().pruned, 21U);
  // The (probe, run) is still heard from, so its bookkeeping stays.
  EXPECT_EQ(committed("SELECT COUNT(*) FROM probes"), 1);
  EXPECT_EQ(store->prune(10'000, 100, Clock::now()), 9U);
  ASSERT_TRUE(store->commit());
  EXPECT_EQ(committed("SELECT COUNT(*) FROM probes"), 0);
}

// A version 1 file (no received_us) is upgraded in place; its rows count as received at the
// upgrade, so none is pruned earlier than promised.
TEST_F(CollectorStoreTest, UpgradesAVersionOneDatabase) {
  {
    auto store = open();
    ASSERT_EQ(add(*store, 1, finding_json(FindingSample{})), AddResult::Stored);
    ASSERT_TRUE(store->commit());
  }
  {
    std::string error;
    auto db = Db::open(path_, Db::Mode::ReadWriteCreate, error);
    ASSERT_TRUE(db) << error;
    for (const char* table : {"findings", "flows", "events"}) {
      const std::string t(table);
      ASSERT_EQ(db->exec(("ALTER TABLE " + t +
                          " DROP COLUMN received_us").c_str()),
                "");
    }
    ASSERT_EQ(db->exec("PRAGMA user_version = 1"), "");
  }
  const auto before = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(committed("PRAGMA user_version"), 2);
  EXPECT_EQ(committed("SELECT COUNT(*) FROM findings WHERE received_us >= " +
                      std::to_string(before)),
            1);
  EXPECT_EQ(add(*store, 2, finding_json(FindingSample{})), AddResult::Stored);
  ASSERT_TRUE(store->commit());
  EXPECT_EQ(committed("SELECT COUNT(*) FROM findings"), 2);
}

TEST_F(CollectorStoreTest, RefusesAFileThatIsNotADatabase) {
  std::ofstream(path_) << "this is a text file, not SQLite, padded to be long enough to look "
                          "like a header of some kind........................................\n";
  std::string error;
  EXPECT_EQ(Store::open(path_, {}, error), nullptr);
  EXPECT_NE(error.find(path_), std::string::npos) << error;
  EXPECT_NE(error.find("not a database"), std::string::npos) << error;
}

TEST_F(CollectorStoreTest, RefusesAnUnwritableLocation) {
  std::string error;
  const auto missing = (dir_ / "no-such-dir" / "events.db").string();
  EXPECT_EQ(Store::open(missing, {}, error), nullptr);
  EXPECT_NE(error.find(missing), std::string::npos) << error;
}

TEST_F(CollectorStoreTest, QueryRefusesMissingOrEmptyDatabase) {
  std::string error;
  EXPECT_FALSE(open_query_database(path_, error).has_value());
  EXPECT_NE(error.find("no such file"), std::string::npos) << error;
  { auto db = Db::open(path_, Db::Mode::ReadWriteCreate, error); }  // empty SQLite file
  std::ofstream(path_, std::ios::app).flush();
  error.clear();
  EXPECT_FALSE(open_query_database(path_, error).has_value());
}

}  // namespace
}  // namespace limen::collector
