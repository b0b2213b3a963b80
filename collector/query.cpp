#include "collector/query.h"

#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>
#include <thread>
#include <vector>

#include "common/ip_address.h"

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

// CSV: one header line, then one line per event; machine-friendly columns (addresses, ports
// and zones apart).
std::vector<std::string> csv_header(QueryType type) {
  switch (type) {
    case QueryType::Finding:
      return {"time",      "probe",     "severity", "rule_id", "kind",     "src_ip", "src_port",
              "src_zone",  "dest_ip",   "dest_port", "dest_zone", "app_proto", "message"};
    case QueryType::Flow:
      return {"time",      "probe",         "verdict",        "rule_id",        "src_ip",
              "src_port",  "src_zone",      "dest_ip",        "dest_port",      "dest_zone",
              "proto",     "app_proto",     "pkts_toserver",  "pkts_toclient",  "bytes_toserver",
              "bytes_toclient", "state",    "reason"};
    case QueryType::Stats:
      return {"time", "probe", "stats"};
  }
  return {};
}

// RFC 4180 quoting; a cell a spreadsheet would run as a formula (= + - @ first) gets a leading
// apostrophe, since cells come from the network.
std::string csv_cell(std::string_view text) {
  std::string cell(text);
  if (!cell.empty() && (cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@') &&
      cell.find_first_not_of("0123456789.-") != std::string::npos)
    cell.insert(0, 1, '\'');
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (const char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

void print_csv_line(const std::vector<std::string>& cells, std::ostream& out) {
  for (std::size_t i = 0; i < cells.size(); ++i) out << (i == 0 ? "" : ",") << csv_cell(cells[i]);
  out << "\r\n";
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

std::vector<std::string> csv_row(QueryType type, const Row& r) {
  std::vector<std::string> cells;
  const int columns = type == QueryType::Finding ? 14 : type == QueryType::Flow ? 19 : 3;
  for (int i = 1; i < columns; ++i) cells.push_back(r.text(i, ""));
  if (type == QueryType::Stats) cells.back() = table_row(type, r).back();
  return cells;
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
  if (o.address && o.address_prefix)
    w.add_text("(limen_in_net(src_ip, @) OR limen_in_net(dest_ip, @))", *o.address);
  else if (o.address)
    w.add_text("(src_ip = @ OR dest_ip = @)", *o.address);
  if (o.zone) w.add_text("(src_zone = @ OR dest_zone = @)", *o.zone);
  if (o.protocol && o.type == QueryType::Stats) {
  } else if (o.protocol) {
    w.add_text("(lower(proto) = lower(@) OR app_proto = @)", *o.protocol);
  }
  if (o.operation)
    w.add_text("(json_extract(raw, '$.operation') = @ OR "
               "json_extract(raw, '$.finding.operation') = @)",
               *o.operation);
  return w;
}

// limen_in_net(ADDRESS_TEXT, _): 1 when the address lies in the query's network. The network
// itself comes through the function's user data, parsed once; the second argument only ties
// the call to the bound parameter for readability of the SQL.
struct Network {
  IpAddress base;
  int prefix = 0;
  [[nodiscard]] bool contains(const IpAddress& ip) const {
    if (ip.family() != base.family()) return false;
    const auto a = ip.bytes(), b = base.bytes();
    int bits = prefix;
    for (std::size_t i = 0; i < a.size() && bits > 0; ++i, bits -= 8) {
      const auto mask = static_cast<std::uint8_t>(bits >= 8 ? 0xFF : 0xFF << (8 - bits));
      if ((a[i] & mask) != (b[i] & mask)) return false;
    }
    return true;
  }
};

void in_net(sqlite3_context* context, int /*args*/, sqlite3_value** values) {
  const auto* network = static_cast<const Network*>(sqlite3_user_data(context));
  const unsigned char* text = sqlite3_value_text(values[0]);
  const auto ip = text == nullptr
                      ? std::nullopt
                      : IpAddress::parse(reinterpret_cast<const char*>(text));
  sqlite3_result_int(context, ip && network->contains(*ip) ? 1 : 0);
}

}  // namespace

std::string check_query(const QueryOptions& o) {
  if (o.zone && o.type == QueryType::Stats) return "--zone applies to findings and flows";
  if (o.protocol && o.type == QueryType::Stats) return "--protocol applies to findings and flows";
  if (o.operation && o.type != QueryType::Finding) return "--operation applies to findings only";
  if (o.follow && o.count) return "--follow and --count cannot be combined";
  if (o.min_severity && o.type != QueryType::Finding) return "--severity applies to findings only";
  if (o.rule_id && o.type == QueryType::Stats) return "--rule applies to findings and flows";
  if (o.address && o.type == QueryType::Stats) return "--address applies to findings and flows";
  if (o.since && o.until && o.until->usec <= o.since->usec) return "--until must be after --since";
  return {};
}

namespace {

// Prints the rows `stmt` yields in the chosen format; returns the highest id seen (column
// `id_column`), or `last_id` when none.
std::int64_t print_rows(const QueryOptions& o, Statement& stmt, int id_column,
                        std::int64_t last_id, bool header, std::ostream& out, int& rc) {
  std::vector<std::vector<std::string>> rows;
  if (o.format == QueryFormat::Table && header) rows.push_back(table_header(o.type));
  if (o.format == QueryFormat::Csv && header) print_csv_line(csv_header(o.type), out);
  std::size_t printed = 0;
  while ((rc = stmt.step()) == SQLITE_ROW) {
    last_id = std::max(last_id, stmt.column_int(id_column));
    ++printed;
    if (o.format == QueryFormat::Json) {
      // Stored events are valid JSON, so any line break is whitespace between tokens; folding
      // it keeps one event per line.
      std::string line(stmt.column_text(0));
      std::replace_if(
          line.begin(), line.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
      out << line << '\n';
    } else if (o.format == QueryFormat::Csv) {
      print_csv_line(csv_row(o.type, Row(stmt)), out);
    } else {
      rows.push_back(table_row(o.type, Row(stmt)));
    }
  }
  if (o.format == QueryFormat::Table) {
    if (printed == 0 && header) {
      out << "no " << plural_of(o.type) << '\n';
    } else if (printed > 0) {
      print_table(rows, out);
    }
  }
  out.flush();
  return last_id;
}

}  // namespace

bool run_query(const QueryOptions& o, std::ostream& out, std::string& error,
               const std::atomic<bool>* stop, std::chrono::milliseconds poll) {
  if (auto why = check_query(o); !why.empty()) {
    error = why;
    return false;
  }
  auto db = open_query_database(o.db_path, error);
  if (!db) return false;
  Network network;
  if (o.address && o.address_prefix) {
    network.base = IpAddress::parse(*o.address).value_or(IpAddress{});
    network.prefix = *o.address_prefix;
    if (auto why = db->create_function("limen_in_net", 2, in_net, &network); !why.empty()) {
      error = "database " + o.db_path + ": " + why;
      return false;
    }
  }
  const Where where = build_where(o);
  const std::string table = table_of(o.type);
  // id last, so that the view's column numbers stay those of columns_of().
  const std::string columns = std::string(columns_of(o.type)) + ", id";
  const int id_column = o.type == QueryType::Finding ? 14 : o.type == QueryType::Flow ? 19 : 3;
  std::string sql;
  if (o.count) {
    sql = "SELECT COUNT(*) FROM " + table + where.sql();
  } else if (o.limit == 0) {
    sql = "SELECT " + columns + " FROM " + table + where.sql() + " ORDER BY time_us, id";
  } else {
    // The newest `limit` rows, then put back in time order.
    const auto limit = std::min<std::uint64_t>(o.limit, std::numeric_limits<std::int64_t>::max());
    sql = "SELECT " + columns + " FROM (SELECT time_us, " + columns + " FROM " + table +
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
  int rc = SQLITE_DONE;
  if (o.count) {
    while ((rc = stmt.step()) == SQLITE_ROW) out << stmt.column_int(0) << '\n';
    out.flush();
  } else {
    std::int64_t last_id = 0;
    {
      // Where following starts: the newest row now, whatever the first answer printed.
      std::string why;
      last_id = db->query_int("SELECT COALESCE(MAX(id), 0) FROM " + table, why).value_or(0);
    }
    last_id = print_rows(o, stmt, id_column, last_id, true, out, rc);
    if (rc == SQLITE_DONE && o.follow) {
      // New rows in arrival order (ids grow with reception), whatever their own timestamps.
      const std::string follow_sql = "SELECT " + columns + " FROM " + table + where.sql() +
                                     (where.sql().empty() ? " WHERE " : " AND ") +
                                     "id > ?99 ORDER BY id";
      Statement next = db->prepare(follow_sql, cause);
      if (!next.valid()) {
        error = "database " + o.db_path + ": " + cause;
        return false;
      }
      while (rc == SQLITE_DONE && (stop == nullptr || !stop->load())) {
        std::this_thread::sleep_for(poll);
        where.bind(next);
        next.bind_int(99, last_id);
        last_id = print_rows(o, next, id_column, last_id, false, out, rc);
        next.reset();
      }
    }
  }
  if (rc != SQLITE_DONE) {
    error = "database " + o.db_path + ": " + db->last_error();
    return false;
  }
  return true;
}

}  // namespace limen::collector
