#include "collector/event_record.h"

#include <simdjson.h>

#include <array>
#include <limits>

#include "common/ip_address.h"
#include "common/timestamp.h"

namespace limen::collector {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

constexpr std::array<std::string_view, 4> kSeverityNames = {"low", "medium", "high", "critical"};

std::optional<element> member(object o, std::string_view name) {
  element value;
  if (o.at_key(name).get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
}

std::optional<std::string> text(object o, std::string_view name) {
  std::string_view value;
  const auto m = member(o, name);
  if (!m || m->get_string().get(value) != simdjson::SUCCESS) return std::nullopt;
  return std::string(value);
}

// Integers only: a float or an unsigned value beyond int64 is treated as absent rather than
// silently rounded into a different number.
std::optional<std::int64_t> integer(object o, std::string_view name) {
  const auto m = member(o, name);
  if (!m) return std::nullopt;
  if (m->type() == element_type::INT64) return std::int64_t(*m);
  if (m->type() == element_type::UINT64) {
    const auto u = std::uint64_t(*m);
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  return std::nullopt;
}

std::optional<double> number(object o, std::string_view name) {
  const auto m = member(o, name);
  if (!m) return std::nullopt;
  switch (m->type()) {
    case element_type::INT64:
      return static_cast<double>(std::int64_t(*m));
    case element_type::UINT64:
      return static_cast<double>(std::uint64_t(*m));
    case element_type::DOUBLE:
      return double(*m);
    default:
      return std::nullopt;
  }
}

// Addresses are stored in canonical text so `--address` matches however the probe spelled them.
std::optional<std::string> address(object o, std::string_view name) {
  auto raw = text(o, name);
  if (!raw) return raw;
  if (const auto parsed = IpAddress::parse(*raw)) return parsed->to_string();
  return raw;
}

std::optional<object> child(object o, std::string_view name) {
  object value;
  const auto m = member(o, name);
  if (!m || m->get_object().get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
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

void read_common(object event, CommonFields& out) {
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
bool read_finding(object event, FindingFields& out, std::string& note) {
  const auto body = child(event, "finding");
  if (!body) {
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

bool read_flow(object event, FlowFields& out, std::string& note) {
  const auto body = child(event, "flow");
  if (!body) {
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
  bool boundary = false;
  const auto m = member(*body, "boundary");
  out.boundary = m && m->get_bool().get(boundary) == simdjson::SUCCESS
                     ? std::optional<bool>(boundary)
                     : std::nullopt;
  return true;
}

// One parser per thread, reused: after the first events it allocates nothing more.
simdjson::dom::parser& parser() {
  thread_local simdjson::dom::parser instance;
  return instance;
}

}  // namespace

std::optional<int> severity_level(std::string_view name) {
  for (std::size_t i = 0; i < kSeverityNames.size(); ++i) {
    if (kSeverityNames[i] == name) return static_cast<int>(i) + 1;
  }
  return std::nullopt;
}

bool parse_event(std::string_view text_in, EventRecord& out, std::string& error) {
  element root;
  // The input is not padded as simdjson wants: it copies it into its own padded buffer.
  const auto code = parser().parse(text_in.data(), text_in.size(), true).get(root);
  if (code != simdjson::SUCCESS) {
    error = code == simdjson::DEPTH_ERROR ? "JSON nested deeper than 1024 levels" : "invalid JSON";
    return false;
  }
  object event;
  if (root.get_object().get(event) != simdjson::SUCCESS) {
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
