// libFuzzer target: an event JSON (and the same bytes as a heartbeat) from a hostile peer
// through parse_event and parse_heartbeat. Whatever the bytes,
// it must return (true or false) without crashing, leaking or invoking undefined behaviour, and
// a record it accepts must be self-consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "collector/event_record.h"
#include "collector/probe_health.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  limen::collector::EventRecord record;
  std::string error;
  limen::collector::Heartbeat heartbeat;
  if (!limen::collector::parse_heartbeat(text, heartbeat, error) && error.empty()) std::abort();
  error.clear();
  if (!limen::collector::parse_event(text, record, error)) return error.empty() ? 1 : 0;
  if (record.table == limen::collector::EventTable::Finding) {
    const auto level = limen::collector::severity_level(record.finding.severity);
    if (!level || *level != record.finding.severity_level || record.finding.kind.empty() ||
        !record.time_us)
      std::abort();
  }
  if (record.table == limen::collector::EventTable::Flow && !record.time_us) std::abort();
  return 0;
}
