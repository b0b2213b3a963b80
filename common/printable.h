#pragma once
// printable(): a peer's bytes made safe for a log line or a terminal. Every byte outside
// printable ASCII (control characters, DEL, and all of 0x80-0xFF, whose C1 range some terminals
// obey) becomes \xNN, and a backslash becomes \\, so the text cannot move the cursor, retitle
// the window or forge a second log line, and the escaped form reads back unambiguously.

#include <string>
#include <string_view>

namespace limen {

[[nodiscard]] std::string printable(std::string_view bytes);

}  // namespace limen
