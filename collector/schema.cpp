#include "collector/schema.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <filesystem>

namespace limen::collector {
namespace {

// Every event table keeps the position (probe, run, seq), the event time as integer microseconds
// plus the original text, the raw JSON as received, and when the collector received it
// (received_us, collector clock: retention counts from there, so a replay of an old capture is
// kept as long as a live one). received_us grows with the row id, so retention walks the rows
// in id order and needs no index of its own. run and seq are unsigned 64-bit on the
// wire and stored as the same bits in SQLite's signed INTEGER.
constexpr const char* kSchemaSql = R"sql(
CREATE TABLE IF NOT EXISTS findings (
  id INTEGER PRIMARY KEY,
  probe TEXT NOT NULL, run INTEGER NOT NULL, seq INTEGER NOT NULL,
  time_us INTEGER, time TEXT,
  kind TEXT NOT NULL, rule_id INTEGER, action TEXT,
  severity TEXT NOT NULL, severity_level INTEGER NOT NULL,
  message TEXT, src_zone TEXT, dest_zone TEXT, rule_location TEXT,
  src_ip TEXT, src_port INTEGER, dest_ip TEXT, dest_port INTEGER,
  proto TEXT, app_proto TEXT, flow_id INTEGER, community_id TEXT,
  raw TEXT NOT NULL,
  received_us INTEGER,
  UNIQUE (probe, run, seq));
CREATE INDEX IF NOT EXISTS findings_time ON findings (time_us);
CREATE INDEX IF NOT EXISTS findings_probe ON findings (probe, time_us);
CREATE INDEX IF NOT EXISTS findings_rule ON findings (rule_id);
CREATE INDEX IF NOT EXISTS findings_severity ON findings (severity_level);
CREATE INDEX IF NOT EXISTS findings_src_ip ON findings (src_ip);
CREATE INDEX IF NOT EXISTS findings_dest_ip ON findings (dest_ip);

CREATE TABLE IF NOT EXISTS flows (
  id INTEGER PRIMARY KEY,
  probe TEXT NOT NULL, run INTEGER NOT NULL, seq INTEGER NOT NULL,
  time_us INTEGER, time TEXT,
  src_ip TEXT, src_port INTEGER, dest_ip TEXT, dest_port INTEGER,
  proto TEXT, app_proto TEXT, flow_id INTEGER, community_id TEXT,
  start_us INTEGER, start TEXT, end_us INTEGER, "end" TEXT, age INTEGER,
  pkts_toserver INTEGER, pkts_toclient INTEGER, bytes_toserver INTEGER, bytes_toclient INTEGER,
  state TEXT, reason TEXT, src_zone TEXT, dest_zone TEXT, boundary INTEGER,
  verdict TEXT, rule_id INTEGER,
  raw TEXT NOT NULL,
  received_us INTEGER,
  UNIQUE (probe, run, seq));
CREATE INDEX IF NOT EXISTS flows_time ON flows (time_us);
CREATE INDEX IF NOT EXISTS flows_probe ON flows (probe, time_us);
CREATE INDEX IF NOT EXISTS flows_rule ON flows (rule_id);
CREATE INDEX IF NOT EXISTS flows_src_ip ON flows (src_ip);
CREATE INDEX IF NOT EXISTS flows_dest_ip ON flows (dest_ip);

CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY,
  probe TEXT NOT NULL, run INTEGER NOT NULL, seq INTEGER NOT NULL,
  time_us INTEGER, time TEXT,
  event_type TEXT, note TEXT,
  raw TEXT NOT NULL,
  received_us INTEGER,
  UNIQUE (probe, run, seq));
CREATE INDEX IF NOT EXISTS events_time ON events (time_us);
CREATE INDEX IF NOT EXISTS events_probe ON events (probe, time_us);
CREATE INDEX IF NOT EXISTS events_type ON events (event_type, time_us);

CREATE TABLE IF NOT EXISTS collector_runs (
  started_us INTEGER PRIMARY KEY, updated_us INTEGER NOT NULL,
  received INTEGER NOT NULL, stored INTEGER NOT NULL, duplicates INTEGER NOT NULL,
  rejected INTEGER NOT NULL, failed INTEGER NOT NULL, pruned INTEGER NOT NULL,
  refused_unknown_key INTEGER NOT NULL, refused_handshake INTEGER NOT NULL,
  refused_wrong_name INTEGER NOT NULL);

CREATE TABLE IF NOT EXISTS probe_health (
  name TEXT PRIMARY KEY, run INTEGER NOT NULL, last_seq INTEGER NOT NULL,
  heartbeat_us INTEGER NOT NULL, probe_time_us INTEGER NOT NULL, ended INTEGER NOT NULL,
  interval_s INTEGER NOT NULL, health TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS probes (
  name TEXT NOT NULL, run INTEGER NOT NULL,
  first_seen_us INTEGER NOT NULL, last_seen_us INTEGER NOT NULL,
  last_seq INTEGER NOT NULL, received INTEGER NOT NULL,
  duplicates INTEGER NOT NULL, gaps INTEGER NOT NULL,
  PRIMARY KEY (name, run));
)sql";

// Version 1 -> 2: the time each event was received, for retention, and collector_runs. Rows stored before the upgrade
// count as received at the upgrade, so none is pruned earlier than promised.
std::string upgrade_1_to_2(std::int64_t now_us) {
  std::string sql = "BEGIN IMMEDIATE;";
  for (const char* table : {"findings", "flows", "events"}) {
    const std::string t(table);
    sql += "ALTER TABLE " + t + " ADD COLUMN received_us INTEGER;UPDATE " + t +
           " SET received_us = " + std::to_string(now_us) + ";";
  }
  return sql +
         "CREATE TABLE IF NOT EXISTS collector_runs (started_us INTEGER PRIMARY KEY, "
         "updated_us INTEGER NOT NULL, received INTEGER NOT NULL, stored INTEGER NOT NULL, "
         "duplicates INTEGER NOT NULL, rejected INTEGER NOT NULL, failed INTEGER NOT NULL, "
         "pruned INTEGER NOT NULL, refused_unknown_key INTEGER NOT NULL, "
         "refused_handshake INTEGER NOT NULL, refused_wrong_name INTEGER NOT NULL);"
         "CREATE TABLE IF NOT EXISTS probe_health (name TEXT PRIMARY KEY, run INTEGER NOT NULL, "
         "last_seq INTEGER NOT NULL, heartbeat_us INTEGER NOT NULL, "
         "probe_time_us INTEGER NOT NULL, ended INTEGER NOT NULL, interval_s INTEGER NOT NULL, "
         "health TEXT NOT NULL);"
         "PRAGMA user_version=2;COMMIT;";
}

std::string describe(const std::string& path, const std::string& cause) {
  return "database " + path + ": " + cause;
}

// Reads user_version; this is also the first read of the file, so it is where SQLite notices a
// file that is not a database.
std::optional<std::int64_t> read_version(Db& db, const std::string& path, std::string& error) {
  std::string cause;
  auto version = db.query_int("PRAGMA user_version", cause);
  if (!version) error = describe(path, cause);
  return version;
}

bool check_not_newer(std::int64_t version, const std::string& path, std::string& error) {
  if (version <= kSchemaVersion) return true;
  error = describe(path, "schema version " + std::to_string(version) +
                             " is newer than this collector supports (" +
                             std::to_string(kSchemaVersion) + "); use a newer limen-collector");
  return false;
}

}  // namespace

