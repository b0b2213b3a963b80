#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "tests/collector/event_samples.h"
#include "tests/collector/zmq_sender.h"
#include "tests/support/process.h"
#include "tests/support/test_paths.h"

namespace limen::collector {
namespace {

using limen::testing::BackgroundProcess;
using limen::testing::run_process;
using testing::ZmqSender;

std::string binary() { return (limen::testing::binary_dir() / "bin" / "limen-collector").string(); }

class CollectorBinaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = limen::testing::make_temp_dir("collector-binary");
    db_ = (dir_ / "events.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string db_;
};

TEST_F(CollectorBinaryTest, ReceivesUntilSigtermThenQueries) {
  BackgroundProcess collector({binary(), "--listen", "tcp://127.0.0.1:*", "--db", db_, "--insecure"});
  const auto line = collector.wait_for_stdout_line("listening on", std::chrono::seconds(20));
  ASSERT_FALSE(line.empty()) << "no listening line";
  const std::string prefix = "limen-collector: listening on ";
  ASSERT_EQ(line.rfind(prefix, 0), 0U) << line;
  const auto comma = line.find(", database ");
  ASSERT_NE(comma, std::string::npos) << line;
  EXPECT_EQ(line.substr(comma + 11), db_);
  const auto endpoint = line.substr(prefix.size(), comma - prefix.size());

  // Two probes send and exit; only then is the collector told to stop.
  constexpr int kPerProbe = 25;
  for (const char* probe : {"plant-a", "plant-b"}) {
    ZmqSender sender(endpoint);
    for (int seq = 1; seq <= kPerProbe; ++seq) {
      testing::FindingSample f;
      f.probe = probe;
      sender.send(probe, 1, static_cast<std::uint64_t>(seq), testing::finding_json(f));
    }
    sender.send(probe, 1, kPerProbe + 1, testing::stats_json());
    sender.close();
  }
  collector.send_signal(SIGTERM);
  const auto result = collector.wait(std::chrono::seconds(30));
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.signal, 0);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("received 52, stored 52 (findings 50, flows 0, stats 2, other 0)"),
            std::string::npos)
      << result.err;

  auto count = run_process({binary(), "query", "--db", db_, "--count"});
  EXPECT_EQ(count.exit_code, 0) << count.err;
  EXPECT_EQ(count.out, "50\n");
  count = run_process({binary(), "query", "--db", db_, "--count", "--type", "stats"});
  EXPECT_EQ(count.out, "2\n");
  const auto table =
      run_process({binary(), "query", "--db", db_, "--probe", "plant-b", "--limit", "3"});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("plant-b"), std::string::npos);
  EXPECT_EQ(table.out.find("plant-a"), std::string::npos);
}

TEST_F(CollectorBinaryTest, StartupErrorsAreOneLineAndExitOne) {
  const auto bad_db = (dir_ / "missing-dir" / "events.db").string();
  auto r = run_process({binary(), "--listen", "tcp://127.0.0.1:*", "--db", bad_db, "--insecure"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("limen-collector: ", 0), 0U) << r.err;
  EXPECT_NE(r.err.find(bad_db), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;

  const auto not_sqlite = (dir_ / "notes.txt").string();
  std::ofstream(not_sqlite) << std::string(200, 'x');
  r = run_process({binary(), "--listen", "tcp://127.0.0.1:*", "--db", not_sqlite, "--insecure"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(not_sqlite), std::string::npos) << r.err;

  zmq::context_t context;
  zmq::socket_t holder(context, zmq::socket_type::pull);
  holder.bind("tcp://127.0.0.1:*");
  const auto taken = holder.get(zmq::sockopt::last_endpoint);
  r = run_process({binary(), "--listen", taken, "--db", db_, "--insecure"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(taken), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;

  r = run_process({binary(), "query", "--db", (dir_ / "none.db").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("none.db"), std::string::npos) << r.err;
}

TEST_F(CollectorBinaryTest, HelpAndVersion) {
  auto r = run_process({binary(), "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--listen"), std::string::npos);
  EXPECT_NE(r.out.find("Examples"), std::string::npos);
  r = run_process({binary(), "query", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--severity"), std::string::npos);
  r = run_process({binary(), "--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("limen-collector ", 0), 0U) << r.out;
  r = run_process({binary(), "--listen"});
  EXPECT_NE(r.exit_code, 0);
}

}  // namespace
}  // namespace limen::collector
