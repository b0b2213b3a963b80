#include "collector/store.h"

#include <sqlite3.h>

#include <limits>

#include "collector/schema.h"

namespace limen::collector {
namespace {

// Above this many (probe, run) entries the map is emptied after a commit (when every entry is
// saved); entries reload from the probes table on demand. Bounds memory against a sender that
// invents a new run per message.
constexpr std::size_t kMaxProbeStates = 4096;

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return b > std::numeric_limits<std::uint64_t>::max() - a
             ? std::numeric_limits<std::uint64_t>::max()
             : a + b;
}

// u64 on the wire, the same bits in SQLite's signed INTEGER.
std::int64_t as_db(std::uint64_t value) { return static_cast<std::int64_t>(value); }
std::uint64_t from_db(std::int64_t value) { return static_cast<std::uint64_t>(value); }
// Counters are stored capped at INT64_MAX rather than wrapping negative.
std::int64_t count_as_db(std::uint64_t value) {
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(value > kMax ? kMax : value);
}

std::optional<std::string_view> view(const std::optional<std::string>& value) {
  if (!value) return std::nullopt;
  return std::string_view(*value);
}

std::optional<std::int64_t> flag(std::optional<bool> value) {
  if (!value) return std::nullopt;
  return *value ? 1 : 0;
}

constexpr std::string_view kInsertFinding =
    "INSERT OR IGNORE INTO findings (probe, run, seq, time_us, time, kind, rule_id, action, "
    "severity, severity_level, message, src_zone, dest_zone, rule_location, src_ip, src_port, "
    "dest_ip, dest_port, proto, app_proto, flow_id, community_id, raw, received_us) VALUES (?1, "
    "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, "
    "?22, ?23, ?24)";
constexpr std::string_view kInsertFlow =
    "INSERT OR IGNORE INTO flows (probe, run, seq, time_us, time, src_ip, src_port, dest_ip, "
    "dest_port, proto, app_proto, flow_id, community_id, start_us, start, end_us, \"end\", age, "
    "pkts_toserver, pkts_toclient, bytes_toserver, bytes_toclient, state, reason, src_zone, "
    "dest_zone, boundary, verdict, rule_id, raw, received_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
    "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, "
    "?26, ?27, ?28, ?29, ?30, ?31)";
constexpr std::string_view kInsertEvent =
    "INSERT OR IGNORE INTO events (probe, run, seq, time_us, time, event_type, note, raw, "
    "received_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
constexpr std::string_view kExists =
    "SELECT 1 FROM findings WHERE probe = ?1 AND run = ?2 AND seq = ?3 UNION ALL "
    "SELECT 1 FROM flows WHERE probe = ?1 AND run = ?2 AND seq = ?3 UNION ALL "
    "SELECT 1 FROM events WHERE probe = ?1 AND run = ?2 AND seq = ?3 LIMIT 1";
constexpr std::string_view kLoadProbe =
    "SELECT first_seen_us, last_seen_us, last_seq, received, duplicates, gaps FROM probes "
    "WHERE name = ?1 AND run = ?2";
constexpr std::string_view kSaveProbe =
    "INSERT INTO probes (name, run, first_seen_us, last_seen_us, last_seq, received, duplicates, "
    "gaps) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (name, run) DO UPDATE SET "
    "last_seen_us = excluded.last_seen_us, last_seq = excluded.last_seq, "
    "received = excluded.received, duplicates = excluded.duplicates, gaps = excluded.gaps";

// Retention looks at each table's oldest `limit` rows (ids grow with reception) and deletes
// those received before the cutoff, with no index of its own to keep up. A row received with a
// clock set back holds the rows behind it until it expires itself: late, never early.
constexpr std::string_view kPruneFindings =
    "DELETE FROM findings WHERE id IN (SELECT id FROM findings ORDER BY id LIMIT ?2) AND "
    "received_us < ?1";
constexpr std::string_view kPruneFlows =
    "DELETE FROM flows WHERE id IN (SELECT id FROM flows ORDER BY id LIMIT ?2) AND "
    "received_us < ?1";
constexpr std::string_view kPruneEvents =
    "DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id LIMIT ?2) AND "
    "received_us < ?1";
// A (probe, run) last heard of before the cutoff has no event left to describe.
constexpr std::string_view kPruneProbes =
    "DELETE FROM probes WHERE rowid IN (SELECT rowid FROM probes WHERE last_seen_us < ?1 "
    "LIMIT ?2)";

constexpr std::string_view kSaveRun =
    "INSERT INTO collector_runs (started_us, updated_us, received, stored, duplicates, rejected, "
    "failed, pruned, refused_unknown_key, refused_handshake, refused_wrong_name) VALUES (?1, ?2, "
    "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT (started_us) DO UPDATE SET "
    "updated_us = excluded.updated_us, received = excluded.received, stored = excluded.stored, "
    "duplicates = excluded.duplicates, rejected = excluded.rejected, failed = excluded.failed, "
    "pruned = excluded.pruned, refused_unknown_key = excluded.refused_unknown_key, "
    "refused_handshake = excluded.refused_handshake, "
    "refused_wrong_name = excluded.refused_wrong_name";

constexpr std::string_view kSaveHealth =
    "INSERT INTO probe_health (name, run, last_seq, heartbeat_us, probe_time_us, ended, "
    "interval_s, health) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (name) DO UPDATE SET "
    "run = excluded.run, last_seq = excluded.last_seq, heartbeat_us = excluded.heartbeat_us, "
    "probe_time_us = excluded.probe_time_us, ended = excluded.ended, "
    "interval_s = excluded.interval_s, health = excluded.health";

std::int64_t wall_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::unique_ptr<Store> Store::open(const std::string& path, const StoreOptions& options,
                                   std::string& error) {
  auto db = open_store_database(path, error);
  if (!db) return nullptr;
  std::unique_ptr<Store> store(new Store(std::move(*db), options));
  if (store->options_.batch_size == 0) store->options_.batch_size = 1;
  std::string cause;
  if (!store->prepare_statements(cause)) {
    error = "database " + path + ": " + cause;
    return nullptr;
  }
  // The log is copied into the file by a thread of its own; if that cannot start, SQLite's
  // automatic checkpoints stay on (slower, as correct).
  store->checkpointer_ = Checkpointer::start(path, std::chrono::milliseconds(200), cause);
  if (store->checkpointer_) (void)store->db_.exec("PRAGMA wal_autocheckpoint=0");
  return store;
}

Store::~Store() { (void)commit(); }

bool Store::prepare_statements(std::string& error) {
  const std::pair<Statement*, std::string_view> all[] = {{&insert_finding_, kInsertFinding},
                                                         {&insert_flow_, kInsertFlow},
                                                         {&insert_event_, kInsertEvent},
                                                         {&exists_, kExists},
                                                         {&load_probe_, kLoadProbe},
                                                         {&save_probe_, kSaveProbe},
                                                         {&prune_findings_, kPruneFindings},
                                                         {&prune_flows_, kPruneFlows},
                                                         {&prune_events_, kPruneEvents},
                                                         {&prune_probes_, kPruneProbes},
                                                         {&save_run_, kSaveRun},
                                                         {&save_health_, kSaveHealth},
                                                         {&begin_, "BEGIN IMMEDIATE"},
                                                         {&commit_, "COMMIT"},
                                                         {&rollback_, "ROLLBACK"}};
  for (const auto& [stmt, sql] : all) {
    *stmt = db_.prepare(sql, error);
    if (!stmt->valid()) return false;
  }
  return true;
}

AddResult Store::add(const wire::Envelope& envelope, Clock::time_point now, std::int64_t wall_us) {
  ++counters_.received;
  if (!begin(now)) {
    ++counters_.failed;
    return AddResult::Failed;
  }
  ProbeState* state = probe_state(envelope.probe, envelope.run, wall_us);
  if (state == nullptr) {
    ++counters_.failed;
    return AddResult::Failed;
  }
  state->received = saturating_add(state->received, 1);
  state->last_seen_us = wall_us;
  state->dirty = true;
  ++batch_events_;

  // Only a sequence number at or below the highest seen can be a duplicate; checking first keeps
  // a replayed event from being parsed at all.
  if (envelope.seq <= state->last_seq && exists(envelope.probe, envelope.run, envelope.seq)) {
    ++counters_.duplicates;
    state->duplicates = saturating_add(state->duplicates, 1);
    return AddResult::Duplicate;
  }
  if (!parse_event(envelope.event_json, record_, parse_error_)) {
    // The position was used, so it is not a gap; the event itself is unusable.
    account_position(*state, envelope.seq);
    ++counters_.invalid_json;
    return AddResult::InvalidJson;
  }
  bool inserted = false;
  received_us_ = wall_us;
  if (!insert(envelope, inserted)) {
    ++counters_.failed;
    return AddResult::Failed;
  }
  if (!inserted) {
    ++counters_.duplicates;
    state->duplicates = saturating_add(state->duplicates, 1);
    return AddResult::Duplicate;
  }
  account_position(*state, envelope.seq);
  switch (record_.table) {
    case EventTable::Finding:
      ++counters_.findings;
      break;
    case EventTable::Flow:
      ++counters_.flows;
      break;
    case EventTable::Event:
      if (record_.event_type == "stats") {
        ++counters_.stats;
      } else {
        ++counters_.other;
      }
      break;
  }
  if (!record_.note.empty()) ++counters_.noted;
  return AddResult::Stored;
}

void Store::account_position(ProbeState& state, std::uint64_t seq) {
  if (seq > state.last_seq) {
    const std::uint64_t missing = seq - state.last_seq - 1;
    state.gaps = saturating_add(state.gaps, missing);
    counters_.gaps = saturating_add(counters_.gaps, missing);
    state.last_seq = seq;
  } else {
    // Below the highest seen and not stored before: it fills a gap counted earlier.
    ++counters_.late;
    if (state.gaps > 0) --state.gaps;
    if (counters_.gaps > 0) --counters_.gaps;
  }
}

Store::ProbeState* Store::probe_state(std::string_view probe, std::uint64_t run,
                                      std::int64_t wall_us) {
  const auto key = std::pair<std::string_view, std::uint64_t>(probe, run);
  if (auto it = probes_.find(key); it != probes_.end()) return &it->second;
  ProbeState state;
  state.first_seen_us = wall_us;
  load_probe_.bind_text(1, probe);
  load_probe_.bind_int(2, as_db(run));
  const int rc = load_probe_.step();
  if (rc == SQLITE_ROW) {
    state.first_seen_us = load_probe_.column_int(0);
    state.last_seen_us = load_probe_.column_int(1);
    state.last_seq = from_db(load_probe_.column_int(2));
    state.received = from_db(load_probe_.column_int(3));
    state.duplicates = from_db(load_probe_.column_int(4));
    state.gaps = from_db(load_probe_.column_int(5));
  }
  load_probe_.reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    fail("cannot read probe state");
    return nullptr;
  }
  auto [it, added] = probes_.emplace(ProbeKey(std::string(probe), run), state);
  return &it->second;
}