std::optional<Db> open_store_database(const std::string& path, std::string& error) {
  // The records are evidence and name the site's hosts: a new database is readable by its owner
  // only. SQLite gives its -wal and -shm files the database file's mode.
  if (path != ":memory:") {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ::close(fd);
    } else if (errno != EEXIST) {
      error = describe(path, std::string("cannot create: ") + std::strerror(errno));
      return std::nullopt;
    }
  }
  std::string cause;
  auto db = Db::open(path, Db::Mode::ReadWriteCreate, cause);
  if (!db) {
    error = describe(path, "cannot open: " + cause);
    return std::nullopt;
  }
  const auto version = read_version(*db, path, error);
  if (!version || !check_not_newer(*version, path, error)) return std::nullopt;
  // SQLite silently falls back to read-only for a file it cannot write; say so now, not at the
  // first commit.
  if (db->read_only()) {
    error = describe(path, "not writable");
    return std::nullopt;
  }
  // WAL lets `limen-collector query` read while the receiver writes. synchronous=FULL syncs the
  // log at every commit: the collector acknowledges a batch to the probes once it is committed,
  // and the probes then forget it, so a committed batch must survive a power loss too.
  auto wal = db->prepare("PRAGMA journal_mode=WAL", cause);
  if (!wal.valid() || wal.step() != SQLITE_ROW || wal.column_text(0) != "wal") {
    error = describe(path, "cannot enable WAL journal: " + db->last_error());
    return std::nullopt;
  }
  wal = Statement{};
  // A 64 MiB page cache keeps the indexes' working set (time, addresses, rules) in memory while
  // the tables grow: with SQLite's 2 MiB default, index inserts read pages back from the kernel.
  for (const char* pragma : {"PRAGMA synchronous=FULL", "PRAGMA busy_timeout=5000",
                             "PRAGMA cache_size=-65536"}) {
    if (cause = db->exec(pragma); !cause.empty()) {
      error = describe(path, cause);
      return std::nullopt;
    }
  }
  if (*version == 1) {
    const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    if (cause = db->exec(upgrade_1_to_2(now_us).c_str()); !cause.empty()) {
      (void)db->exec("ROLLBACK");
      error = describe(path, "cannot upgrade schema 1 to 2: " + cause);
      return std::nullopt;
    }
  } else if (*version < kSchemaVersion) {
    // Version 0 is a new file (or one we never finished creating): create everything in one
    // transaction so a crash half way leaves version 0 and is retried on the next start.
    const std::string create = std::string("BEGIN IMMEDIATE;") + kSchemaSql +
                               "PRAGMA user_version=" + std::to_string(kSchemaVersion) + ";COMMIT;";
    if (cause = db->exec(create.c_str()); !cause.empty()) {
      (void)db->exec("ROLLBACK");
      error = describe(path, "cannot create schema: " + cause);
      return std::nullopt;
    }
  }
  return db;
}

std::optional<Db> open_query_database(const std::string& path, std::string& error) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    error = describe(path, "no such file");
    return std::nullopt;
  }
  std::string cause;
  auto db = Db::open(path, Db::Mode::ReadOnly, cause);
  if (!db) {
    error = describe(path, "cannot open: " + cause);
    return std::nullopt;
  }
  (void)db->exec("PRAGMA busy_timeout=5000");
  const auto version = read_version(*db, path, error);
  if (!version || !check_not_newer(*version, path, error)) return std::nullopt;
  // Queries read only what every version has: an older file is read as it is.
  if (*version < 1) {
    error = describe(path, "not a limen-collector database (no schema)");
    return std::nullopt;
  }
  return db;
}

}  // namespace limen::collector
