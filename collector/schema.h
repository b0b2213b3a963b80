#pragma once
// The collector's SQLite schema and how a database file is opened: WAL journal, synchronous=NORMAL,
// schema created when absent and versioned with PRAGMA user_version. A database written by a
// newer collector (higher user_version) is refused rather than misread.

#include <cstdint>
#include <optional>
#include <string>

#include "collector/sqlite_db.h"

namespace limen::collector {

inline constexpr std::int64_t kSchemaVersion = 1;

// For the receiver: opens or creates `path` read-write and brings the schema to kSchemaVersion.
// On failure returns nullopt with `error` naming the file and the cause.
std::optional<Db> open_store_database(const std::string& path, std::string& error);

// For queries: opens an existing collector database read-only and checks its schema version.
std::optional<Db> open_query_database(const std::string& path, std::string& error);

}  // namespace limen::collector
