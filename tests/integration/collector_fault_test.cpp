// Delivery under faults, end to end: two probes replay real captures to one collector over
// CURVE while the collector is killed with SIGKILL three times and restarted, and one probe is
// stopped part-way through its captures and started again. The store must end with every event
// the probes wrote to their EVE files, each exactly once, byte for byte, and nothing else.
//
// The kills are placed against the collector's commit clock (a batch every 700 ms, never by
// size), so the first instance dies before any commit (everything it received must be resent)
// and the later ones die after some commits (what was stored but not yet acknowledged comes
// again and must not be stored twice).

#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "collector/schema.h"
#include "tests/integration/binaries.h"
#include "tests/support/process.h"

namespace limen::testing {
namespace {

constexpr const char* kRules = R"(# Every flow crosses a boundary; every flow and every change is a finding.
zone a critical 0.0.0.0/2
zone b other 64.0.0.0/2
zone c third-party 128.0.0.0/2
zone d other 192.0.0.0/2
alert 10 any -> any any if operation in {write, control, program, stop, restart} severity high "changes"
alert 20 any -> any any severity low "every flow"
default deny severity medium
)";

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string key_line(const std::filesystem::path& file) {
  std::istringstream lines(slurp(file));
  std::string line;
  while (std::getline(lines, line))
    if (line.size() == 40) return line;
  return {};
}

// seq -> the event line, as the EVE file has it.
std::map<std::uint64_t, std::string> eve_by_seq(const std::filesystem::path& file) {
  std::map<std::uint64_t, std::string> out;
  std::istringstream lines(slurp(file));
  std::string line;
  while (std::getline(lines, line)) {
    const auto at = line.find("\"seq\":");
    if (at == std::string::npos) continue;
    out.emplace(std::stoull(line.substr(at + 6)), line);
  }
  return out;
}

using ProbeRun = std::pair<std::string, std::uint64_t>;  // (probe, run)

// (probe, run) -> seq -> the raw event, across the three event tables.
std::map<ProbeRun, std::map<std::uint64_t, std::string>> stored(const std::string& db_path,
                                                           std::size_t& rows) {
  std::map<ProbeRun, std::map<std::uint64_t, std::string>> out;
  std::string error;
  auto db = collector::open_query_database(db_path, error);
  EXPECT_TRUE(db.has_value()) << error;
  rows = 0;
  if (!db) return out;
  auto stmt = db->prepare(
      "SELECT probe, run, seq, raw FROM findings UNION ALL SELECT probe, run, seq, raw FROM flows "
      "UNION ALL SELECT probe, run, seq, raw FROM events",
      error);
  EXPECT_TRUE(stmt.valid()) << error;
  while (stmt.valid() && stmt.step() == 100 /* SQLITE_ROW */) {
    ++rows;
    const ProbeRun run{std::string(stmt.column_text(0)), static_cast<std::uint64_t>(stmt.column_int(1))};
    out[run].emplace(static_cast<std::uint64_t>(stmt.column_int(2)),
                     std::string(stmt.column_text(3)));
  }
  return out;
}

class Collector {
 public:
  Collector(std::vector<std::string> argv) : argv_(std::move(argv)) {}
  // Starts it and returns the endpoint it listens on ("" when it did not start).
  std::string start() {
    process_ = std::make_unique<BackgroundProcess>(argv_);
    const auto line = process_->wait_for_stdout_line("listening on", std::chrono::seconds(20));
    const auto from = line.find("tcp://");
    if (from == std::string::npos) return {};
    return line.substr(from, line.find(',', from) - from);
  }
  void kill() {
    process_->send_signal(SIGKILL);
    (void)process_->wait(std::chrono::seconds(10));
  }
  ProcessResult stop() {
    process_->send_signal(SIGTERM);
    return process_->wait(std::chrono::seconds(60));
  }
  std::vector<std::string>& argv() { return argv_; }

