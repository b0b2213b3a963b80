#include "collector/query.h"

#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "collector/schema.h"

namespace limen::collector {
namespace {

const char* table_of(QueryType type) {
  switch (type) {
    case QueryType::Finding:
      return "findings";
    case QueryType::Flow:
      return "flows";
    case QueryType::Stats:
      return "events";
  }
  return "events";
}

const char* plural_of(QueryType type) {
  switch (type) {
    case QueryType::Finding:
      return "findings";
    case QueryType::Flow:
      return "flows";
    case QueryType::Stats:
      return "stats events";
  }
  return "events";
}

// Columns read for the table view, after `raw` (column 0) and `time` (column 1).
const char* columns_of(QueryType type) {
  switch (type) {
    case QueryType::Finding:
      return "raw, time, probe, severity, rule_id, kind, src_ip, src_port, src_zone, dest_ip, "
             "dest_port, dest_zone, app_proto, message";
    case QueryType::Flow:
      return "raw, time, probe, verdict, rule_id, src_ip, src_port, src_zone, dest_ip, "
             "dest_port, dest_zone, proto, app_proto, pkts_toserver, pkts_toclient, "
             "bytes_toserver, bytes_toclient, state, reason";
    case QueryType::Stats:
      return "raw, time, probe";
  }
  return "raw";
}

// Cells come from the network: control characters would let a hostile event rewrite the
// analyst's terminal, so they are shown as '?'.
std::string clean(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = '?';
  }
  return out;
}

// Display width in code points (UTF-8 continuation bytes take no column).
std::size_t width(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
  }));
}

class Row {
 public:
  explicit Row(const Statement& stmt) : stmt_(stmt) {}
  [[nodiscard]] bool null(int i) const { return stmt_.column_is_null(i); }
  [[nodiscard]] std::string text(int i, std::string_view fallback = "-") const {
    if (null(i)) return std::string(fallback);
    return clean(stmt_.column_text(i));
  }
  // "10.0.0.1:502 (vendor)"; IPv6 in brackets when a port follows.
  [[nodiscard]] std::string endpoint(int ip, int port, int zone) const {
    std::string out = text(ip, "?");
    if (!null(port)) {
      if (out.find(':') != std::string::npos) out = "[" + out + "]";
      out += ":" + text(port);
    }
    if (!null(zone)) out += " (" + text(zone) + ")";
    return out;
  }

 private:
  const Statement& stmt_;
};

std::vector<std::string> table_header(QueryType type) {
  switch (type) {
    case QueryType::Finding:
      return {"TIME", "PROBE",  "SEVERITY", "RULE", "KIND", "SOURCE → DESTINATION",
              "APP",  "MESSAGE"};
    case QueryType::Flow:
      return {"TIME",      "PROBE",    "VERDICT",   "RULE", "SOURCE → DESTINATION",
              "PROTO/APP", "PKTS →/←", "BYTES →/←", "STATE"};
    case QueryType::Stats:
      return {"TIME", "PROBE", "STATS"};
  }
  return {};
}

std::vector<std::string> table_row(QueryType type, const Row& r) {
  switch (type) {
    case QueryType::Finding:
      return {r.text(1),  r.text(2),     r.text(3),
              r.text(4),  r.text(5),     r.endpoint(6, 7, 8) + " → " + r.endpoint(9, 10, 11),
              r.text(12), r.text(13, "")};
    case QueryType::Flow:
      return {r.text(1),
              r.text(2),
              r.text(3),
              r.text(4),
              r.endpoint(5, 6, 7) + " → " + r.endpoint(8, 9, 10),
              r.text(11) + "/" + r.text(12),
              r.text(13) + "/" + r.text(14),
              r.text(15) + "/" + r.text(16),
              r.text(17) + " (" + r.text(18) + ")"};
    case QueryType::Stats: {
      const std::string raw = r.text(0, "{}");
      const auto event = nlohmann::json::parse(raw, nullptr, false);
      std::string stats = "-";
      if (event.is_object()) {
        const auto it = event.find("stats");
        if (it != event.end()) stats = clean(it->dump());
      }
      return {r.text(1), r.text(2), stats};
    }
  }
  return {};
}

void print_table(const std::vector<std::vector<std::string>>& rows, std::ostream& out) {
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], width(row[i]));
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      // The last column is not padded, so a long message does not leave trailing blanks.
      if (i + 1 < row.size()) line.append(widths[i] - width(row[i]) + 2, ' ');
    }
    out << line << '\n';
  }
}

