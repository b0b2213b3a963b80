#include "collector/stats_report.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <vector>

#include "collector/schema.h"
#include "common/printable.h"
#include "common/timestamp.h"

namespace limen::collector {
namespace {

constexpr std::int64_t kMinuteUs = 60'000'000;
constexpr std::int64_t kHourUs = 60 * kMinuteUs;
// Counting back through the newest rows stops here: a figure, not a scan of months of data.
constexpr std::int64_t kMaxRowsCounted = 50'000'000;

struct ProbeLine {
  std::string name;
  std::int64_t runs = 0, received = 0, duplicates = 0, gaps = 0, first_us = 0, last_us = 0;
  // From its last heartbeat (none: heartbeat_us 0).
  std::int64_t heartbeat_us = 0, skew_us = 0, behind = 0;
  bool ended = false;
};

struct Totals {
  std::int64_t collector_runs = 0, first_started_us = 0, last_update_us = 0;
  std::int64_t received = 0, stored = 0, duplicates = 0, rejected = 0, failed = 0, pruned = 0;
  std::int64_t unknown_key = 0, handshake = 0, wrong_name = 0;
  std::int64_t last_minute = 0, last_hour = 0;
  bool rates_capped = false;
  bool rates_known = true;
  std::vector<ProbeLine> probes;
};

std::string when(std::int64_t us) { return us == 0 ? "-" : format_rfc3339(Timestamp{us}); }

bool count_recent(Db& db, std::int64_t now_us, Totals& t, std::string& error) {
  // A version 1 file does not know when its events were received.
  if (db.query_int("PRAGMA user_version", error).value_or(0) < 2) {
    t.rates_known = false;
    return true;
  }
  for (const char* table : {"findings", "flows", "events"}) {
    // Newest first by id (ids grow with reception); stop at the first row older than an hour.
    auto stmt = db.prepare(std::string("SELECT received_us FROM ") + table + " ORDER BY id DESC",
                           error);
    if (!stmt.valid()) return false;
    std::int64_t seen = 0;
    while (stmt.step() == SQLITE_ROW) {
      if (stmt.column_is_null(0)) break;  // rows from before received_us existed
      const std::int64_t age = now_us - stmt.column_int(0);
      if (age > kHourUs) break;
      ++t.last_hour;
      if (age <= kMinuteUs) ++t.last_minute;
      if (++seen >= kMaxRowsCounted) {
        t.rates_capped = true;
        break;
      }
    }
  }
  return true;
}

bool read_totals(Db& db, std::int64_t now_us, Totals& t, std::string& error) {
  auto runs = db.prepare(
      "SELECT COUNT(*), COALESCE(MIN(started_us), 0), COALESCE(MAX(updated_us), 0), "
      "COALESCE(SUM(received), 0), COALESCE(SUM(stored), 0), COALESCE(SUM(duplicates), 0), "
      "COALESCE(SUM(rejected), 0), COALESCE(SUM(failed), 0), COALESCE(SUM(pruned), 0), "
      "COALESCE(SUM(refused_unknown_key), 0), COALESCE(SUM(refused_handshake), 0), "
      "COALESCE(SUM(refused_wrong_name), 0) FROM collector_runs",
      error);
  // A version 1 file has no collector_runs: those totals stay zero.
  if (runs.valid() && runs.step() == SQLITE_ROW) {
    std::int64_t* fields[] = {&t.collector_runs, &t.first_started_us, &t.last_update_us,
                              &t.received,       &t.stored,           &t.duplicates,
                              &t.rejected,       &t.failed,           &t.pruned,
                              &t.unknown_key,    &t.handshake,        &t.wrong_name};
    for (int i = 0; i < 12; ++i) *fields[i] = runs.column_int(i);
  }
  error.clear();
  auto probes = db.prepare(
      "SELECT name, COUNT(*), SUM(received), SUM(duplicates), SUM(gaps), MIN(first_seen_us), "
      "MAX(last_seen_us) FROM probes GROUP BY name ORDER BY name",
      error);
  if (!probes.valid()) return false;
  while (probes.step() == SQLITE_ROW) {
    ProbeLine p;
    p.name = printable(probes.column_text(0));
    p.runs = probes.column_int(1);
    p.received = probes.column_int(2);
    p.duplicates = probes.column_int(3);
    p.gaps = probes.column_int(4);
    p.first_us = probes.column_int(5);
    p.last_us = probes.column_int(6);
    t.probes.push_back(std::move(p));
  }
  // The last heartbeats: when, the clock skew then, and how far the latest run's announced
  // sequence is ahead of what is stored (events still on their way, or a tail lost).
  auto health = db.prepare(
      "SELECT h.name, h.heartbeat_us, h.probe_time_us - h.heartbeat_us, h.ended, "
      "h.last_seq - COALESCE(p.last_seq, 0) FROM probe_health h LEFT JOIN probes p "
      "ON p.name = h.name AND p.run = h.run",
      error);
  while (health.valid() && health.step() == SQLITE_ROW) {
    const std::string name = printable(health.column_text(0));
    auto it = std::find_if(t.probes.begin(), t.probes.end(),
                           [&](const ProbeLine& p) { return p.name == name; });
    if (it == t.probes.end()) {
      t.probes.push_back(ProbeLine{name});
      it = std::prev(t.probes.end());
    }
    it->heartbeat_us = health.column_int(1);
    it->skew_us = health.column_int(2);
    it->ended = health.column_int(3) != 0;
    it->behind = std::max<std::int64_t>(0, health.column_int(4));
  }
  error.clear();  // a version 1 file has no probe_health
  return count_recent(db, now_us, t, error);
}

void print_json(const Totals& t, std::ostream& out) {
  nlohmann::ordered_json j;
  j["collector_runs"] = t.collector_runs;
  j["first_started"] = when(t.first_started_us);
  j["last_update"] = when(t.last_update_us);
  j["received"] = t.received;
  j["stored"] = t.stored;
  j["duplicates"] = t.duplicates;
  j["rejected"] = t.rejected;
  j["failed"] = t.failed;
  j["pruned"] = t.pruned;
  j["refused"] = {{"unknown_key", t.unknown_key},
                  {"handshake", t.handshake},
                  {"wrong_name", t.wrong_name}};
  if (!t.rates_known)
    j["ingestion"] = nullptr;
  else
    j["ingestion"] = {{"last_minute", t.last_minute},
                    {"last_hour", t.last_hour},
                    {"per_second_last_minute", static_cast<double>(t.last_minute) / 60.0},
                    {"capped", t.rates_capped}};
  auto& probes = j["probes"] = nlohmann::ordered_json::array();
  for (const auto& p : t.probes)
    probes.push_back({{"name", p.name},
                      {"runs", p.runs},
                      {"received", p.received},
                      {"duplicates", p.duplicates},
                      {"gaps", p.gaps},
                      {"first_seen", when(p.first_us)},
                      {"last_seen", when(p.last_us)},
                      {"last_heartbeat", when(p.heartbeat_us)},
                      {"clock_skew_ms", p.skew_us / 1000},
                      {"run_ended", p.ended},
                      {"behind", p.behind}});
  out << j.dump() << '\n';
}

void print_text(const Totals& t, std::ostream& out) {
  out << "collector: " << t.collector_runs << " runs since " << when(t.first_started_us)
      << ", last commit " << when(t.last_update_us) << '\n'
      << "events: received " << t.received << ", stored " << t.stored << ", duplicates "
      << t.duplicates << ", rejected " << t.rejected << ", failed " << t.failed << ", pruned "
      << t.pruned << '\n'
      << "refused: unknown key " << t.unknown_key << ", handshake " << t.handshake
      << ", wrong name " << t.wrong_name << '\n'
      << "ingestion: ";
  if (t.rates_known)
    out << "last minute " << t.last_minute << " (" << t.last_minute / 60 << "/s), last hour "
        << t.last_hour << (t.rates_capped ? " (counting stopped early)" : "") << '\n';
  else
    out << "unknown (a database written before reception times were kept)\n";
  if (t.probes.empty()) {
    out << "no probes\n";
    return;
  }
  std::vector<std::vector<std::string>> rows{{"PROBE", "RUNS", "RECEIVED", "DUPLICATES", "GAPS",
                                              "FIRST SEEN", "LAST SEEN", "HEARTBEAT", "SKEW",
                                              "BEHIND"}};
  for (const auto& p : t.probes)
    rows.push_back({p.name, std::to_string(p.runs), std::to_string(p.received),
                    std::to_string(p.duplicates), std::to_string(p.gaps), when(p.first_us),
                    when(p.last_us),
                    p.heartbeat_us == 0 ? "-" : when(p.heartbeat_us) + (p.ended ? " (ended)" : ""),
                    p.heartbeat_us == 0 ? "-" : std::to_string(p.skew_us / 1000) + " ms",
                    std::to_string(p.behind)});
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) widths[i] = std::max(widths[i], r[i].size());
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line.append(widths[i] - r[i].size() + 2, ' ');
    }
    out << line << '\n';
  }
}

}  // namespace

bool run_stats(const StatsOptions& options, std::ostream& out, std::string& error) {
  auto db = open_query_database(options.db_path, error);
  if (!db) return false;
  const std::int64_t now_us =
      options.now_us != 0 ? options.now_us
                          : std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
  Totals totals;
  std::string cause;
  if (!read_totals(*db, now_us, totals, cause)) {
    error = "database " + options.db_path + ": " + cause;
    return false;
  }
  if (options.json)
    print_json(totals, out);
  else
    print_text(totals, out);
  out.flush();
  return true;
}

}  // namespace limen::collector
