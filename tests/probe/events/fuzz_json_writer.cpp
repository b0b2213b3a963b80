// Any bytes, written as a JSON string, give exactly what nlohmann::json writes for them (same
// escaping, same U+FFFD repair) and parse back as valid JSON.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "probe/events/json_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  limen::events::ByteBuffer ours;
  limen::events::append_json_string(ours, text);
  const std::string theirs =
      nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (ours.view() != theirs) std::abort();
  if (!nlohmann::json::accept(ours.view())) std::abort();
  return 0;
}
