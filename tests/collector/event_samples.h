#pragma once
// Event JSON builders shared by the collector tests: EVE-style events with the fixed fields of
// docs/events.md, varied by the few values each test filters on.

#include <cstdint>
#include <string>

namespace limen::collector::testing {

struct FindingSample {
  std::string time = "2026-03-02T08:00:01.250000Z";
  std::string probe = "plant-a";
  std::string severity = "high";
  int rule_id = 12;
  std::string kind = "unauthorized_flow";
  std::string src_ip = "10.0.0.5";
  std::string dest_ip = "10.1.0.10";
  std::string message = "vendor laptop reached a PLC";
};

inline std::string finding_json(const FindingSample& f) {
  return R"({"timestamp":")" + f.time + R"(","event_type":"finding","probe":")" + f.probe +
         R"(","seq":1,"flow_id":123456789,"community_id":"1:abc=","src_ip":")" + f.src_ip +
         R"(","src_port":49152,"dest_ip":")" + f.dest_ip +
         R"(","dest_port":502,"proto":"TCP","app_proto":"modbus","finding":{"kind":")" + f.kind +
         R"(","rule_id":)" + std::to_string(f.rule_id) + R"(,"action":"alert","severity":")" +
         f.severity + R"(","message":")" + f.message +
         R"(","src_zone":"vendor","dest_zone":"plc_cell","rule_location":"demo.rules:12"}})";
}

inline std::string flow_json(const std::string& time = "2026-03-02T08:00:02Z",
                             const std::string& verdict = "allowed") {
  return R"({"timestamp":")" + time +
         R"(","event_type":"flow","probe":"plant-a","seq":2,"flow_id":42,"community_id":"1:x=",)"
         R"("src_ip":"10.0.0.5","src_port":40000,"dest_ip":"10.1.0.10","dest_port":502,)"
         R"("proto":"TCP","app_proto":"modbus","flow":{"start":"2026-03-02T07:59:00Z",)"
         R"("end":"2026-03-02T08:00:02Z","age":62,"pkts_toserver":10,"pkts_toclient":9,)"
         R"("bytes_toserver":800,"bytes_toclient":700,"state":"closed","reason":"tcp_closed",)"
         R"("src_zone":"vendor","dest_zone":"plc_cell","boundary":true,"verdict":")" +
         verdict + R"(","rule_id":7}})";
}

inline std::string stats_json(const std::string& time = "2026-03-02T08:00:03Z") {
  return R"({"timestamp":")" + time +
         R"(","event_type":"stats","probe":"plant-a","seq":3,"stats":{"packets":1000,"drops":0}})";
}

}  // namespace limen::collector::testing
