#pragma once
// `limen-collector query`: reads stored events back, filtered, as an aligned table for people
// or as JSON lines (the raw events as received) for tools. Opens the database read-only, so it
// runs safely beside a live collector (WAL readers never block the writer).
//
// Ordering: the newest `limit` matching events, printed oldest first (like `tail`); limit 0 means
// all. --since is inclusive, --until exclusive, both on the event's own timestamp.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "common/timestamp.h"

namespace limen::collector {

enum class QueryType : std::uint8_t { Finding, Flow, Stats };
enum class QueryFormat : std::uint8_t { Table, Json, Csv };

struct QueryOptions {
  std::string db_path;
  QueryType type = QueryType::Finding;
  QueryFormat format = QueryFormat::Table;
  bool count = false;
  // Keep printing what arrives after the first answer, in arrival order, until `stop`.
  bool follow = false;
  std::optional<Timestamp> since;
  std::optional<Timestamp> until;
  std::optional<std::string> probe;
  std::optional<std::int64_t> rule_id;
  std::optional<int> min_severity;     // 1 low .. 4 critical, see severity_level()
  std::optional<std::string> address;  // canonical text, matches src_ip or dest_ip
  std::optional<int> address_prefix;   // with address: a network (CIDR) of this many bits
  std::optional<std::string> zone;     // src_zone or dest_zone
  std::optional<std::string> protocol; // transport (tcp, udp ...) or application (modbus ...)
  std::optional<std::string> operation;  // the finding's operation (write, stop ...)
  std::uint64_t limit = 100;
};

// Why these options cannot be combined (e.g. --severity with --type flow), or empty.
[[nodiscard]] std::string check_query(const QueryOptions& options);

// Runs the query and prints the result to `out`. Returns false with `error` set when the
// database cannot be read; an empty result is not an error. With options.follow it then polls
// every `poll` for new events until `stop` becomes true.
bool run_query(const QueryOptions& options, std::ostream& out, std::string& error,
               const std::atomic<bool>* stop = nullptr,
               std::chrono::milliseconds poll = std::chrono::milliseconds(1000));

}  // namespace limen::collector
