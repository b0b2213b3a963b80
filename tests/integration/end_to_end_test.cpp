// A real collector and two real probes on loopback: the probes replay captures with the demo
// rules, write their EVE files and publish to the collector; the collector must have stored
// exactly the findings the probes emitted (same count, same (probe, seq) identities).

#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "tests/integration/binaries.h"
#include "tests/support/process.h"

namespace limen::testing {
namespace {

using Json = nlohmann::json;
using Id = std::pair<std::string, std::uint64_t>;  // (probe, seq)

std::vector<Json> read_events(const std::string& text) {
  std::vector<Json> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    if (nl > start) out.push_back(Json::parse(text.substr(start, nl - start)));
    start = nl + 1;
  }
  return out;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::set<Id> ids_of_type(const std::vector<Json>& events, const std::string& type) {
  std::set<Id> ids;
  for (const auto& e : events)
    if (e.at("event_type") == type)
      ids.emplace(e.at("probe").get<std::string>(), e.at("seq").get<std::uint64_t>());
  return ids;
}

std::string public_key_line(const std::filesystem::path& file) {
  std::istringstream lines(slurp(file));
  std::string line;
  while (std::getline(lines, line))
    if (!line.empty() && line.size() == 40) return line;
  return {};
}

// Both probes and the collector with their own CURVE keys, each probe listed under its name.
TEST(EndToEnd, CollectorStoresExactlyTheFindingsOfTwoProbes) {
  const auto dir = make_temp_dir("e2e");
  const auto db = (dir / "findings.db").string();
  const auto keys = dir / "keys";
  ASSERT_EQ(run_process({collector_binary(), "keygen", "--out", (keys / "collector").string()})
                .exit_code, 0);
  std::ofstream allow(dir / "probes.allow");
  for (const char* name : {"probe-a", "probe-b"}) {
    auto r = run_process({probe_binary(), "keygen", "--out", (keys / name).string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    allow << "# " << name << "\n" << name << " " << public_key_line(keys / name / "public.key") << "\n";
  }
  allow.close();
  BackgroundProcess collector({collector_binary(), "--listen", "tcp://127.0.0.1:*", "--db", db,
                               "--key", (keys / "collector").string(), "--allow",
                               (dir / "probes.allow").string()});
  const std::string listening =
      collector.wait_for_stdout_line("listening on", std::chrono::seconds(20));
  ASSERT_FALSE(listening.empty()) << "the collector did not start";
  const auto from = listening.find("tcp://");
  const auto to = listening.find(',', from);
  const std::string endpoint = listening.substr(from, to - from);

  const auto rules = project_pcap("demo.rules").string();
  struct ProbeRun { std::string name; std::vector<std::string> captures; std::string eve; };
  std::vector<ProbeRun> runs{
      {"probe-a", {project_pcap("demo.pcap").string()}, (dir / "a.json").string()},
      {"probe-b", {project_pcap("demo.pcap").string(), project_pcap("vlan.pcap").string()},
       (dir / "b.json").string()}};
  std::vector<std::unique_ptr<BackgroundProcess>> probes;
  for (const auto& r : runs) {
    std::vector<std::string> argv{probe_binary(), "--rules", rules, "--name", r.name,
                                  "--eve", r.eve, "--collector", endpoint,
                                  "--spool", (dir / ("spool-" + r.name)).string(),
                                  "--collector-key", (keys / "collector" / "public.key").string(),
                                  "--key", (keys / r.name).string()};
    for (const auto& c : r.captures) {
      argv.push_back("-r");
      argv.push_back(c);
    }
    probes.push_back(std::make_unique<BackgroundProcess>(argv));
  }
  for (auto& p : probes) {
    auto res = p->wait(std::chrono::seconds(120));
    ASSERT_EQ(res.exit_code, 0) << res.err;
  }
  collector.send_signal(SIGTERM);
  auto cres = collector.wait(std::chrono::seconds(60));
  ASSERT_EQ(cres.exit_code, 0) << cres.err;

  std::vector<Json> emitted;
  for (const auto& r : runs)
    for (auto& e : read_events(slurp(r.eve))) emitted.push_back(std::move(e));
  const auto emitted_findings = ids_of_type(emitted, "finding");
  ASSERT_GE(emitted_findings.size(), 2U) << "the demo capture must produce findings";

  auto q = run_process({collector_binary(), "query", "--db", db, "--json", "--limit", "0"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  const auto stored = read_events(q.out);
  const auto stored_findings = ids_of_type(stored, "finding");
  EXPECT_EQ(stored.size(), emitted_findings.size());
  EXPECT_EQ(stored_findings, emitted_findings);
  // Each probe's findings arrived, and they carry the same rule ids as in the EVE files.
  std::multiset<std::uint64_t> emitted_rules, stored_rules;
  for (const auto& e : emitted)
    if (e["event_type"] == "finding") emitted_rules.insert(e["finding"]["rule_id"].get<std::uint64_t>());
  for (const auto& e : stored) stored_rules.insert(e["finding"]["rule_id"].get<std::uint64_t>());
  EXPECT_EQ(stored_rules, emitted_rules);

  auto flows = run_process({collector_binary(), "query", "--db", db, "--type", "flow",
                            "--count"});
  ASSERT_EQ(flows.exit_code, 0) << flows.err;
  EXPECT_EQ(std::stoul(flows.out), ids_of_type(emitted, "flow").size());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace limen::testing
