// libFuzzer target: an event JSON from a hostile peer through parse_event. Whatever the bytes,
// it must return (true or false) without crashing, leaking or invoking undefined behaviour, and
// a record it accepts must be self-consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "collector/event_record.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  limen::collector::EventRecord record;
  std::string error;
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
