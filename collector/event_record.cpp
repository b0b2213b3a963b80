#include "collector/event_record.h"

#include <array>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/ip_address.h"
#include "common/timestamp.h"

namespace limen::collector {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 4> kSeverityNames = {"low", "medium", "high", "critical"};

const json* member(const json& object, const char* name) {
  const auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

std::optional<std::string> text(const json& object, const char* name) {
  const json* value = member(object, name);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->get_ref<const std::string&>();
}

// Integers only: a float or an unsigned value beyond int64 is treated as absent rather than
// silently rounded into a different number.
std::optional<std::int64_t> integer(const json& object, const char* name) {
  const json* value = member(object, name);
  if (value == nullptr) return std::nullopt;
  if (value->is_number_unsigned()) {
    const auto u = value->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (value->is_number_integer()) return value->get<std::int64_t>();
  return std::nullopt;
}

std::optional<double> number(const json& object, const char* name) {
  const json* value = member(object, name);
  if (value == nullptr || !value->is_number()) return std::nullopt;
  return value->get<double>();
}

// Addresses are stored in canonical text so `--address` matches however the probe spelled them.
std::optional<std::string> address(const json& object, const char* name) {
  auto raw = text(object, name);
  if (!raw) return raw;
  if (const auto parsed = IpAddress::parse(*raw)) return parsed->to_string();
  return raw;
}

std::optional<std::int64_t> time_of(const std::optional<std::string>& value) {
  if (!value) return std::nullopt;
  const auto parsed = parse_time(*value);
  if (!parsed) return std::nullopt;
  return parsed->usec;
}

void add_note(std::string& note, std::string_view what) {
  if (!note.empty()) note += "; ";
  note += what;
}

void read_common(const json& event, CommonFields& out) {
  out.src_ip = address(event, "src_ip");
  out.dest_ip = address(event, "dest_ip");
  out.proto = text(event, "proto");
  out.app_proto = text(event, "app_proto");
  out.community_id = text(event, "community_id");
  out.src_port = integer(event, "src_port");
  out.dest_port = integer(event, "dest_port");
  out.flow_id = integer(event, "flow_id");
}

// A finding needs what the analyst filters and reads on: kind and a known severity.
bool read_finding(const json& event, FindingFields& out, std::string& note) {
  const json* body = member(event, "finding");
  if (body == nullptr || !body->is_object()) {
    add_note(note, "finding without a \"finding\" object");
    return false;
  }
  auto kind = text(*body, "kind");
  auto severity = text(*body, "severity");
  const auto level = severity ? severity_level(*severity) : std::nullopt;
  if (!kind || kind->empty()) add_note(note, "finding without kind");
  if (!level) add_note(note, "finding without a known severity");
  if (!kind || kind->empty() || !level) return false;
  out.kind = std::move(*kind);
  out.severity = std::move(*severity);
  out.severity_level = *level;
  out.rule_id = integer(*body, "rule_id");
  out.action = text(*body, "action");
  out.message = text(*body, "message");
  out.src_zone = text(*body, "src_zone");
  out.dest_zone = text(*body, "dest_zone");
  out.rule_location = text(*body, "rule_location");
  return true;
}

bool read_flow(const json& event, FlowFields& out, std::string& note) {
  const json* body = member(event, "flow");
  if (body == nullptr || !body->is_object()) {
    add_note(note, "flow without a \"flow\" object");
    return false;
  }
  out.start = text(*body, "start");
  out.end = text(*body, "end");
  out.start_us = time_of(out.start);
  out.end_us = time_of(out.end);
  out.age = number(*body, "age");
  out.pkts_toserver = integer(*body, "pkts_toserver");
  out.pkts_toclient = integer(*body, "pkts_toclient");
  out.bytes_toserver = integer(*body, "bytes_toserver");
  out.bytes_toclient = integer(*body, "bytes_toclient");
  out.state = text(*body, "state");
  out.reason = text(*body, "reason");
  out.src_zone = text(*body, "src_zone");
  out.dest_zone = text(*body, "dest_zone");
  out.verdict = text(*body, "verdict");
  out.rule_id = integer(*body, "rule_id");
  const json* boundary = member(*body, "boundary");
  out.boundary = boundary != nullptr && boundary->is_boolean()
                     ? std::optional<bool>(boundary->get<bool>())
                     : std::nullopt;
  return true;
}

}  // namespace

std::optional<int> severity_level(std::string_view name) {
  for (std::size_t i = 0; i < kSeverityNames.size(); ++i) {
    if (kSeverityNames[i] == name) return static_cast<int>(i) + 1;
  }
  return std::nullopt;
}

bool parse_event(std::string_view text_in, EventRecord& out, std::string& error) {
  // allow_exceptions = false: a parse error yields a discarded value instead of a throw.
  const json event = json::parse(text_in.begin(), text_in.end(), nullptr, false);
  if (event.is_discarded()) {
    error = "invalid JSON";
    return false;
  }
  if (!event.is_object()) {
    error = "event is not a JSON object";
    return false;
  }
  out.note.clear();
  out.event_type = text(event, "event_type");
  out.time_text = text(event, "timestamp");
  out.time_us = time_of(out.time_text);
  if (!out.event_type) add_note(out.note, "no event_type");
  if (!out.time_text) {
    add_note(out.note, "no timestamp");
  } else if (!out.time_us) {
    add_note(out.note, "unreadable timestamp");
  }
  read_common(event, out.common);

  out.table = EventTable::Event;
  const bool typed = out.event_type == "finding" || out.event_type == "flow";
  if (typed && !out.time_us) {
    // Findings and flows are found by time; without one they are kept as raw events.
    add_note(out.note, "stored as a raw event");
  } else if (out.event_type == "finding") {
    if (read_finding(event, out.finding, out.note)) out.table = EventTable::Finding;
  } else if (out.event_type == "flow") {
    if (read_flow(event, out.flow, out.note)) out.table = EventTable::Flow;
  }
  return true;
}

}  // namespace limen::collector