 private:
  std::vector<std::string> argv_;
  std::unique_ptr<BackgroundProcess> process_;
};

TEST(CollectorFaults, EveryEventStoredOnceThroughCollectorKillsAndAProbeRestart) {
  LIMEN_REQUIRE_SHARED_PCAPS(shared);
  const auto dir = make_temp_dir("collector-faults");
  const auto rules = (dir / "all.rules").string();
  std::ofstream(rules) << kRules;
  const auto db = (dir / "events.db").string();
  const auto keys = dir / "keys";
  ASSERT_EQ(run_process({collector_binary(), "keygen", "--out", (keys / "collector").string()})
                .exit_code, 0);
  {
    std::ofstream allow(dir / "probes.allow");
    for (const char* name : {"probe-a", "probe-b"}) {
      ASSERT_EQ(run_process({probe_binary(), "keygen", "--out", (keys / name).string()}).exit_code,
                0);
      allow << name << " " << key_line(keys / name / "public.key") << "\n";
    }
  }
  Collector collector({collector_binary(), "--listen", "tcp://127.0.0.1:*", "--db", db, "--key",
                       (keys / "collector").string(), "--allow", (dir / "probes.allow").string(),
                       "--batch-size", "1000000", "--batch-interval-ms", "700", "--quiet"});
  // The first start finds a free port; every restart binds that same one.
  const std::string endpoint = collector.start();
  ASSERT_FALSE(endpoint.empty()) << "the collector did not start";
  collector.argv()[2] = endpoint;
  collector.kill();

  const auto ics = shared / "ics";
  const std::vector<std::string> a_captures{
      (ics / "ModbusTCP/ModbusTCP.pcap").string(), (ics / "ModbusTCP/mb2.pcap").string(),
      (ics / "EthernetIP/EthernetIP-CIP.pcap").string()};
  std::vector<std::string> b_captures{(shared / "it/pcap/1kxun.pcap").string()};
  // Enough of them that the stop lands part-way through the replay.
  for (int i = 0; i < 12; ++i)
    b_captures.push_back((ics / "s7/s7comm_varservice_libnodavedemo_bench.pcap").string());
  const auto probe = [&](const std::string& name, const std::vector<std::string>& captures,
                         const std::string& eve, const std::string& drain) {
    std::vector<std::string> argv{probe_binary(), "--rules", rules, "--name", name,
                                  "--eve", eve, "--collector", endpoint,
                                  "--collector-key", (keys / "collector/public.key").string(),
                                  "--key", (keys / name).string(),
                                  "--spool", (dir / ("spool-" + name)).string(),
                                  "--drain-timeout", drain, "--quiet"};
    for (const auto& c : captures) {
      argv.push_back("-r");
      argv.push_back(c);
    }
    return std::make_unique<BackgroundProcess>(argv);
  };
  const auto eve_a = dir / "a.json", eve_b1 = dir / "b-1.json", eve_b2 = dir / "b-2.json";

  // Both probes start with the collector down: everything waits in their spools.
  auto a = probe("probe-a", a_captures, eve_a.string(), "120");
  auto b = probe("probe-b", b_captures, eve_b1.string(), "1");
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  // Probe B is stopped part-way through its captures; its second run starts at once and first
  // sends what the first run left in the spool.
  b->send_signal(SIGTERM);
  const auto b1 = b->wait(std::chrono::seconds(60));
  ASSERT_TRUE(b1.exit_code == 4 || b1.exit_code == 0) << b1.err;
  b = probe("probe-b", b_captures, eve_b2.string(), "120");

  // Three instances of the collector killed at 300 ms (before its first commit), 1.2 s and
  // 1.9 s (after some), then one that lives.
  for (const int lifetime_ms : {300, 1200, 1900}) {
    ASSERT_EQ(collector.start(), endpoint);
    std::this_thread::sleep_for(std::chrono::milliseconds(lifetime_ms));
    collector.kill();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(collector.start(), endpoint);
  const auto ra = a->wait(std::chrono::seconds(240));
  const auto rb = b->wait(std::chrono::seconds(240));
  EXPECT_EQ(ra.exit_code, 0) << ra.err;
  EXPECT_EQ(rb.exit_code, 0) << rb.err;
  const auto rc = collector.stop();
  EXPECT_EQ(rc.exit_code, 0) << rc.err;

  // Every EVE file is one run in the store, event for event, byte for byte.
  std::size_t rows = 0;
  const auto store = stored(db, rows);
  const std::vector<std::pair<std::string, std::filesystem::path>> eves{
      {"probe-a", eve_a}, {"probe-b", eve_b1}, {"probe-b", eve_b2}};
  std::size_t emitted = 0;
  std::set<ProbeRun> matched;
  for (const auto& [name, file] : eves) {
    const auto events = eve_by_seq(file);
    ASSERT_FALSE(events.empty()) << file;
    emitted += events.size();
    // The run id is not in the EVE line, and both runs of probe-b begin alike: the file must
    // equal one stored run of its probe exactly.
    const ProbeRun* run = nullptr;
    std::size_t best_missing = events.size(), best_different = 0, best_size = 0;
    for (const auto& [r, by_seq] : store) {
      if (r.first != name || matched.count(r) != 0) continue;
      if (by_seq == events) {
        run = &r;
        break;
      }
      std::size_t missing = 0, different = 0;
      for (const auto& [seq, line] : events) {
        const auto it = by_seq.find(seq);
        if (it == by_seq.end())
          ++missing;
        else if (it->second != line)
          ++different;
      }
      if (missing < best_missing)
        std::tie(best_missing, best_different, best_size) =
            std::make_tuple(missing, different, by_seq.size());
    }
    EXPECT_NE(run, nullptr) << file << " (" << events.size() << " events) equals no stored run of "
                            << name << "; the closest lacks " << best_missing << ", differs in "
                            << best_different << " and holds " << best_size;
    if (run != nullptr) matched.insert(*run);
  }
  EXPECT_EQ(matched.size(), store.size()) << "the store holds a run no EVE file has";
  EXPECT_EQ(rows, emitted);
  // The stop did land part-way: the first run of B emitted less than the second.
  EXPECT_LT(eve_by_seq(eve_b1).size(), eve_by_seq(eve_b2).size());
  if (HasFailure())
    std::cerr << "kept for inspection: " << dir << "\n" << ra.err << rb.err << b1.err << rc.err;
  else
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace limen::testing
