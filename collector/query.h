#pragma once
// `limen-collector query`: reads stored events back, filtered, as an aligned table for people
// or as JSON lines (the raw events as received) for tools. Opens the database read-only, so it
// runs safely beside a live collector (WAL readers never block the writer).
//
// Ordering: the newest `limit` matching events, printed oldest first (like `tail`); limit 0 means
// all. --since is inclusive, --until exclusive, both on the event's own timestamp.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "common/timestamp.h"

namespace limen::collector {

enum class QueryType : std::uint8_t { Finding, Flow, Stats };

struct QueryOptions {
  std::string db_path;
  QueryType type = QueryType::Finding;
  bool json = false;
  bool count = false;
  std::optional<Timestamp> since;
  std::optional<Timestamp> until;
  std::optional<std::string> probe;
  std::optional<std::int64_t> rule_id;
  std::optional<int> min_severity;     // 1 low .. 4 critical, see severity_level()
  std::optional<std::string> address;  // canonical text, matches src_ip or dest_ip
  std::uint64_t limit = 100;
};

// Why these options cannot be combined (e.g. --severity with --type flow), or empty.
[[nodiscard]] std::string check_query(const QueryOptions& options);

// Runs the query and prints the result to `out`. Returns false with `error` set when the
// database cannot be read; an empty result is not an error.
bool run_query(const QueryOptions& options, std::ostream& out, std::string& error);

}  // namespace limen::collector
