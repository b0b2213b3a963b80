#include <gtest/gtest.h>

#include "probe/events/event_types.h"

namespace limen::events {
namespace {

EventTypeSet parse_ok(std::string_view text) {
  std::string error;
  auto s = EventTypeSet::parse(text, error);
  EXPECT_TRUE(s.has_value()) << text << ": " << error;
  return s.value_or(EventTypeSet::none());
}

TEST(EventTypeSet, NamesAndExclusionsApplyLeftToRight) {
  EXPECT_TRUE(parse_ok("all").is_all());
  const auto s = parse_ok("finding,flow");
  EXPECT_TRUE(s.has(kFindingEvent));
  EXPECT_TRUE(s.has(kFlowEvent));
  EXPECT_FALSE(s.has(kStatsEvent));
  EXPECT_FALSE(s.has(transaction_code(dissect::Protocol::Modbus)));
  EXPECT_EQ(s.describe(), "finding,flow");

  const auto t = parse_ok("all,-transactions,modbus");
  EXPECT_TRUE(t.has(kStatsEvent));
  EXPECT_TRUE(t.has(transaction_code(dissect::Protocol::Modbus)));
  EXPECT_FALSE(t.has(transaction_code(dissect::Protocol::Dnp3)));
  EXPECT_EQ(parse_ok(" flow , stats ").describe(), "flow,stats");
  EXPECT_TRUE(parse_ok("flow,-flow").empty());
}

TEST(EventTypeSet, BadWordsAreNamed) {
  std::string error;
  EXPECT_FALSE(EventTypeSet::parse("finding,flwo", error));
  EXPECT_NE(error.find("\"flwo\""), std::string::npos) << error;
  EXPECT_NE(error.find("modbus"), std::string::npos) << error;  // lists what is known
  EXPECT_FALSE(EventTypeSet::parse("", error));
  EXPECT_FALSE(EventTypeSet::parse("flow,,stats", error));
  EXPECT_NE(error.find("empty"), std::string::npos) << error;
  EXPECT_FALSE(EventTypeSet::parse("-", error));
}

TEST(EventTypeSet, EveryCodeHasAName) {
  for (std::size_t c = 0; c < kEventCodes; ++c) {
    const auto name = event_type_name(static_cast<EventCode>(c));
    EXPECT_NE(name, "?");
    EXPECT_TRUE(parse_ok(name).has(static_cast<EventCode>(c))) << name;
  }
}

}  // namespace
}  // namespace limen::events
