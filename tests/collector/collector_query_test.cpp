#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "collector/cli.h"
#include "collector/query.h"
#include "collector/stats_report.h"
#include "collector/store.h"
#include "tests/collector/event_samples.h"
#include "tests/support/test_paths.h"

namespace limen::collector {
namespace {

using testing::finding_json;
using testing::FindingSample;

FindingSample finding(std::string time, std::string probe, std::string severity, int rule,
                      std::string src, std::string dest) {
  FindingSample f;
  f.time = std::move(time);
  f.probe = std::move(probe);
  f.severity = std::move(severity);
  f.rule_id = rule;
  f.src_ip = std::move(src);
  f.dest_ip = std::move(dest);
  return f;
}

class CollectorQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = limen::testing::make_temp_dir("collector-query");
    path_ = (dir_ / "events.db").string();
    std::string error;
    auto store = Store::open(path_, {}, error);
    ASSERT_NE(store, nullptr) << error;
    auto b = finding("2026-03-02T08:00:05Z", "plant-b", "critical", 3, "10.0.0.6", "10.1.0.11");
    b.kind = "denied_flow";
    auto c = finding("2026-03-03T09:00:00Z", "plant-a", "low", 0, "2001:db8::1", "10.1.0.10");
    c.message = "\\u001b[31mred";  // an escape sequence aimed at the analyst's terminal
    raw_ = {
        finding_json(
            finding("2026-03-02T08:00:01.250000Z", "plant-a", "high", 12, "10.0.0.5", "10.1.0.10")),
        finding_json(b),
        finding_json(c),
        finding_json(
            finding("2026-03-02T08:00:03Z", "plant-a", "medium", 12, "10.0.0.5", "10.1.0.10")),
        testing::flow_json("2026-03-02T08:00:02Z", "allowed"),
        testing::flow_json("2026-03-02T08:00:04Z", "denied"),
        testing::stats_json("2026-03-02T08:00:06Z"),
    };
    std::uint64_t seq = 0;
    for (const auto& json : raw_) {
      const std::string_view probe =
          json.find("plant-b") != std::string::npos ? "plant-b" : "plant-a";
      store->add(wire::Envelope{probe, 1, ++seq, json}, Store::Clock::now(), 0);
    }
    ASSERT_TRUE(store->commit()) << store->last_error();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  QueryOptions base() const {
    QueryOptions q;
    q.db_path = path_;
    return q;
  }
  std::string run(const QueryOptions& q) {
    std::ostringstream out;
    std::string error;
    EXPECT_TRUE(run_query(q, out, error)) << error;
    return out.str();
  }
  std::string count(QueryOptions q) {
    q.count = true;
    return run(q);
  }
  static std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