bool Store::begin(Clock::time_point now) {
  if (in_batch_) return true;
  const int rc = begin_.step();
  begin_.reset();
  if (rc != SQLITE_DONE) {
    fail("cannot begin transaction");
    return false;
  }
  in_batch_ = true;
  batch_events_ = 0;
  batch_started_ = now;
  batch_start_ = counters_;
  return true;
}

bool Store::exists(std::string_view probe, std::uint64_t run, std::uint64_t seq) {
  exists_.bind_text(1, probe);
  exists_.bind_int(2, as_db(run));
  exists_.bind_int(3, as_db(seq));
  const bool found = exists_.step() == SQLITE_ROW;
  exists_.reset();
  return found;
}

bool Store::insert(const wire::Envelope& envelope, bool& inserted) {
  switch (record_.table) {
    case EventTable::Finding:
      return insert_finding(envelope, inserted);
    case EventTable::Flow:
      return insert_flow(envelope, inserted);
    case EventTable::Event:
      return insert_event(envelope, inserted);
  }
  return false;
}

bool Store::insert_finding(const wire::Envelope& envelope, bool& inserted) {
  Statement& s = insert_finding_;
  const auto& f = record_.finding;
  const auto& c = record_.common;
  s.bind_text(1, envelope.probe);
  s.bind_int(2, as_db(envelope.run));
  s.bind_int(3, as_db(envelope.seq));
  s.bind_int(4, record_.time_us);
  s.bind_text(5, view(record_.time_text));
  s.bind_text(6, std::string_view(f.kind));
  s.bind_int(7, f.rule_id);
  s.bind_text(8, view(f.action));
  s.bind_text(9, std::string_view(f.severity));
  s.bind_int(10, std::int64_t{f.severity_level});
  s.bind_text(11, view(f.message));
  s.bind_text(12, view(f.src_zone));
  s.bind_text(13, view(f.dest_zone));
  s.bind_text(14, view(f.rule_location));
  s.bind_text(15, view(c.src_ip));
  s.bind_int(16, c.src_port);
  s.bind_text(17, view(c.dest_ip));
  s.bind_int(18, c.dest_port);
  s.bind_text(19, view(c.proto));
  s.bind_text(20, view(c.app_proto));
  s.bind_int(21, c.flow_id);
  s.bind_text(22, view(c.community_id));
  s.bind_text(23, envelope.event_json);
  s.bind_int(24, received_us_);
  return run_insert(s, inserted);
}

