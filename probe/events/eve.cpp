#include "probe/events/eve.h"

#include <string>

#include "probe/flow/community_id.h"

namespace limen::events {
namespace {

Json header(Timestamp ts, std::string_view type) {
  Json e;
  e["timestamp"] = format_rfc3339(ts);
  e["event_type"] = type;
  e["probe"] = nullptr;  // filled by the emitter, kept here for the field order
  e["seq"] = nullptr;
  return e;
}

Json zone_or_null(std::string_view zone) { return zone.empty() ? Json(nullptr) : Json(zone); }

void add_flow_fields(Json& e, const FlowContext& ctx) {
  const flow::Flow& f = ctx.flow;
  const bool icmp = f.ip_proto == 1 || f.ip_proto == 58;
  e["flow_id"] = f.id;
  e["community_id"] = flow::community_id_v1(
      f.client_ip, f.server_ip, icmp ? ctx.icmp_type : f.client_port,
      icmp ? ctx.icmp_code : f.server_port, f.ip_proto);
  e["src_ip"] = f.client_ip.to_string();
  e["src_port"] = f.client_port;
  e["dest_ip"] = f.server_ip.to_string();
  e["dest_port"] = f.server_port;
  e["proto"] = ip_proto_name(f.ip_proto);
  if (icmp) {
    e["icmp_type"] = ctx.icmp_type;
    e["icmp_code"] = ctx.icmp_code;
  }
  if (f.vlan_count > 0) {
    Json vlan = Json::array();
    for (std::size_t i = 0; i < f.vlan_count && i < f.vlan.size(); ++i) vlan.push_back(f.vlan[i]);
    e["vlan"] = std::move(vlan);
  }
  e["app_proto"] = ctx.app;
}

std::string_view decision_name(rules::Decision d) {
  switch (d) {
    case rules::Decision::Allowed: return "allowed";
    case rules::Decision::Denied: return "denied";
    case rules::Decision::Unauthorized: return "unauthorized";
    case rules::Decision::NotReported: break;
  }
  return "not_reported";
}

std::string tcp_flags_hex(std::uint8_t flags) {
  static constexpr char kHex[] = "0123456789abcdef";
  return {kHex[flags >> 4], kHex[flags & 0xF]};
}

}  // namespace

namespace {

// "operation" and the protocol's object, from the transaction's schema.
void add_transaction_fields(Json& e, const dissect::Transaction& t) {
  const std::string proto(dissect::protocol_name(t.protocol()));
  e["operation"] = dissect::operation_name(t.operation);
  e[proto] = Json::object();
  const auto schema = t.schema();
  for (const auto& v : t.values()) {
    const auto& spec = schema[v.field];
    // "modbus.function_code" -> {"modbus": {"function_code": ...}}; a protocol may publish a
    // second family, as EtherNet/IP does with "cip.service" -> {"cip": {"service": ...}}.
    const auto dot = spec.name.find('.');
    const std::string object(dot == std::string_view::npos ? std::string_view(proto)
                                                           : spec.name.substr(0, dot));
    const std::string key(dot == std::string_view::npos ? spec.name : spec.name.substr(dot + 1));
    Json& obj = e[object];
    switch (spec.type) {
      case dissect::FieldType::Uint: obj[key] = v.number; break;
      case dissect::FieldType::Int: obj[key] = static_cast<std::int64_t>(v.number); break;
      case dissect::FieldType::Bool: obj[key] = v.number != 0; break;
      case dissect::FieldType::Text: obj[key] = t.text(v); break;
      case dissect::FieldType::UintList: {
        Json list = Json::array();
        for (auto x : t.list(v)) list.push_back(x);
        obj[key] = std::move(list);
        break;
      }
    }
  }
  Json& obj = e[proto];
  obj["request"] = t.has_request;
  obj["response"] = t.has_response;
  if (t.truncated()) obj["truncated"] = true;
}

}  // namespace

std::string_view finding_kind_name(FindingKind kind) {
  switch (kind) {
    case FindingKind::UnauthorizedFlow: return "unauthorized_flow";
    case FindingKind::DeniedFlow: return "denied_flow";
    case FindingKind::Alert: return "alert";
    case FindingKind::UnauthorizedOperation: return "unauthorized_operation";
    case FindingKind::DeniedOperation: return "denied_operation";
  }
  return "unknown";
}

std::string_view ip_proto_name(std::uint8_t proto) {
  switch (proto) {
    case 1: return "ICMP";
    case 6: return "TCP";
    case 17: return "UDP";
    case 58: return "IPv6-ICMP";
    case 132: return "SCTP";
    default: break;
  }
  static const auto numbers = [] {
    std::array<std::string, 256> n;
    for (std::size_t i = 0; i < n.size(); ++i) n[i] = std::to_string(i);
    return n;
  }();
  return numbers[proto];
}

Json finding_event(Timestamp ts, const FlowContext& ctx, const Finding& finding) {
  Json e = header(ts, "finding");
  add_flow_fields(e, ctx);
  Json& f = e["finding"];
  f["kind"] = finding_kind_name(finding.kind);
  f["rule_id"] = finding.rule != nullptr ? finding.rule->id : 0U;
  f["action"] = finding.kind == FindingKind::Alert ? "alert" : "deny";
  f["severity"] = rules::severity_name(finding.severity);
  if (finding.rule != nullptr && !finding.rule->message.empty())
    f["message"] = finding.rule->message;
  else if (finding.kind == FindingKind::UnauthorizedFlow)
    f["message"] = "unauthorized flow: no allow rule matches this boundary flow";
  else if (finding.kind == FindingKind::UnauthorizedOperation)
    f["message"] = "unauthorized operation: the allowing rule's condition does not hold";
  else
    f["message"] = std::string(finding_kind_name(finding.kind));
  f["src_zone"] = zone_or_null(ctx.src_zone);
  f["dest_zone"] = zone_or_null(ctx.dst_zone);
  f["rule_location"] =
      finding.rule != nullptr ? Json(finding.rule->location) : Json(nullptr);
  if (finding.rule != nullptr && finding.rule->has_condition())
    f["condition"] = finding.rule->condition;
  if (finding.transaction != nullptr) add_transaction_fields(e, *finding.transaction);
  return e;
}

Json flow_event(const FlowContext& ctx, const FlowVerdict& verdict, flow::EndReason reason) {
  const flow::Flow& fl = ctx.flow;
  Json e = header(fl.last_seen, "flow");
  add_flow_fields(e, ctx);
  Json& f = e["flow"];
  f["pkts_toserver"] = fl.packets[0];
  f["pkts_toclient"] = fl.packets[1];
  f["bytes_toserver"] = fl.bytes[0];
  f["bytes_toclient"] = fl.bytes[1];
  f["start"] = format_rfc3339(fl.first_seen);
  f["end"] = format_rfc3339(fl.last_seen);
  f["age"] = (fl.last_seen.usec - fl.first_seen.usec) / kUsecPerSecond;
  f["state"] = fl.ip_proto == 6 ? flow::tcp_state_name(fl.tcp_state) : "none";
  f["reason"] = flow::end_reason_name(reason);
  f["src_zone"] = zone_or_null(ctx.src_zone);
  f["dest_zone"] = zone_or_null(ctx.dst_zone);
  f["boundary"] = verdict.boundary;
  f["verdict"] = decision_name(verdict.decision);
  f["rule_id"] = verdict.rule != nullptr ? Json(verdict.rule->id) : Json(nullptr);
  if (ctx.loss_known) {
    Json& l = f["capture_loss"];
    l["seen_bytes"] = ctx.seen_bytes;
    l["acked_unseen_bytes"] = ctx.acked_unseen_bytes;
    l["gaps"] = ctx.gaps;
  }
  if (fl.ip_proto == 6) {
    Json& t = e["tcp"];
    t["tcp_flags"] = tcp_flags_hex(static_cast<std::uint8_t>(fl.tcp_flags[0] | fl.tcp_flags[1]));
    t["tcp_flags_ts"] = tcp_flags_hex(fl.tcp_flags[0]);
    t["tcp_flags_tc"] = tcp_flags_hex(fl.tcp_flags[1]);
  }
  return e;
}

Json stats_event(Timestamp ts, Json stats) {
  Json e = header(ts, "stats");
  e["stats"] = std::move(stats);
  return e;
}

Json transaction_event(Timestamp ts, const FlowContext& ctx, const dissect::Transaction& t) {
  Json e = header(ts, dissect::protocol_name(t.protocol()));
  add_flow_fields(e, ctx);
  add_transaction_fields(e, t);
  return e;
}

Json anomaly_event(Timestamp ts, const FlowContext& ctx, const dissect::Anomaly& anomaly) {
  Json e = header(ts, "anomaly");
  add_flow_fields(e, ctx);
  Json& a = e["anomaly"];
  a["protocol"] = dissect::protocol_name(anomaly.protocol);
  a["reason"] = anomaly.reason;
  a["violation"] = anomaly.violation;
  a["direction"] = anomaly.direction == dissect::Direction::ToServer ? "to_server" : "to_client";
  return e;
}

namespace {

std::string mac_text(const std::array<std::uint8_t, 6>& mac) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < mac.size(); ++i) {
    if (i != 0) out.push_back(':');
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 0xF]);
  }
  return out;
}

void add_l2_fields(Json& e, const L2Source& src) {
  e["src_mac"] = mac_text(src.src_mac);
  e["dest_mac"] = mac_text(src.dst_mac);
  e["ether_type"] = src.ether_type;
  if (src.vlan_count > 0) {
    Json vlan = Json::array();
    for (std::size_t i = 0; i < src.vlan_count && i < src.vlan.size(); ++i)
      vlan.push_back(src.vlan[i]);
    e["vlan"] = std::move(vlan);
  }
}

}  // namespace

Json l2_transaction_event(Timestamp ts, const L2Source& src, const dissect::Transaction& t) {
  Json e = header(ts, dissect::protocol_name(t.protocol()));
  add_l2_fields(e, src);
  add_transaction_fields(e, t);
  return e;
}

Json l2_anomaly_event(Timestamp ts, const L2Source& src, const dissect::Anomaly& anomaly) {
  Json e = header(ts, "anomaly");
  add_l2_fields(e, src);
  Json& a = e["anomaly"];
  a["protocol"] = dissect::protocol_name(anomaly.protocol);
  a["reason"] = anomaly.reason;
  a["violation"] = anomaly.violation;
  return e;
}

}  // namespace limen::events
