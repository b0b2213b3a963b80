#pragma once
// Store: writes received events into the collector database in batched transactions (a commit
// every `batch_size` events or every `batch_interval`, whichever comes first) and keeps the
// per-(probe, run) bookkeeping: last sequence number, events received, duplicates and gaps.
//
// Invariants: (probe, run, seq) is stored at most once across findings, flows and events; a
// duplicate is counted, never stored; a jump past last_seq + 1 adds the number of skipped events
// to `gaps`, and a late event that fills one takes it back. Nothing here throws; a failed insert
// or commit is counted and reported through last_error().

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collector/checkpointer.h"
#include "collector/event_record.h"
#include "collector/sqlite_db.h"
#include "common/wire.h"

namespace limen::collector {

struct StoreOptions {
  std::size_t batch_size = 5000;
  std::chrono::milliseconds batch_interval{1000};
  // Retention: events received longer ago than this are deleted (0: kept for ever), at most
  // prune_batch rows per table at a time, every prune_interval, or at once again while there is
  // more to delete, so that ingestion goes on between the steps.
  std::chrono::hours retention{183 * 24};
  std::size_t prune_batch = 2000;
  std::chrono::milliseconds prune_interval{60'000};
};

struct StoreCounters {
  std::uint64_t received = 0;  // events with a valid envelope handed to add()
  std::uint64_t findings = 0;  // rows stored in each table
  std::uint64_t flows = 0;
  std::uint64_t stats = 0;  // `events` rows whose event_type is "stats"
  std::uint64_t other = 0;  // every other `events` row
  std::uint64_t noted = 0;  // of the above, stored with a note (missing or odd fields)
  std::uint64_t duplicates = 0;
  std::uint64_t gaps = 0;  // events missing, summed over all probes and runs
  std::uint64_t late = 0;  // events that arrived after a later one (filled a gap)
  std::uint64_t invalid_json = 0;
  std::uint64_t failed = 0;  // lost to a database error (insert or commit)
  std::uint64_t pruned = 0;  // events deleted by retention
  [[nodiscard]] std::uint64_t stored() const { return findings + flows + stats + other; }
};

enum class AddResult : std::uint8_t { Stored, Duplicate, InvalidJson, Failed };

// What one collector process saw beyond the store's own counts, saved with every commit in
// `collector_runs` so that `limen-collector stats` can report refusals across restarts.
struct CollectorRun {
  std::int64_t started_us = 0;  // 0: not recorded
  std::uint64_t rejected = 0;
  std::uint64_t refused_unknown_key = 0, refused_handshake = 0, refused_wrong_name = 0;
};

// The last heartbeat of one probe (table probe_health).
struct HealthRow {
  std::string name;
  std::uint64_t run = 0, last_seq = 0;
  std::int64_t heartbeat_us = 0, probe_time_us = 0;
  bool ended = false;
  int interval_s = 0;
};

class Store {
 public:
  using Clock = std::chrono::steady_clock;

  // Opens or creates the database (see schema.h). nullptr with `error` set on failure.
  static std::unique_ptr<Store> open(const std::string& path, const StoreOptions& options,
                                     std::string& error);
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store();

  // Stores one event. `now` drives batching; `wall_us` (microseconds since the epoch) is what
  // the probes table records as first and last seen.
  AddResult add(const wire::Envelope& envelope, Clock::time_point now, std::int64_t wall_us);
  // Retention: deletes at most `limit` rows of each event table received before `cutoff_us`
  // (collector clock, microseconds since the epoch), inside the open batch (begun if need be), so
  // the deletion commits with the events around it. Returns how many events it deleted; fewer
  // than `limit` per table means nothing older is left.
  std::uint64_t prune(std::int64_t cutoff_us, std::size_t limit, Clock::time_point now);
  // Runs one retention step when one is due (options' retention and prune_interval); `wall_us`
  // is the collector's clock.
  void prune_if_due(std::int64_t wall_us, Clock::time_point now);
  // Records a probe's last heartbeat (inside the open batch, begun if need be).
  bool save_health(const HealthRow& row, std::string_view health_json, Clock::time_point now);
  // Every probe's last heartbeat, as saved.
  [[nodiscard]] std::vector<HealthRow> load_health();
  // The collector process's own counts, written with the next commit.
  void note_run(const CollectorRun& run);
  // Commits when the open batch is full or has waited batch_interval.
  void commit_if_due(Clock::time_point now);
  // Commits the open batch, if any. False (and last_error()) when the commit failed.
  bool commit();
  // How long the receiver may wait before commit_if_due() has work; batch_interval when idle.
  [[nodiscard]] std::chrono::milliseconds time_until_due(Clock::time_point now) const;

  [[nodiscard]] const StoreCounters& counters() const { return counters_; }
  // Batches committed so far; with no open batch, every event added is durable.
  [[nodiscard]] std::uint64_t commits() const { return commits_; }
  [[nodiscard]] bool batch_open() const { return in_batch_; }
  [[nodiscard]] const std::string& last_error() const { return last_error_; }
  [[nodiscard]] Db& db() { return db_; }

 private:
  struct ProbeState {
    std::int64_t first_seen_us = 0;
    std::int64_t last_seen_us = 0;
    std::uint64_t last_seq = 0;
    std::uint64_t received = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t gaps = 0;
    bool dirty = false;
  };
  struct ProbeKeyLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      const std::string_view name_a = a.first;
      const std::string_view name_b = b.first;
      return name_a < name_b || (name_a == name_b && a.second < b.second);
    }
  };
  using ProbeKey = std::pair<std::string, std::uint64_t>;
  using ProbeMap = std::map<ProbeKey, ProbeState, ProbeKeyLess>;

  Store(Db db, const StoreOptions& options) : db_(std::move(db)), options_(options) {}
  bool prepare_statements(std::string& error);
  ProbeState* probe_state(std::string_view probe, std::uint64_t run, std::int64_t wall_us);
  bool begin(Clock::time_point now);
  bool exists(std::string_view probe, std::uint64_t run, std::uint64_t seq);
  bool insert(const wire::Envelope& envelope, bool& inserted);
  bool insert_finding(const wire::Envelope& envelope, bool& inserted);
  bool insert_flow(const wire::Envelope& envelope, bool& inserted);
  bool insert_event(const wire::Envelope& envelope, bool& inserted);
  bool run_insert(Statement& stmt, bool& inserted);
  void account_position(ProbeState& state, std::uint64_t seq);
  void fail(const std::string& what);

  Db db_;
  StoreOptions options_;
  Statement insert_finding_, insert_flow_, insert_event_, exists_, load_probe_, save_probe_;
  Statement begin_, commit_, rollback_;
  Statement prune_findings_, prune_flows_, prune_events_, prune_probes_, save_run_, save_health_;
  CollectorRun run_;
  bool run_dirty_ = false;  // counts changed since the last commit, maybe with no event at all
  std::int64_t received_us_ = 0;  // wall clock of the event being inserted
  Clock::time_point next_prune_{};
  std::unique_ptr<Checkpointer> checkpointer_;  // null: SQLite checkpoints on this thread
  ProbeMap probes_;
  EventRecord record_;
  std::string parse_error_;
  bool in_batch_ = false;
  std::size_t batch_events_ = 0;
  Clock::time_point batch_started_{};
  StoreCounters counters_;
  StoreCounters batch_start_;  // to undo the stored counts of a batch whose commit fails
  std::string last_error_;
  std::uint64_t commits_ = 0;
};

}  // namespace limen::collector