bool Store::insert_flow(const wire::Envelope& envelope, bool& inserted) {
  Statement& s = insert_flow_;
  const auto& f = record_.flow;
  const auto& c = record_.common;
  s.bind_text(1, envelope.probe);
  s.bind_int(2, as_db(envelope.run));
  s.bind_int(3, as_db(envelope.seq));
  s.bind_int(4, record_.time_us);
  s.bind_text(5, view(record_.time_text));
  s.bind_text(6, view(c.src_ip));
  s.bind_int(7, c.src_port);
  s.bind_text(8, view(c.dest_ip));
  s.bind_int(9, c.dest_port);
  s.bind_text(10, view(c.proto));
  s.bind_text(11, view(c.app_proto));
  s.bind_int(12, c.flow_id);
  s.bind_text(13, view(c.community_id));
  s.bind_int(14, f.start_us);
  s.bind_text(15, view(f.start));
  s.bind_int(16, f.end_us);
  s.bind_text(17, view(f.end));
  s.bind_double(18, f.age);
  s.bind_int(19, f.pkts_toserver);
  s.bind_int(20, f.pkts_toclient);
  s.bind_int(21, f.bytes_toserver);
  s.bind_int(22, f.bytes_toclient);
  s.bind_text(23, view(f.state));
  s.bind_text(24, view(f.reason));
  s.bind_text(25, view(f.src_zone));
  s.bind_text(26, view(f.dest_zone));
  s.bind_int(27, flag(f.boundary));
  s.bind_text(28, view(f.verdict));
  s.bind_int(29, f.rule_id);
  s.bind_text(30, envelope.event_json);
  s.bind_int(31, received_us_);
  return run_insert(s, inserted);
}

