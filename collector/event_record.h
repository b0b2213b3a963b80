#pragma once
// EventRecord: what the collector extracts from one EVE JSON event before storing it. Parsing
// never throws: malformed JSON is an error string, missing or mistyped fields become empty
// optionals, and a finding or flow that lacks what its table needs is demoted to the raw `events`
// table with a note saying why. One EventRecord is reused across events so its strings keep
// their capacity.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace limen::collector {

enum class EventTable : std::uint8_t { Finding, Flow, Event };

// low < medium < high < critical; the level is what `--severity` compares.
[[nodiscard]] std::optional<int> severity_level(std::string_view name);

struct CommonFields {
  std::optional<std::string> src_ip, dest_ip, proto, app_proto, community_id;
  std::optional<std::int64_t> src_port, dest_port, flow_id;
};

struct FindingFields {
  std::string kind;
  std::string severity;
  int severity_level = 0;
  std::optional<std::int64_t> rule_id;
  std::optional<std::string> action, message, src_zone, dest_zone, rule_location;
};

struct FlowFields {
  std::optional<std::string> start, end, state, reason, src_zone, dest_zone, verdict;
  std::optional<std::int64_t> start_us, end_us, rule_id;
  std::optional<std::int64_t> pkts_toserver, pkts_toclient, bytes_toserver, bytes_toclient;
  std::optional<double> age;
  std::optional<bool> boundary;
};

struct EventRecord {
  EventTable table = EventTable::Event;
  std::optional<std::string> event_type;
  std::optional<std::int64_t> time_us;
  std::optional<std::string> time_text;
  // Why the event is stored less precisely than its type asks (empty when it is not).
  std::string note;
  CommonFields common;
  FindingFields finding;  // meaningful when table == Finding
  FlowFields flow;        // meaningful when table == Flow
};

// Fills `out` from one event. Returns false with `error` set when `json` is not a JSON object;
// every other defect is recorded in out.note and the event is still stored.
bool parse_event(std::string_view json, EventRecord& out, std::string& error);

}  // namespace limen::collector
