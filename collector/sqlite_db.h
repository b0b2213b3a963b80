#pragma once
// A thin RAII layer over the SQLite C API: one connection (Db) and prepared statements
// (Statement). Errors are values (a message string), never exceptions, so the receive loop can
// count a failed insert and carry on. A Statement must not outlive the Db that prepared it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_context;
struct sqlite3_stmt;
struct sqlite3_value;

namespace limen::collector {

class Statement {
 public:
  Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  [[nodiscard]] bool valid() const { return stmt_ != nullptr; }

  // Parameters are numbered from 1, as in SQLite. Empty optionals bind NULL.
  void bind_null(int index);
  void bind_int(int index, std::int64_t value);
  void bind_int(int index, std::optional<std::int64_t> value);
  void bind_double(int index, std::optional<double> value);
  // The text is copied by SQLite (SQLITE_TRANSIENT), so the caller's buffer may go away.
  void bind_text(int index, std::string_view value);
  void bind_text(int index, std::optional<std::string_view> value);

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  // Clears bindings and rewinds, ready for the next execution.
  void reset();

  [[nodiscard]] bool column_is_null(int index) const;
  [[nodiscard]] std::int64_t column_int(int index) const;
  // A view valid until the next step() or reset().
  [[nodiscard]] std::string_view column_text(int index) const;

 private:
  friend class Db;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  sqlite3_stmt* stmt_ = nullptr;
};

class Db {
 public:
  enum class Mode { ReadWriteCreate, ReadOnly };

  Db() = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  Db(Db&& other) noexcept;
  Db& operator=(Db&& other) noexcept;
  ~Db();

  // Opens `path`; on failure returns nullopt and sets `error` (SQLite's own wording).
  static std::optional<Db> open(const std::string& path, Mode mode, std::string& error);

  // Runs one or more statements without results. Returns an empty string or SQLite's message.
  [[nodiscard]] std::string exec(const char* sql);
  // Prepares one statement; on failure the Statement is invalid and `error` says why.
  [[nodiscard]] Statement prepare(std::string_view sql, std::string& error);
  // Runs a query that yields one integer (PRAGMA user_version, COUNT(*)); nullopt on error.
  [[nodiscard]] std::optional<std::int64_t> query_int(std::string_view sql, std::string& error);

  // Registers a deterministic SQL function of `args` arguments on this connection; `user` is
  // what sqlite3_user_data() gives the function and must outlive the connection.
  using Function = void (*)(sqlite3_context*, int, sqlite3_value**);
  [[nodiscard]] std::string create_function(const char* name, int args, Function fn, void* user);

  [[nodiscard]] std::string last_error() const;
  [[nodiscard]] int changes() const;
  [[nodiscard]] bool read_only() const;

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

}  // namespace limen::collector