bool Store::insert_event(const wire::Envelope& envelope, bool& inserted) {
  Statement& s = insert_event_;
  s.bind_text(1, envelope.probe);
  s.bind_int(2, as_db(envelope.run));
  s.bind_int(3, as_db(envelope.seq));
  s.bind_int(4, record_.time_us);
  s.bind_text(5, view(record_.time_text));
  s.bind_text(6, view(record_.event_type));
  if (record_.note.empty()) {
    s.bind_null(7);
  } else {
    s.bind_text(7, std::string_view(record_.note));
  }
  s.bind_text(8, envelope.event_json);
  s.bind_int(9, received_us_);
  return run_insert(s, inserted);
}

bool Store::run_insert(Statement& stmt, bool& inserted) {
  const int rc = stmt.step();
  inserted = rc == SQLITE_DONE && db_.changes() > 0;
  if (rc != SQLITE_DONE) fail("cannot store event");
  stmt.reset();
  return rc == SQLITE_DONE;
}

bool Store::save_health(const HealthRow& row, std::string_view health_json,
                        Clock::time_point now) {
  if (!begin(now)) return false;
  save_health_.bind_text(1, std::string_view(row.name));
  save_health_.bind_int(2, as_db(row.run));
  save_health_.bind_int(3, as_db(row.last_seq));
  save_health_.bind_int(4, row.heartbeat_us);
  save_health_.bind_int(5, row.probe_time_us);
  save_health_.bind_int(6, std::int64_t{row.ended ? 1 : 0});
  save_health_.bind_int(7, std::int64_t{row.interval_s});
  save_health_.bind_text(8, health_json);
  const int rc = save_health_.step();
  save_health_.reset();
  if (rc != SQLITE_DONE) fail("cannot save a heartbeat");
  return rc == SQLITE_DONE;
}

