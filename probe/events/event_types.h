#pragma once
// Event types, and the sets of them an output takes (as Suricata's eve-log `types`): an output
// configured with "finding,flow" gets findings and flow records and nothing else.
//
// Text form, as given on the command line: a comma-separated list of names, applied left to
// right. Names: "all", "finding", "flow", "stats", "anomaly", "transactions" (every application
// protocol) or one protocol ("modbus", "dnp3" ...); a leading '-' removes ("all,-flow").

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dissectors/core/transaction.h"

namespace limen::events {

using EventCode = std::uint8_t;
inline constexpr EventCode kFindingEvent = 0;
inline constexpr EventCode kFlowEvent = 1;
inline constexpr EventCode kStatsEvent = 2;
inline constexpr EventCode kAnomalyEvent = 3;
inline constexpr EventCode kFirstTransactionEvent = 4;
inline constexpr std::size_t kEventCodes = kFirstTransactionEvent + dissect::kProtocolNames.size();

constexpr EventCode transaction_code(dissect::Protocol p) {
  return static_cast<EventCode>(kFirstTransactionEvent + static_cast<std::uint8_t>(p));
}
// "finding", "flow", "stats", "anomaly", or the protocol's name.
std::string_view event_type_name(EventCode code);

class EventTypeSet {
 public:
  static EventTypeSet all();
  static EventTypeSet none() { return EventTypeSet{}; }
  // nullopt and `error` set (naming the bad word) when the text is not a valid set.
  static std::optional<EventTypeSet> parse(std::string_view text, std::string& error);

  [[nodiscard]] bool has(EventCode code) const { return bits_.test(code); }
  void add(EventCode code) { bits_.set(code); }
  void remove(EventCode code) { bits_.reset(code); }
  [[nodiscard]] bool is_all() const { return bits_.all(); }
  [[nodiscard]] bool empty() const { return bits_.none(); }
  // The canonical text: "all", or the names it holds, in code order.
  [[nodiscard]] std::string describe() const;

  friend bool operator==(const EventTypeSet&, const EventTypeSet&) = default;

 private:
  std::bitset<kEventCodes> bits_;
};

}  // namespace limen::events