  std::filesystem::path dir_;
  std::string path_;
  std::vector<std::string> raw_;
};

TEST_F(CollectorQueryTest, DefaultIsAFindingsTableInTimeOrder) {
  const auto out = lines(run(base()));
  ASSERT_EQ(out.size(), 5U);
  EXPECT_EQ(out[0].rfind("TIME", 0), 0U);
  EXPECT_NE(out[0].find("SOURCE → DESTINATION"), std::string::npos);
  EXPECT_EQ(out[1].rfind("2026-03-02T08:00:01.250000Z  plant-a  high", 0), 0U) << out[1];
  EXPECT_NE(out[1].find("10.0.0.5:49152 (vendor) → 10.1.0.10:502 (plc_cell)"), std::string::npos);
  EXPECT_NE(out[1].find("vendor laptop reached a PLC"), std::string::npos);
  EXPECT_NE(out[2].find("08:00:03"), std::string::npos);
  EXPECT_NE(out[3].find("denied_flow"), std::string::npos);
  EXPECT_NE(out[4].find("[2001:db8::1]:49152"), std::string::npos);
  // Columns line up: the rule column starts at the same display offset on every line.
  const auto rule_at = out[0].find("RULE");
  EXPECT_EQ(out[1].substr(rule_at, 2), "12");
  EXPECT_EQ(out[4].substr(rule_at, 1), "0");
}

TEST_F(CollectorQueryTest, AddressNetworksZonesAndProtocols) {
  auto q = base();
  q.address = "10.0.0.0";
  q.address_prefix = 24;
  EXPECT_EQ(count(q), "3\n");
  q.address = "10.1.0.8";
  q.address_prefix = 30;  // 10.1.0.8 - 10.1.0.11
  EXPECT_EQ(count(q), "4\n");
  q.address = "2001:db8::";
  q.address_prefix = 32;
  EXPECT_EQ(count(q), "1\n");
  q.address_prefix = 0;  // every IPv6 address, and no IPv4 one
  EXPECT_EQ(count(q), "1\n");
  q = base();
  q.zone = "plc_cell";
  EXPECT_EQ(count(q), "4\n");
  q.zone = "nowhere";
  EXPECT_EQ(count(q), "0\n");
  q = base();
  q.protocol = "tcp";
  EXPECT_EQ(count(q), "4\n");
  q.protocol = "modbus";
  EXPECT_EQ(count(q), "4\n");
  q.protocol = "dnp3";
  EXPECT_EQ(count(q), "0\n");
  q.type = QueryType::Flow;
  q.protocol = "modbus";
  EXPECT_EQ(count(q), "2\n");
}

TEST_F(CollectorQueryTest, OperationFilterReadsTheStoredEvent) {
  {
    std::string error;
    auto store = Store::open(path_, {}, error);
    ASSERT_NE(store, nullptr) << error;
    std::string json = finding_json(FindingSample{});
    json.insert(json.find("\"finding\":{"), "\"operation\":\"write\",");
    ASSERT_EQ(store->add(wire::Envelope{"plant-a", 1, 100, json}, Store::Clock::now(), 0),
              AddResult::Stored);
    ASSERT_TRUE(store->commit());
  }
  auto q = base();
  q.operation = "write";
  EXPECT_EQ(count(q), "1\n");
  q.operation = "stop";
  EXPECT_EQ(count(q), "0\n");
}

TEST_F(CollectorQueryTest, CsvHasAHeaderAndQuotesWhatNeedsIt) {
  {
    std::string error;
    auto store = Store::open(path_, {}, error);
    ASSERT_NE(store, nullptr) << error;
    auto f = finding("2026-03-04T00:00:00Z", "plant-a", "high", 7, "10.0.0.9", "10.1.0.12");
    f.message = "=HYPERLINK(\\\"x\\\"), said \\\"who\\\"";
    ASSERT_EQ(store->add(wire::Envelope{"plant-a", 1, 101, finding_json(f)}, Store::Clock::now(), 0),
              AddResult::Stored);
    ASSERT_TRUE(store->commit());
  }
  auto q = base();
  q.format = QueryFormat::Csv;
  q.address = "10.0.0.9";
  const auto out = lines(run(q));
  ASSERT_EQ(out.size(), 2U);
  EXPECT_EQ(out[0], "time,probe,severity,rule_id,kind,src_ip,src_port,src_zone,dest_ip,dest_port,"
                    "dest_zone,app_proto,message\r");
  EXPECT_EQ(out[1], "2026-03-04T00:00:00Z,plant-a,high,7,unauthorized_flow,10.0.0.9,49152,vendor,"
                    "10.1.0.12,502,plc_cell,modbus,\"'=HYPERLINK(\"\"x\"\"), said \"\"who\"\"\"\r");
}

TEST_F(CollectorQueryTest, FollowPrintsEachNewEventOnceAsItArrives) {
  auto q = base();
  q.format = QueryFormat::Json;
  q.follow = true;
  q.min_severity = 3;  // high and critical
  std::ostringstream out;
  std::atomic<bool> stop{false};
  std::string error;
  bool ok = false;
  std::thread follower([&] { ok = run_query(q, out, error, &stop, std::chrono::milliseconds(10)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  {
    std::string why;
    auto store = Store::open(path_, {}, why);
    ASSERT_NE(store, nullptr) << why;
    const auto high = finding_json(finding("2026-01-01T00:00:00Z", "plant-a", "high", 9, "10.0.0.7",
                                           "10.1.0.10"));  // older than the rest: still shown
    const auto low = finding_json(finding("2026-03-05T00:00:00Z", "plant-a", "low", 9, "10.0.0.7",
                                          "10.1.0.10"));
    store->add(wire::Envelope{"plant-a", 2, 1, high}, Store::Clock::now(), 0);
    store->add(wire::Envelope{"plant-a", 2, 2, low}, Store::Clock::now(), 0);
    ASSERT_TRUE(store->commit());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  stop = true;
  follower.join();
  ASSERT_TRUE(ok) << error;
  const auto got = lines(out.str());
  ASSERT_EQ(got.size(), 3U) << out.str();  // the two stored high/critical ones, then the new one
  EXPECT_EQ(got[0], raw_[0]);
  EXPECT_EQ(got[1], raw_[1]);
  EXPECT_NE(got[2].find("2026-01-01T00:00:00Z"), std::string::npos) << got[2];
}

TEST_F(CollectorQueryTest, StatsListEveryProbe) {
  std::ostringstream out;
  std::string error;
  ASSERT_TRUE(run_stats(StatsOptions{path_, false, 0}, out, error)) << error;
  const auto text = lines(out.str());
  ASSERT_EQ(text.size(), 7U) << out.str();
  EXPECT_EQ(text[0].rfind("collector: 0 runs", 0), 0U) << text[0];  // written by Store alone
  EXPECT_EQ(text[4].rfind("PROBE", 0), 0U) << text[4];
  EXPECT_EQ(text[5].rfind("plant-a  1     6         0           1     -", 0), 0U) << text[5];
  EXPECT_EQ(text[6].rfind("plant-b  1     1", 0), 0U) << text[6];
  EXPECT_NE(text[3].find("last minute 0"), std::string::npos) << text[3];  // received at time 0
}

TEST_F(CollectorQueryTest, ControlCharactersNeverReachTheTerminal) {
  const auto out = run(base());
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_NE(out.find("?[31mred"), std::string::npos);
}

TEST_F(CollectorQueryTest, JsonLinesAreTheRawEventsInTimeOrder) {
  auto q = base();
  q.format = QueryFormat::Json;
  const auto out = lines(run(q));
  ASSERT_EQ(out.size(), 4U);
  EXPECT_EQ(out[0], raw_[0]);
  EXPECT_EQ(out[1], raw_[3]);
  EXPECT_EQ(out[2], raw_[1]);
  EXPECT_EQ(out[3], raw_[2]);
  for (const auto& line : out) EXPECT_TRUE(nlohmann::json::accept(line));
}

TEST_F(CollectorQueryTest, CountIgnoresLimit) {
  auto q = base();
  q.limit = 1;
  EXPECT_EQ(count(q), "4\n");
}

TEST_F(CollectorQueryTest, SeverityIsAMinimum) {
  auto q = base();
  for (const auto& [name, expected] : std::vector<std::pair<std::string, std::string>>{
           {"low", "4\n"}, {"medium", "3\n"}, {"high", "2\n"}, {"critical", "1\n"}}) {
    q.min_severity = severity_level(name);
    EXPECT_EQ(count(q), expected) << name;
  }
}

TEST_F(CollectorQueryTest, RuleProbeAndAddressFilters) {
  auto q = base();
  q.rule_id = 12;
  EXPECT_EQ(count(q), "2\n");
  q.rule_id = 0;
  EXPECT_EQ(count(q), "1\n");
  q = base();
  q.probe = "plant-b";
  EXPECT_EQ(count(q), "1\n");
  q = base();
  q.address = "10.1.0.10";  // destination of three
  EXPECT_EQ(count(q), "3\n");
  q.address = "10.0.0.6";  // source of one
  EXPECT_EQ(count(q), "1\n");
  q.address = "2001:db8::1";
  EXPECT_EQ(count(q), "1\n");
  q.address = "192.0.2.1";
  EXPECT_EQ(count(q), "0\n");
}

TEST_F(CollectorQueryTest, TimeWindowIsSinceInclusiveUntilExclusive) {
  auto q = base();
  q.since = parse_time("2026-03-03");
  EXPECT_EQ(count(q), "1\n");
  q = base();
  q.until = parse_time("2026-03-03");
  EXPECT_EQ(count(q), "3\n");
  q.since = parse_time("2026-03-02T08:00:03Z");
  q.until = parse_time("2026-03-02T08:00:05Z");
  EXPECT_EQ(count(q), "1\n");
  q.since = parse_time("2026-03-02T09:00:03+01:00");  // 08:00:03Z
  EXPECT_EQ(count(q), "1\n");
}

TEST_F(CollectorQueryTest, LimitKeepsTheNewestInTimeOrder) {
  auto q = base();
  q.format = QueryFormat::Json;
  q.limit = 2;
  const auto out = lines(run(q));
  ASSERT_EQ(out.size(), 2U);
  EXPECT_EQ(out[0], raw_[1]);
  EXPECT_EQ(out[1], raw_[2]);
  q.limit = 0;
  EXPECT_EQ(lines(run(q)).size(), 4U);
}

TEST_F(CollectorQueryTest, FlowsAndStats) {
  auto q = base();
  q.type = QueryType::Flow;
  const auto flows = lines(run(q));
  ASSERT_EQ(flows.size(), 3U);
  EXPECT_NE(flows[0].find("VERDICT"), std::string::npos);
  EXPECT_NE(flows[1].find("allowed"), std::string::npos);
  EXPECT_NE(flows[1].find("TCP/modbus"), std::string::npos);
  EXPECT_NE(flows[1].find("10/9"), std::string::npos);
  EXPECT_NE(flows[2].find("denied"), std::string::npos);
  q.rule_id = 7;
  EXPECT_EQ(count(q), "2\n");
  q.rule_id = 8;
  EXPECT_EQ(count(q), "0\n");
  q = base();
  q.type = QueryType::Stats;
  const auto stats = lines(run(q));
  ASSERT_EQ(stats.size(), 2U);
  EXPECT_NE(stats[1].find(R"({"drops":0,"packets":1000})"), std::string::npos) << stats[1];
  q.format = QueryFormat::Json;
  EXPECT_EQ(run(q), raw_[6] + "\n");
}

TEST_F(CollectorQueryTest, EmptyResults) {
  auto q = base();
  q.probe = "nobody";
  EXPECT_EQ(run(q), "no findings\n");
  q.type = QueryType::Flow;
  EXPECT_EQ(run(q), "no flows\n");
  q.format = QueryFormat::Json;
  EXPECT_EQ(run(q), "");
  q.format = QueryFormat::Table;
  q.count = true;
  EXPECT_EQ(run(q), "0\n");
}

TEST_F(CollectorQueryTest, MissingDatabaseIsAnError) {
  auto q = base();
  q.db_path = (dir_ / "missing.db").string();
  std::ostringstream out;
  std::string error;
  EXPECT_FALSE(run_query(q, out, error));
  EXPECT_NE(error.find(q.db_path), std::string::npos) << error;
  EXPECT_FALSE(std::filesystem::exists(q.db_path));  // a query never creates one
}

TEST_F(CollectorQueryTest, FiltersThatDoNotApplyAreRefused) {
  auto q = base();
  q.type = QueryType::Flow;
  q.min_severity = 3;
  EXPECT_FALSE(check_query(q).empty());
  q = base();
  q.type = QueryType::Stats;
  q.address = "10.0.0.1";
  EXPECT_FALSE(check_query(q).empty());
  q = base();
  q.since = parse_time("2026-03-03");
  q.until = parse_time("2026-03-02");
  EXPECT_FALSE(check_query(q).empty());
}

// ---- command line ----

CommandLine parse(std::vector<std::string> args) {
  args.insert(args.begin(), "limen-collector");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

TEST(CollectorCli, RunOptions) {
  auto c = parse({"--listen", "tcp://127.0.0.1:*", "--db", "x.db", "--batch-size", "10",
                  "--batch-interval-ms", "50", "--quiet", "--insecure"});
  ASSERT_EQ(c.command, Command::Run) << c.text;
  EXPECT_EQ(c.collector.listen, "tcp://127.0.0.1:*");
  EXPECT_EQ(c.collector.db_path, "x.db");
  EXPECT_EQ(c.collector.batch_size, 10U);
  EXPECT_EQ(c.collector.batch_interval, std::chrono::milliseconds(50));
  EXPECT_TRUE(c.collector.quiet);
  EXPECT_TRUE(c.collector.insecure);
  c = parse({"--listen", "tcp://127.0.0.1:*", "--db", "x.db", "--key", "k", "--allow", "a"});
  ASSERT_EQ(c.command, Command::Run) << c.text;
  EXPECT_EQ(c.collector.batch_size, 5000U);
  EXPECT_FALSE(c.collector.quiet);
  EXPECT_FALSE(c.collector.insecure);
  EXPECT_EQ(c.collector.key_dir, "k");
  EXPECT_EQ(c.collector.allow, "a");
}

// Plain text only when asked for; CURVE needs both the key pair and the allow list.
TEST(CollectorCli, SecurityOptions) {
  const std::vector<std::string> base{"--listen", "tcp://127.0.0.1:*", "--db", "x.db"};
  auto with = [&](std::vector<std::string> extra) {
    auto args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return parse(args);
  };
  auto c = with({});
  ASSERT_EQ(c.command, Command::Error);
  EXPECT_NE(c.text.find("--key DIR and --allow FILE_OR_DIR are required"), std::string::npos)
      << c.text;
  EXPECT_NE(c.text.find("--insecure"), std::string::npos) << c.text;
  EXPECT_EQ(with({"--key", "k"}).command, Command::Error);
  EXPECT_EQ(with({"--allow", "a"}).command, Command::Error);
  c = with({"--insecure", "--key", "k"});
  ASSERT_EQ(c.command, Command::Error);
  EXPECT_NE(c.text.find("--insecure cannot be combined"), std::string::npos) << c.text;
  c = parse({"keygen", "--out", "/tmp/k"});
  ASSERT_EQ(c.command, Command::Keygen) << c.text;
  EXPECT_EQ(c.keygen_dir, "/tmp/k");
  EXPECT_EQ(parse({"keygen"}).command, Command::Error);
  EXPECT_EQ(parse({"keygen", "--help"}).command, Command::Help);
}

TEST(CollectorCli, RunErrors) {
  EXPECT_EQ(parse({"--db", "x.db"}).command, Command::Error);
  EXPECT_EQ(parse({"--listen", "tcp://*:1"}).command, Command::Error);
  for (const char* bad : {"0", "-1", "abc", "10x", "2000000"}) {
    const auto c = parse({"--listen", "tcp://*:1", "--db", "x", "--batch-size", bad, "--insecure"});
    EXPECT_EQ(c.command, Command::Error) << bad;
    EXPECT_NE(c.text.find("--batch-size"), std::string::npos);
  }
  EXPECT_EQ(parse({"--listen", "a", "--db", "b", "--bogus"}).command, Command::Error);
  EXPECT_EQ(parse({"--help"}).command, Command::Help);
  EXPECT_NE(parse({"--help"}).text.find("Examples"), std::string::npos);
  EXPECT_EQ(parse({"--version"}).command, Command::Version);
}

TEST(CollectorCli, ConfigFileWithCommandLineOverride) {
  const auto dir = limen::testing::make_temp_dir("collector-cli");
  const auto conf = (dir / "collector.conf").string();
  std::ofstream(conf) << "# comment\nlisten = tcp://127.0.0.1:5555\ndb = /tmp/a.db\n"
                         "batch-size = 42\nquiet = true\ninsecure = true\n";
  auto c = parse({"--config", conf, "--db", "/tmp/b.db"});
  ASSERT_EQ(c.command, Command::Run) << c.text;
  EXPECT_EQ(c.collector.listen, "tcp://127.0.0.1:5555");
  EXPECT_EQ(c.collector.db_path, "/tmp/b.db");
  EXPECT_EQ(c.collector.batch_size, 42U);
  EXPECT_TRUE(c.collector.quiet);
  std::ofstream(conf) << "nonsense = 1\n";
  EXPECT_EQ(parse({"--config", conf}).command, Command::Error);
  EXPECT_EQ(parse({"--config", (dir / "missing").string()}).command, Command::Error);
  std::filesystem::remove_all(dir);
}

TEST(CollectorCli, QueryOptions) {
  auto c = parse({"query", "--db", "x.db", "--type", "flow", "--json", "--since", "2026-03-02",
                  "--until", "2026-03-03T00:00:00Z", "--probe", "p", "--rule", "0", "--address",
                  "2001:DB8::1", "--limit", "0"});
  ASSERT_EQ(c.command, Command::Query) << c.text;
  const auto& q = c.query;
  EXPECT_EQ(q.type, QueryType::Flow);
  EXPECT_EQ(q.format, QueryFormat::Json);
  EXPECT_EQ(q.since->usec, 1772409600LL * 1'000'000);
  EXPECT_EQ(q.until->usec, 1772496000LL * 1'000'000);
  EXPECT_EQ(q.probe, "p");
  EXPECT_EQ(q.rule_id, 0);
  EXPECT_EQ(q.address, "2001:db8::1");
  EXPECT_EQ(q.limit, 0U);
  c = parse({"query", "--db", "x.db", "--address", "10.20.0.0/16", "--zone", "plc_cell",
             "--protocol", "modbus", "--operation", "write", "--csv", "--follow"});
  ASSERT_EQ(c.command, Command::Query) << c.text;
  EXPECT_EQ(c.query.address, "10.20.0.0");
  EXPECT_EQ(c.query.address_prefix, 16);
  EXPECT_EQ(c.query.zone, "plc_cell");
  EXPECT_EQ(c.query.protocol, "modbus");
  EXPECT_EQ(c.query.operation, "write");
  EXPECT_EQ(c.query.format, QueryFormat::Csv);
  EXPECT_TRUE(c.query.follow);
  c = parse({"query", "--db", "x.db", "--address", "10.1.2.3/32"});  // one host: no network
  ASSERT_EQ(c.command, Command::Query) << c.text;
  EXPECT_FALSE(c.query.address_prefix.has_value());
  c = parse({"query", "--db", "x.db", "--severity", "medium", "--count"});
  ASSERT_EQ(c.command, Command::Query) << c.text;
  EXPECT_EQ(c.query.min_severity, 2);
  EXPECT_TRUE(c.query.count);
  EXPECT_EQ(c.query.limit, 100U);
  EXPECT_EQ(c.query.type, QueryType::Finding);
}

TEST(CollectorCli, QueryErrors) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"query"},
           {"query", "--db", "x", "--type", "alerts"},
           {"query", "--db", "x", "--severity", "urgent"},
           {"query", "--db", "x", "--since", "last tuesday"},
           {"query", "--db", "x", "--address", "10.0.0.256"},
           {"query", "--db", "x", "--limit", "-5"},
           {"query", "--db", "x", "--rule", "twelve"},
           {"query", "--db", "x", "--type", "flow", "--severity", "high"},
           {"query", "--db", "x", "--address", "10.0.0.0/33"},
           {"query", "--db", "x", "--address", "2001:db8::/129"},
           {"query", "--db", "x", "--address", "10.0.0.0/x"},
           {"query", "--db", "x", "--json", "--csv"},
           {"query", "--db", "x", "--follow", "--count"},
           {"query", "--db", "x", "--type", "flow", "--operation", "write"},
           {"query", "--db", "x", "--type", "stats", "--zone", "vendor"}}) {
    EXPECT_EQ(parse(args).command, Command::Error) << args.back();
  }
  EXPECT_EQ(parse({"query", "--help"}).command, Command::Help);
}

}  // namespace
}  // namespace limen::collector