std::vector<HealthRow> Store::load_health() {
  std::vector<HealthRow> rows;
  std::string error;
  auto stmt = db_.prepare(
      "SELECT name, run, last_seq, heartbeat_us, probe_time_us, ended, interval_s FROM "
      "probe_health",
      error);
  while (stmt.valid() && stmt.step() == SQLITE_ROW) {
    HealthRow r;
    r.name = std::string(stmt.column_text(0));
    r.run = from_db(stmt.column_int(1));
    r.last_seq = from_db(stmt.column_int(2));
    r.heartbeat_us = stmt.column_int(3);
    r.probe_time_us = stmt.column_int(4);
    r.ended = stmt.column_int(5) != 0;
    r.interval_s = static_cast<int>(stmt.column_int(6));
    rows.push_back(std::move(r));
  }
  return rows;
}

void Store::note_run(const CollectorRun& run) {
  const bool changed = run.started_us != run_.started_us || run.rejected != run_.rejected ||
                       run.refused_unknown_key != run_.refused_unknown_key ||
                       run.refused_handshake != run_.refused_handshake ||
                       run.refused_wrong_name != run_.refused_wrong_name;
  run_ = run;
  run_dirty_ = run_dirty_ || changed;
}

void Store::commit_if_due(Clock::time_point now) {
  // Refusals alone (no event stored) are saved too, a batch interval later.
  if (!in_batch_ && run_dirty_) (void)begin(now);
  if (!in_batch_) return;
  if (batch_events_ >= options_.batch_size || now - batch_started_ >= options_.batch_interval)
    (void)commit();
}

std::chrono::milliseconds Store::time_until_due(Clock::time_point now) const {
  if (!in_batch_) return options_.batch_interval;
  const auto due = batch_started_ + options_.batch_interval;
  if (now >= due) return std::chrono::milliseconds{0};
  return std::chrono::ceil<std::chrono::milliseconds>(due - now);
}

