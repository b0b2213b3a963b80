#include <gtest/gtest.h>

#include <string>

#include "collector/event_record.h"
#include "tests/collector/event_samples.h"

namespace limen::collector {
namespace {

using testing::finding_json;
using testing::FindingSample;

EventRecord parse_ok(const std::string& json) {
  EventRecord record;
  std::string error;
  EXPECT_TRUE(parse_event(json, record, error)) << error;
  return record;
}

TEST(CollectorEventRecord, FindingFieldsAreExtracted) {
  const auto r = parse_ok(finding_json(FindingSample{}));
  ASSERT_EQ(r.table, EventTable::Finding);
  EXPECT_TRUE(r.note.empty()) << r.note;
  EXPECT_EQ(r.time_us, std::int64_t{1772438401'250000});
  EXPECT_EQ(r.time_text, "2026-03-02T08:00:01.250000Z");
  EXPECT_EQ(r.finding.kind, "unauthorized_flow");
  EXPECT_EQ(r.finding.severity, "high");
  EXPECT_EQ(r.finding.severity_level, 3);
  EXPECT_EQ(r.finding.rule_id, 12);
  EXPECT_EQ(r.finding.src_zone, "vendor");
  EXPECT_EQ(r.finding.rule_location, "demo.rules:12");
  EXPECT_EQ(r.common.src_ip, "10.0.0.5");
  EXPECT_EQ(r.common.dest_port, 502);
  EXPECT_EQ(r.common.flow_id, 123456789);
  EXPECT_EQ(r.common.app_proto, "modbus");
}

TEST(CollectorEventRecord, NullZonesAreAbsent) {
  const auto r = parse_ok(
      R"({"timestamp":"2026-03-02T08:00:00Z","event_type":"finding","finding":{"kind":"alert",)"
      R"("severity":"low","rule_id":0,"src_zone":null,"dest_zone":null}})");
  ASSERT_EQ(r.table, EventTable::Finding);
  EXPECT_FALSE(r.finding.src_zone.has_value());
  EXPECT_EQ(r.finding.rule_id, 0);
}

TEST(CollectorEventRecord, FlowFieldsAreExtracted) {
  const auto r = parse_ok(testing::flow_json());
  ASSERT_EQ(r.table, EventTable::Flow);
  EXPECT_EQ(r.flow.verdict, "allowed");
  EXPECT_EQ(r.flow.pkts_toserver, 10);
  EXPECT_EQ(r.flow.bytes_toclient, 700);
  EXPECT_EQ(r.flow.boundary, true);
  EXPECT_EQ(r.flow.age, 62.0);
  EXPECT_EQ(r.flow.rule_id, 7);
  ASSERT_TRUE(r.flow.start_us.has_value());
  EXPECT_EQ(*r.flow.end_us - *r.flow.start_us, 62'000'000);
}

TEST(CollectorEventRecord, StatsAndUnknownTypesGoToEvents) {
  auto r = parse_ok(testing::stats_json());
  EXPECT_EQ(r.table, EventTable::Event);
  EXPECT_EQ(r.event_type, "stats");
  EXPECT_TRUE(r.note.empty());
  r = parse_ok(R"({"timestamp":"2026-03-02T08:00:00Z","event_type":"anomaly","x":1})");
  EXPECT_EQ(r.table, EventTable::Event);
  EXPECT_EQ(r.event_type, "anomaly");
}

TEST(CollectorEventRecord, IncompleteFindingIsDemotedWithANote) {
  // No severity.
  auto r = parse_ok(R"({"timestamp":"2026-03-02T08:00:00Z","event_type":"finding",)"
                    R"("finding":{"kind":"alert"}})");
  EXPECT_EQ(r.table, EventTable::Event);
  EXPECT_NE(r.note.find("severity"), std::string::npos) << r.note;
  // Unknown severity.
  r = parse_ok(R"({"timestamp":"2026-03-02T08:00:00Z","event_type":"finding",)"
               R"("finding":{"kind":"alert","severity":"urgent"}})");
  EXPECT_EQ(r.table, EventTable::Event);
  // No finding object at all.
  r = parse_ok(R"({"timestamp":"2026-03-02T08:00:00Z","event_type":"finding"})");
  EXPECT_EQ(r.table, EventTable::Event);
  EXPECT_NE(r.note.find("\"finding\" object"), std::string::npos) << r.note;
  // Finding without a readable time.
  FindingSample bad_time;
  bad_time.time = "yesterday";
  r = parse_ok(finding_json(bad_time));
  EXPECT_EQ(r.table, EventTable::Event);
  EXPECT_FALSE(r.time_us.has_value());
  EXPECT_EQ(r.time_text, "yesterday");
  EXPECT_NE(r.note.find("unreadable timestamp"), std::string::npos) << r.note;
}

TEST(CollectorEventRecord, MissingEventTypeIsNoted) {
  const auto r = parse_ok(R"({"timestamp":"2026-03-02T08:00:00Z"})");
  EXPECT_EQ(r.table, EventTable::Event);
  EXPECT_FALSE(r.event_type.has_value());
  EXPECT_NE(r.note.find("no event_type"), std::string::npos);
}

TEST(CollectorEventRecord, WrongTypesBecomeAbsentNotErrors) {
  const auto r =
      parse_ok(R"({"timestamp":"2026-03-02T08:00:00Z","event_type":"flow","src_port":"http",)"
               R"("dest_port":1.5,"flow_id":18446744073709551615,"src_ip":42,)"
               R"("flow":{"pkts_toserver":-3,"boundary":"yes","verdict":7}})");
  ASSERT_EQ(r.table, EventTable::Flow);
  EXPECT_FALSE(r.common.src_port.has_value());
  EXPECT_FALSE(r.common.dest_port.has_value());
  EXPECT_FALSE(r.common.flow_id.has_value());  // beyond int64: not silently wrapped
  EXPECT_FALSE(r.common.src_ip.has_value());
  EXPECT_EQ(r.flow.pkts_toserver, -3);
  EXPECT_FALSE(r.flow.boundary.has_value());
  EXPECT_FALSE(r.flow.verdict.has_value());
}

TEST(CollectorEventRecord, AddressesAreCanonical) {
  FindingSample f;
  f.src_ip = "2001:DB8:0:0::1";
  const auto r = parse_ok(finding_json(f));
  EXPECT_EQ(r.common.src_ip, "2001:db8::1");
}

TEST(CollectorEventRecord, NonObjectsAreRejected) {
  EventRecord record;
  std::string error;
  for (const std::string bad : {"", "{", "[1,2]", "{\"a\":}", "nul", "{} trailing", "\"x\""}) {
    error.clear();
    EXPECT_FALSE(parse_event(bad, record, error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(CollectorEventRecord, DeepNestingIsRefusedWithoutCrashing) {
  // The wire format allows 1 MiB events; a hostile one can be all brackets. No probe nests
  // anywhere near 1024 levels, so such an event is refused, not stored.
  const std::string deep = "{\"a\":" + std::string(200'000, '[') + std::string(200'000, ']') + "}";
  EventRecord record;
  std::string error;
  EXPECT_FALSE(parse_event(deep, record, error));
  EXPECT_EQ(error, "JSON nested deeper than 1024 levels");
  const std::string shallow = "{\"a\":" + std::string(500, '[') + std::string(500, ']') + "}";
  EXPECT_TRUE(parse_event(shallow, record, error)) << error;
  EXPECT_EQ(record.table, EventTable::Event);
}

TEST(CollectorEventRecord, SeverityOrder) {
  EXPECT_LT(*severity_level("low"), *severity_level("medium"));
  EXPECT_LT(*severity_level("medium"), *severity_level("high"));
  EXPECT_LT(*severity_level("high"), *severity_level("critical"));
  EXPECT_FALSE(severity_level("HIGH").has_value());
}

}  // namespace
}  // namespace limen::collector
