#include "collector/sqlite_db.h"

#include <sqlite3.h>

#include <utility>

namespace limen::collector {

Statement::Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::bind_null(int index) { sqlite3_bind_null(stmt_, index); }

void Statement::bind_int(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, static_cast<sqlite3_int64>(value));
}

void Statement::bind_int(int index, std::optional<std::int64_t> value) {
  if (value) {
    bind_int(index, *value);
  } else {
    bind_null(index);
  }
}

void Statement::bind_double(int index, std::optional<double> value) {
  if (value) {
    sqlite3_bind_double(stmt_, index, *value);
  } else {
    bind_null(index);
  }
}

void Statement::bind_text(int index, std::string_view value) {
  sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void Statement::bind_text(int index, std::optional<std::string_view> value) {
  if (value) {
    bind_text(index, *value);
  } else {
    bind_null(index);
  }
}

int Statement::step() { return sqlite3_step(stmt_); }

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

std::int64_t Statement::column_int(int index) const {
  return static_cast<std::int64_t>(sqlite3_column_int64(stmt_, index));
}

std::string_view Statement::column_text(int index) const {
  const auto* text = sqlite3_column_text(stmt_, index);
  if (text == nullptr) return {};
  const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index));
  return {reinterpret_cast<const char*>(text), size};
}

Db::Db(Db&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Db& Db::operator=(Db&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Db::~Db() { sqlite3_close_v2(db_); }

std::string Db::create_function(const char* name, int args, Function fn, void* user) {
  const int rc = sqlite3_create_function_v2(db_, name, args, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                            user, fn, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? std::string() : std::string(sqlite3_errmsg(db_));
}

std::optional<Db> Db::open(const std::string& path, Mode mode, std::string& error) {
  // Before SQLite's first use: no memory statistics, so no global mutex around every allocation
  // (5% of the receiver's time at full ingestion). Refused harmlessly once SQLite is running.
  static const int kNoMemoryStatistics = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)kNoMemoryStatistics;
  sqlite3* raw = nullptr;
  const int flags =
      mode == Mode::ReadOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  Db db(raw);  // closes the handle SQLite returns even on failure
  if (rc != SQLITE_OK) {
    error = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    return std::nullopt;
  }
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

std::string Db::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) == SQLITE_OK) return {};
  std::string out = message != nullptr ? message : last_error();
  sqlite3_free(message);
  return out;
}

Statement Db::prepare(std::string_view sql, std::string& error) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt, nullptr) != SQLITE_OK) {
    error = last_error();
    sqlite3_finalize(stmt);
    return Statement{};
  }
  return Statement(stmt);
}

std::optional<std::int64_t> Db::query_int(std::string_view sql, std::string& error) {
  Statement stmt = prepare(sql, error);
  if (!stmt.valid()) return std::nullopt;
  if (stmt.step() != SQLITE_ROW) {
    error = last_error();
    return std::nullopt;
  }
  return stmt.column_int(0);
}

std::string Db::last_error() const { return db_ != nullptr ? sqlite3_errmsg(db_) : "no database"; }

int Db::changes() const { return sqlite3_changes(db_); }

bool Db::read_only() const { return sqlite3_db_readonly(db_, "main") == 1; }

}  // namespace limen::collector