bool Store::commit() {
  if (!in_batch_ && run_dirty_) (void)begin(Clock::now());
  if (!in_batch_) return true;
  bool ok = true;
  for (auto& [key, state] : probes_) {
    if (!state.dirty) continue;
    save_probe_.bind_text(1, std::string_view(key.first));
    save_probe_.bind_int(2, as_db(key.second));
    save_probe_.bind_int(3, state.first_seen_us);
    save_probe_.bind_int(4, state.last_seen_us);
    save_probe_.bind_int(5, as_db(state.last_seq));
    save_probe_.bind_int(6, count_as_db(state.received));
    save_probe_.bind_int(7, count_as_db(state.duplicates));
    save_probe_.bind_int(8, count_as_db(state.gaps));
    const int rc = save_probe_.step();
    save_probe_.reset();
    if (rc != SQLITE_DONE) {
      fail("cannot save probe state");
      ok = false;
      break;
    }
    state.dirty = false;
  }
  if (ok && run_.started_us != 0) {
    const std::int64_t values[] = {run_.started_us,
                                   wall_now_us(),
                                   count_as_db(counters_.received),
                                   count_as_db(counters_.stored()),
                                   count_as_db(counters_.duplicates),
                                   count_as_db(run_.rejected),
                                   count_as_db(counters_.failed),
                                   count_as_db(counters_.pruned),
                                   count_as_db(run_.refused_unknown_key),
                                   count_as_db(run_.refused_handshake),
                                   count_as_db(run_.refused_wrong_name)};
    for (int i = 0; i < 11; ++i) save_run_.bind_int(i + 1, values[i]);
    const int rc = save_run_.step();
    save_run_.reset();
    if (rc != SQLITE_DONE) {
      fail("cannot save the collector's counts");
      ok = false;
    }
    run_dirty_ = !ok;
  }
  if (ok) {
    const int rc = commit_.step();
    commit_.reset();
    if (rc != SQLITE_DONE) {
      fail("cannot commit");
      ok = false;
    }
  }
  in_batch_ = false;
  if (!ok) {
    (void)rollback_.step();
    rollback_.reset();
    // The batch is gone: undo its stored counts and reload probe state from the database.
    const std::uint64_t lost = counters_.stored() - batch_start_.stored();
    counters_.findings = batch_start_.findings;
    counters_.flows = batch_start_.flows;
    counters_.stats = batch_start_.stats;
    counters_.other = batch_start_.other;
    counters_.noted = batch_start_.noted;
    counters_.failed = saturating_add(counters_.failed, lost);
    probes_.clear();
    return false;
  }
  ++commits_;
  if (probes_.size() > kMaxProbeStates) probes_.clear();
  return true;
}

std::uint64_t Store::prune(std::int64_t cutoff_us, std::size_t limit, Clock::time_point now) {
  if (!begin(now)) return 0;
  std::uint64_t removed = 0;
  for (Statement* stmt : {&prune_findings_, &prune_flows_, &prune_events_, &prune_probes_}) {
    stmt->bind_int(1, cutoff_us);
    stmt->bind_int(2, static_cast<std::int64_t>(limit));
    const int rc = stmt->step();
    stmt->reset();
    if (rc != SQLITE_DONE) {
      fail("cannot prune");
      return removed;
    }
    const auto n = static_cast<std::uint64_t>(db_.changes());
    // The probes table is bookkeeping, not records: count only events.
    if (stmt != &prune_probes_) removed += n;
  }
  // A pruned (probe, run) must not be saved back from memory with its old counts.
  for (auto it = probes_.begin(); it != probes_.end();)
    it = !it->second.dirty && it->second.last_seen_us < cutoff_us ? probes_.erase(it)
                                                                  : std::next(it);
  counters_.pruned = saturating_add(counters_.pruned, removed);
  return removed;
}

void Store::prune_if_due(std::int64_t wall_us, Clock::time_point now) {
  if (options_.retention.count() == 0 || now < next_prune_) return;
  const std::int64_t keep_us =
      std::chrono::duration_cast<std::chrono::microseconds>(options_.retention).count();
  const std::size_t limit = options_.prune_batch == 0 ? 1 : options_.prune_batch;
  const std::uint64_t removed = prune(wall_us - keep_us, limit, now);
  // A full step means more may be left: the next step comes at the next turn of the loop.
  next_prune_ = removed >= limit ? now : now + options_.prune_interval;
}

void Store::fail(const std::string& what) { last_error_ = what + ": " + db_.last_error(); }

}  // namespace limen::collector