// Builds "WHERE ..." with numbered parameters and binds them in the same order.
class Where {
 public:
  void add_int(const std::string& clause, std::int64_t value) {
    clauses_.push_back(clause + std::to_string(++count_));
    ints_.emplace_back(count_, value);
  }
  void add_text(const std::string& clause, const std::string& value) {
    clauses_.push_back(clause);
    const int n = ++count_;
    auto& last = clauses_.back();
    for (std::size_t at = last.find('@'); at != std::string::npos; at = last.find('@'))
      last.replace(at, 1, "?" + std::to_string(n));
    texts_.emplace_back(n, value);
  }
  void add_fixed(const std::string& clause) { clauses_.push_back(clause); }

  [[nodiscard]] std::string sql() const {
    std::string out;
    for (const auto& c : clauses_) out += (out.empty() ? " WHERE " : " AND ") + c;
    return out;
  }
  void bind(Statement& stmt) const {
    for (const auto& [n, v] : ints_) stmt.bind_int(n, v);
    for (const auto& [n, v] : texts_) stmt.bind_text(n, std::string_view(v));
  }

 private:
  int count_ = 0;
  std::vector<std::string> clauses_;
  std::vector<std::pair<int, std::int64_t>> ints_;
  std::vector<std::pair<int, std::string>> texts_;
};

Where build_where(const QueryOptions& o) {
  Where w;
  if (o.type == QueryType::Stats) w.add_fixed("event_type = 'stats'");
  if (o.since) w.add_int("time_us >= ?", o.since->usec);
  if (o.until) w.add_int("time_us < ?", o.until->usec);
  if (o.probe) w.add_text("probe = @", *o.probe);
  if (o.rule_id) w.add_int("rule_id = ?", *o.rule_id);
  if (o.min_severity) w.add_int("severity_level >= ?", *o.min_severity);
  if (o.address) w.add_text("(src_ip = @ OR dest_ip = @)", *o.address);
  return w;
}

}  // namespace

std::string check_query(const QueryOptions& o) {
  if (o.min_severity && o.type != QueryType::Finding) return "--severity applies to findings only";
  if (o.rule_id && o.type == QueryType::Stats) return "--rule applies to findings and flows";
  if (o.address && o.type == QueryType::Stats) return "--address applies to findings and flows";
  if (o.since && o.until && o.until->usec <= o.since->usec) return "--until must be after --since";
  return {};
}

bool run_query(const QueryOptions& o, std::ostream& out, std::string& error) {
  if (auto why = check_query(o); !why.empty()) {
    error = why;
    return false;
  }
  auto db = open_query_database(o.db_path, error);
  if (!db) return false;
  const Where where = build_where(o);
  const std::string table = table_of(o.type);
  const std::string columns = columns_of(o.type);
  std::string sql;
  if (o.count) {
    sql = "SELECT COUNT(*) FROM " + table + where.sql();
  } else if (o.limit == 0) {
    sql = "SELECT " + columns + " FROM " + table + where.sql() + " ORDER BY time_us, id";
  } else {
    // The newest `limit` rows, then put back in time order.
    const auto limit = std::min<std::uint64_t>(o.limit, std::numeric_limits<std::int64_t>::max());
    sql = "SELECT " + columns + " FROM (SELECT id, time_us, " + columns + " FROM " + table +
          where.sql() + " ORDER BY time_us DESC, id DESC LIMIT " + std::to_string(limit) +
          ") ORDER BY time_us, id";
  }
  std::string cause;
  Statement stmt = db->prepare(sql, cause);
  if (!stmt.valid()) {
    error = "database " + o.db_path + ": " + cause;
    return false;
  }
  where.bind(stmt);
  std::vector<std::vector<std::string>> rows;
  if (!o.json && !o.count) rows.push_back(table_header(o.type));
  int rc = SQLITE_ROW;
  while ((rc = stmt.step()) == SQLITE_ROW) {
    if (o.count) {
      out << stmt.column_int(0) << '\n';
    } else if (o.json) {
      // Stored events are valid JSON, so any line break is whitespace between tokens; folding
      // it keeps one event per line.
      std::string line(stmt.column_text(0));
      std::replace_if(
          line.begin(), line.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
      out << line << '\n';
    } else {
      rows.push_back(table_row(o.type, Row(stmt)));
    }
  }
  if (rc != SQLITE_DONE) {
    error = "database " + o.db_path + ": " + db->last_error();
    return false;
  }
  if (!o.json && !o.count) {
    if (rows.size() == 1) {
      out << "no " << plural_of(o.type) << '\n';
    } else {
      print_table(rows, out);
    }
  }
  out.flush();
  return true;
}

}  // namespace limen::collector
