#include "probe/events/event_types.h"

namespace limen::events {

std::string_view event_type_name(EventCode code) {
  switch (code) {
    case kFindingEvent: return "finding";
    case kFlowEvent: return "flow";
    case kStatsEvent: return "stats";
    case kAnomalyEvent: return "anomaly";
    default: break;
  }
  const std::size_t p = code - kFirstTransactionEvent;
  return p < dissect::kProtocolNames.size() ? dissect::kProtocolNames[p] : std::string_view("?");
}

EventTypeSet EventTypeSet::all() {
  EventTypeSet s;
  s.bits_.set();
  return s;
}

std::optional<EventTypeSet> EventTypeSet::parse(std::string_view text, std::string& error) {
  const std::string whole(text);
  EventTypeSet set;
  bool any = false;
  while (true) {
    const std::size_t comma = text.find(',');
    std::string_view word = text.substr(0, comma);
    while (!word.empty() && word.front() == ' ') word.remove_prefix(1);
    while (!word.empty() && word.back() == ' ') word.remove_suffix(1);
    const bool remove = !word.empty() && word.front() == '-';
    if (remove) word.remove_prefix(1);
    if (word.empty()) {
      error = "empty event type in \"" + whole + "\"";
      return std::nullopt;
    }
    EventTypeSet named;
    if (word == "all") {
      named = all();
    } else if (word == "transactions") {
      for (std::size_t p = 0; p < dissect::kProtocolNames.size(); ++p)
        named.add(static_cast<EventCode>(kFirstTransactionEvent + p));
    } else {
      bool found = false;
      for (std::size_t c = 0; c < kEventCodes; ++c) {
        if (event_type_name(static_cast<EventCode>(c)) == word) {
          named.add(static_cast<EventCode>(c));
          found = true;
        }
      }
      if (!found) {
        error = "unknown event type \"" + std::string(word) +
                "\" (known: all, transactions, finding, flow, stats, anomaly";
        for (auto name : dissect::kProtocolNames) error += ", " + std::string(name);
        error += ")";
        return std::nullopt;
      }
    }
    if (remove)
      set.bits_ &= ~named.bits_;
    else
      set.bits_ |= named.bits_;
    any = true;
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (!any) error = "no event type given";
  return any ? std::optional<EventTypeSet>(set) : std::nullopt;
}

std::string EventTypeSet::describe() const {
  if (is_all()) return "all";
  if (empty()) return "none";
  std::string out;
  for (std::size_t c = 0; c < kEventCodes; ++c) {
    if (!bits_.test(c)) continue;
    if (!out.empty()) out += ',';
    out += event_type_name(static_cast<EventCode>(c));
  }
  return out;
}

}  // namespace limen::events
