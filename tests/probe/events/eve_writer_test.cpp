#include <gtest/gtest.h>

#include <array>
#include <nlohmann/json.hpp>

#include "probe/events/eve.h"

namespace limen::events {
namespace {

using nlohmann::json;

constexpr std::array<dissect::FieldSpec, 6> kSchema{{
    {"modbus.function_code", dissect::FieldType::Uint, ""},
    {"modbus.name", dissect::FieldType::Text, ""},
    {"cip.service", dissect::FieldType::Uint, ""},
    {"modbus.values", dissect::FieldType::UintList, ""},
    {"modbus.offset", dissect::FieldType::Int, ""},
    {"modbus.flag", dissect::FieldType::Bool, ""},
}};

flow::Flow make_flow(std::uint64_t id, const char* client) {
  flow::Flow f;
  f.id = id;
  f.client_ip = *IpAddress::parse(client);
  f.server_ip = *IpAddress::parse("10.0.0.2");
  f.client_port = 40000;
  f.server_port = 502;
  f.ip_proto = 6;
  f.first_seen = Timestamp::from_seconds(1'700'000'000);
  f.last_seen = Timestamp{f.first_seen.usec + 2'500'001};
  f.packets = {3, 2};
  f.bytes = {300, 200};
  f.tcp_state = flow::TcpState::Closed;
  f.tcp_flags = {0x1b, 0x1a};
  return f;
}

// The JSON with "probe" and "seq" put where the output stage puts them.
json finish(const EncodedEvent& e) {
  std::string line(e.json);
  line.insert(e.insert_at, ",\"probe\":\"p\",\"seq\":1");
  return json::parse(line);
}

TEST(EveWriter, TransactionEventFollowsTheSchema) {
  EveWriter w;
  const flow::Flow f = make_flow(42, "10.0.0.1");
  FlowContext ctx{f, "modbus", "scada", "plc"};
  ctx.cache_key = 7;
  dissect::Transaction t(dissect::Protocol::Modbus, kSchema);
  t.operation = dissect::Operation::Write;
  t.has_request = true;
  t.set_uint(0, 16);
  t.set_text(1, std::string_view("a\"b\n\xC3", 5));
  t.set_uint(2, 0x4c);
  t.append(3, 1);
  t.append(3, 2);
  t.set_int(4, -5);
  t.set_bool(5, true);
  t.set_uint(0, 6);  // set twice: first place, last value
  const EncodedEvent e = w.transaction(Timestamp{f.first_seen.usec + 5}, ctx, t);
  EXPECT_EQ(e.code, transaction_code(dissect::Protocol::Modbus));
  EXPECT_EQ(std::string(e.json.substr(0, e.insert_at)),
            R"({"timestamp":"2023-11-14T22:13:20.000005Z","event_type":"modbus")");
  const json j = finish(e);
  EXPECT_EQ(j["probe"], "p");
  EXPECT_EQ(j["flow_id"], 42);
  EXPECT_EQ(j["src_ip"], "10.0.0.1");
  EXPECT_EQ(j["dest_port"], 502);
  EXPECT_EQ(j["proto"], "TCP");
  EXPECT_EQ(j["app_proto"], "modbus");
  EXPECT_EQ(j["community_id"].get<std::string>().size(), 30U);
  EXPECT_EQ(j["operation"], "write");
  const json& m = j["modbus"];
  EXPECT_EQ(m["function_code"], 6);
  EXPECT_EQ(m["name"], "a\"b\n\xEF\xBF\xBD");
  EXPECT_EQ(m["values"], json::array({1, 2}));
  EXPECT_EQ(m["offset"], -5);
  EXPECT_EQ(m["flag"], true);
  EXPECT_EQ(m["request"], true);
  EXPECT_EQ(m["response"], false);
  EXPECT_FALSE(m.contains("truncated"));
  EXPECT_EQ(j["cip"]["service"], 0x4c);
  // Field order: "function_code" kept its first place.
  const auto ordered = nlohmann::ordered_json::parse(std::string(e.json).insert(e.insert_at, ",\"seq\":1"));
  EXPECT_EQ(ordered["modbus"].begin().key(), "function_code");
  EXPECT_EQ(ordered.back().begin().key(), "service");  // "cip" comes after "modbus"
}

TEST(EveWriter, CachedHeaderBelongsToItsFlowOnly) {
  EveWriter w;
  const flow::Flow a = make_flow(1001, "10.0.0.1");
  const flow::Flow b = make_flow(1001 + 16384, "192.168.7.7");  // same cache slot
  FlowContext ca{a, "modbus", {}, {}};
  ca.cache_key = 3;
  FlowContext cb{b, "unknown", {}, {}};
  cb.cache_key = 3;
  const dissect::Anomaly an{dissect::Protocol::Modbus, dissect::Direction::ToClient, "odd", false};
  for (int round = 0; round < 2; ++round) {
    const json ja = finish(w.anomaly(a.first_seen, ca, an));
    const json jb = finish(w.anomaly(b.first_seen, cb, an));
    EXPECT_EQ(ja["flow_id"], 1001);
    EXPECT_EQ(ja["src_ip"], "10.0.0.1");
    EXPECT_EQ(jb["flow_id"], 1001 + 16384);
    EXPECT_EQ(jb["src_ip"], "192.168.7.7");
    EXPECT_EQ(jb["app_proto"], "unknown");
    EXPECT_EQ(jb["anomaly"]["direction"], "to_client");
    EXPECT_NE(ja["community_id"], jb["community_id"]);
  }
}

TEST(EveWriter, FlowRecordAndFinding) {
  EveWriter w;
  flow::Flow f = make_flow(5, "2001:db8::1");
  f.server_ip = *IpAddress::parse("2001:db8::2");
  f.vlan = {10, 20};
  f.vlan_count = 2;
  FlowContext ctx{f, "modbus", "", "plc"};
  ctx.loss_known = true;
  ctx.seen_bytes = 10;
  const json fl = finish(w.flow(ctx, FlowVerdict{true, rules::Decision::Unauthorized, nullptr},
                                flow::EndReason::TcpClosed));
  EXPECT_EQ(fl["event_type"], "flow");
  EXPECT_EQ(fl["timestamp"], "2023-11-14T22:13:22.500001Z");
  EXPECT_EQ(fl["vlan"], json::array({10, 20}));
  EXPECT_EQ(fl["flow"]["age"], 2);
  EXPECT_EQ(fl["flow"]["state"], "closed");
  EXPECT_EQ(fl["flow"]["src_zone"], nullptr);
  EXPECT_EQ(fl["flow"]["dest_zone"], "plc");
  EXPECT_EQ(fl["flow"]["verdict"], "unauthorized");
  EXPECT_EQ(fl["flow"]["rule_id"], nullptr);
  EXPECT_EQ(fl["flow"]["capture_loss"]["seen_bytes"], 10);
  EXPECT_EQ(fl["tcp"]["tcp_flags"], "1b");
  EXPECT_EQ(fl["tcp"]["tcp_flags_tc"], "1a");

  const json fi = finish(w.finding(f.first_seen, ctx,
                                   Finding{FindingKind::UnauthorizedFlow, nullptr,
                                           rules::Severity::High}));
  EXPECT_EQ(fi["finding"]["kind"], "unauthorized_flow");
  EXPECT_EQ(fi["finding"]["rule_id"], 0);
  EXPECT_EQ(fi["finding"]["action"], "deny");
  EXPECT_EQ(fi["finding"]["rule_location"], nullptr);
  EXPECT_FALSE(fi.contains("operation"));
}

TEST(EveWriter, StatsAndEthernetLevelEvents) {
  EveWriter w;
  JsonWriter& s = w.begin_stats(Timestamp::from_seconds(0));
  s.begin_object();
  s.key("x");
  s.uint(1);
  s.end_object();
  const EncodedEvent e = w.end_stats();
  EXPECT_EQ(e.code, kStatsEvent);
  EXPECT_EQ(finish(e)["stats"]["x"], 1);

  L2Source src;
  src.src_mac = {0, 1, 2, 3, 4, 0xab};
  src.ether_type = 0x88B8;
  const json a = finish(w.l2_anomaly(Timestamp{}, src,
                                     {dissect::Protocol::Goose, dissect::Direction::ToClient,
                                      "bad", true}));
  EXPECT_EQ(a["src_mac"], "00:01:02:03:04:ab");
  EXPECT_EQ(a["ether_type"], 0x88B8);
  EXPECT_EQ(a["anomaly"]["violation"], true);
  EXPECT_FALSE(a["anomaly"].contains("direction"));
}

}  // namespace
}  // namespace limen::events
