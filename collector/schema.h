#pragma once
// The collector's SQLite schema and how a database file is opened: WAL journal, synchronous=NORMAL,
// schema created when absent and versioned with PRAGMA user_version. A database written by a
// newer collector (higher user_version) is refused rather than misread.

#include <cstdint>
#include <optional>
#include <string>

#include "collector/sqlite_db.h"

namespace limen::collector {

// 2: received_us on every event table (retention). A version 1 file is upgraded in place.
inline constexpr std::int64_t kSchemaVersion = 2;

// For the receiver: opens or creates `path` read-write and brings the schema to kSchemaVersion.
// On failure returns nullopt with `error` naming the file and the cause.
std::optional<Db> open_store_database(const std::string& path, std::string& error);

// For queries: opens an existing collector database read-only and checks its schema version.
std::optional<Db> open_query_database(const std::string& path, std::string& error);

}  // namespace limen::collector
