#include "probe/events/eve.h"

#include <charconv>
#include <cstring>
#include <new>
#include <string>

namespace limen::events {
namespace {

constexpr char kHex[] = "0123456789abcdef";
// Direct-mapped by flow slot: a burst of events of one flow (its transactions, its findings)
// hits; a flow table far larger than the cache only costs a recomputation on a miss.
constexpr std::size_t kCacheSize = 16384;
constexpr std::size_t kHeaderMax = 320;

std::string_view decision_name(rules::Decision d) {
  switch (d) {
    case rules::Decision::Allowed:
      return "allowed";
    case rules::Decision::Denied:
      return "denied";
    case rules::Decision::Unauthorized:
      return "unauthorized";
    case rules::Decision::NotReported:
      break;
  }
  return "not_reported";
}

void zone_or_null(JsonWriter& w, std::string_view zone) {
  if (zone.empty())
    w.null();
  else
    w.string(zone);
}

void tcp_flags_hex(JsonWriter& w, std::uint8_t flags) {
  const char text[2] = {kHex[flags >> 4], kHex[flags & 0xF]};
  w.plain_string({text, 2});
}

void mac(JsonWriter& w, const std::array<std::uint8_t, 6>& m) {
  char text[17];
  for (std::size_t i = 0; i < m.size(); ++i) {
    text[i * 3] = kHex[m[i] >> 4];
    text[i * 3 + 1] = kHex[m[i] & 0xF];
    if (i + 1 < m.size()) text[i * 3 + 2] = ':';
  }
  w.plain_string({text, sizeof text});
}

}  // namespace

struct EveWriter::CachedHeader {
  std::uint64_t flow_id = 0;  // 0: empty (flow ids start at 1)
  std::uint16_t length = 0;
  char text[kHeaderMax];
};

std::string_view finding_kind_name(FindingKind kind) {
  switch (kind) {
    case FindingKind::UnauthorizedFlow:
      return "unauthorized_flow";
    case FindingKind::DeniedFlow:
      return "denied_flow";
    case FindingKind::Alert:
      return "alert";
    case FindingKind::UnauthorizedOperation:
      return "unauthorized_operation";
    case FindingKind::DeniedOperation:
      return "denied_operation";
  }
  return "unknown";
}

std::string_view ip_proto_name(std::uint8_t proto) {
  switch (proto) {
    case 1:
      return "ICMP";
    case 6:
      return "TCP";
    case 17:
      return "UDP";
    case 58:
      return "IPv6-ICMP";
    case 132:
      return "SCTP";
    default:
      break;
  }
  static const auto numbers = [] {
    std::array<std::array<char, 4>, 256> n{};
    for (std::size_t i = 0; i < n.size(); ++i) std::to_chars(n[i].data(), n[i].data() + 3, i);
    return n;
  }();
  return numbers[proto].data();
}

EveWriter::EveWriter() : buf_(4096), w_(buf_) {
  // Zero pages from the kernel: an empty cache costs nothing until flows land on it, and then
  // a few huge-page faults rather than one per 4 KiB.
  cache_memory_ = MappedMemory(kCacheSize, sizeof(CachedHeader), MappedMemory::Pages::Huge);
  cache_ = static_cast<CachedHeader*>(cache_memory_.data());
}

EveWriter::~EveWriter() = default;

void EveWriter::timestamp(Timestamp ts) {
  const std::int64_t sec = ts.seconds();
  if (sec != cached_second_) {
    char full[kRfc3339Max];
    const std::size_t n = format_rfc3339(ts, full);
    if (n != 27) {  // a year outside 0..9999: rare, not cached
      w_.plain_string({full, n});
      return;
    }
    std::memcpy(second_text_, full, 20);
    cached_second_ = sec;
  }
  char text[27];
  std::memcpy(text, second_text_, 20);
  auto frac = static_cast<std::uint32_t>(ts.usec - sec * kUsecPerSecond);
  for (int i = 25; i >= 20; --i) {
    text[i] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  text[26] = 'Z';
  w_.plain_string({text, sizeof text});
}

void EveWriter::begin(Timestamp ts, std::string_view type) {
  buf_.clear();
  w_.begin_object();
  w_.key("timestamp");
  timestamp(ts);
  w_.key("event_type");
  w_.plain_string(type);
  insert_at_ = static_cast<std::uint32_t>(buf_.size());
}

EncodedEvent EveWriter::end(EventCode code) {
  w_.end_object();
  return EncodedEvent{buf_.view(), insert_at_, code};
}

std::size_t EveWriter::write_flow_header(const FlowContext& ctx, char* out) {
  // Plain copies into `out` (kHeaderMax bytes), the same layout JsonWriter would produce: this
  // text is cached and pasted into every later event of the flow.
  const flow::Flow& f = ctx.flow;
  const bool icmp = f.ip_proto == 1 || f.ip_proto == 58;
  char* p = out;
  auto put = [&p](std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  auto put_uint = [&p](std::uint64_t v) {
    const auto r = std::to_chars(p, p + 20, v);
    p = r.ptr;
  };
  put("\"flow_id\":");
  put_uint(f.id);
  put(",\"community_id\":\"");
  p += community_id_.compute(f.client_ip, f.server_ip, icmp ? ctx.icmp_type : f.client_port,
                             icmp ? ctx.icmp_code : f.server_port, f.ip_proto, p);
  put("\",\"src_ip\":\"");
  p += f.client_ip.format(p);
  put("\",\"src_port\":");
  put_uint(f.client_port);
  put(",\"dest_ip\":\"");
  p += f.server_ip.format(p);
  put("\",\"dest_port\":");
  put_uint(f.server_port);
  put(",\"proto\":\"");
  put(ip_proto_name(f.ip_proto));
  put("\"");
  if (icmp) {
    put(",\"icmp_type\":");
    put_uint(ctx.icmp_type);
    put(",\"icmp_code\":");
    put_uint(ctx.icmp_code);
  }
  if (f.vlan_count > 0) {
    put(",\"vlan\":[");
    for (std::size_t i = 0; i < f.vlan_count && i < f.vlan.size(); ++i) {
      if (i != 0) put(",");
      put_uint(f.vlan[i]);
    }
    put("]");
  }
  return static_cast<std::size_t>(p - out);
}

void EveWriter::flow_fields(const FlowContext& ctx) {
  if (ctx.cache_key == FlowContext::kNoCache) {
    char text[kHeaderMax];
    w_.raw_members({text, write_flow_header(ctx, text)});
  } else {
    CachedHeader& h = cache_[ctx.cache_key % kCacheSize];
    if (h.flow_id != ctx.flow.id) {
      h.length = static_cast<std::uint16_t>(write_flow_header(ctx, h.text));
      h.flow_id = ctx.flow.id;
    }
    w_.raw_members({h.text, h.length});
  }
  w_.key("app_proto");
  w_.plain_string(ctx.app);
}

void EveWriter::transaction_fields(const dissect::TransactionView& t) {
  const std::string_view proto = dissect::protocol_name(t.protocol());
  const auto schema = t.schema();
  const auto values = t.values();
  w_.key("operation");
  w_.plain_string(dissect::operation_name(t.operation()));

  // The protocol's object first, then any other family in order of first appearance; within an
  // object, fields in the order they were set, a field set twice keeping its first place and its
  // last value (as the events have always had them). Each name is split once, here:
  // "modbus.function_code" is family "modbus", key "function_code"; a name without a dot is
  // the protocol's; a protocol may publish a second family, as EtherNet/IP does "cip.service".
  std::array<std::string_view, 8> families{proto};
  std::size_t family_count = 1;
  std::array<std::uint8_t, dissect::Transaction::kMaxFields> family_index;
  std::array<std::string_view, dissect::Transaction::kMaxFields> keys;
  const std::size_t n = std::min(values.size(), family_index.size());
  for (std::size_t i = 0; i < n; ++i) {
    const std::string_view name = schema[values[i].field].name;
    const auto dot = name.find('.');
    const std::string_view fam = dot == std::string_view::npos ? proto : name.substr(0, dot);
    keys[i] = dot == std::string_view::npos ? name : name.substr(dot + 1);
    std::size_t f = 0;
    while (f < family_count && families[f] != fam) ++f;
    if (f == family_count) {
      if (family_count == families.size()) {
        family_index[i] = 0xFF;  // beyond the families an event holds: left out
        continue;
      }
      families[family_count++] = fam;
    }
    family_index[i] = static_cast<std::uint8_t>(f);
  }
  for (std::size_t fi = 0; fi < family_count; ++fi) {
    w_.key(families[fi]);
    w_.begin_object();
    for (std::size_t i = 0; i < n; ++i) {
      if (family_index[i] != fi) continue;
      const auto& spec = schema[values[i].field];
      bool earlier = false;
      for (std::size_t j = 0; j < i && !earlier; ++j) earlier = values[j].field == values[i].field;
      if (earlier) continue;
      const auto* v = &values[i];
      for (std::size_t j = i + 1; j < n; ++j)
        if (values[j].field == values[i].field) v = &values[j];
      w_.key(keys[i]);
      switch (spec.type) {
        case dissect::FieldType::Uint:
          w_.uint(v->number);
          break;
        case dissect::FieldType::Int:
          w_.sint(static_cast<std::int64_t>(v->number));
          break;
        case dissect::FieldType::Bool:
          w_.boolean(v->number != 0);
          break;
        case dissect::FieldType::Text:
          w_.string(t.text(*v));
          break;
        case dissect::FieldType::UintList:
          w_.begin_array();
          for (auto x : t.list(*v)) w_.uint(x);
          w_.end_array();
          break;
      }
    }
    if (fi == 0) {
      w_.key("request");
      w_.boolean(t.has_request());
      w_.key("response");
      w_.boolean(t.has_response());
      if (t.truncated()) {
        w_.key("truncated");
        w_.boolean(true);
      }
    }
    w_.end_object();
  }
}

EncodedEvent EveWriter::finding(Timestamp ts, const FlowContext& ctx, const Finding& finding) {
  begin(ts, "finding");
  flow_fields(ctx);
  w_.key("finding");
  w_.begin_object();
  w_.key("kind");
  w_.plain_string(finding_kind_name(finding.kind));
  w_.key("rule_id");
  w_.uint(finding.rule != nullptr ? finding.rule->id : 0U);
  w_.key("action");
  w_.plain_string(finding.kind == FindingKind::Alert ? "alert" : "deny");
  w_.key("severity");
  w_.plain_string(rules::severity_name(finding.severity));
  w_.key("message");
  if (finding.rule != nullptr && !finding.rule->message.empty())
    w_.string(finding.rule->message);
  else if (finding.kind == FindingKind::UnauthorizedFlow)
    w_.plain_string("unauthorized flow: no allow rule matches this boundary flow");
  else if (finding.kind == FindingKind::UnauthorizedOperation)
    w_.plain_string("unauthorized operation: the allowing rule's condition does not hold");
  else
    w_.plain_string(finding_kind_name(finding.kind));
  w_.key("src_zone");
  zone_or_null(w_, ctx.src_zone);
  w_.key("dest_zone");
  zone_or_null(w_, ctx.dst_zone);
  w_.key("rule_location");
  if (finding.rule != nullptr)
    w_.string(finding.rule->location);
  else
    w_.null();
  if (finding.rule != nullptr && finding.rule->has_condition()) {
    w_.key("condition");
    w_.string(finding.rule->condition);
  }
  w_.end_object();
  if (finding.transaction != nullptr) transaction_fields(*finding.transaction);
  return end(kFindingEvent);
}

EncodedEvent EveWriter::flow(const FlowContext& ctx, const FlowVerdict& verdict,
                             flow::EndReason reason) {
  const flow::Flow& fl = ctx.flow;
  begin(fl.last_seen, "flow");
  flow_fields(ctx);
  w_.key("flow");
  w_.begin_object();
  w_.key("pkts_toserver");
  w_.uint(fl.packets[0]);
  w_.key("pkts_toclient");
  w_.uint(fl.packets[1]);
  w_.key("bytes_toserver");
  w_.uint(fl.bytes[0]);
  w_.key("bytes_toclient");
  w_.uint(fl.bytes[1]);
  w_.key("start");
  timestamp(fl.first_seen);
  w_.key("end");
  timestamp(fl.last_seen);
  w_.key("age");
  w_.sint((fl.last_seen.usec - fl.first_seen.usec) / kUsecPerSecond);
  w_.key("state");
  w_.plain_string(fl.ip_proto == 6 ? flow::tcp_state_name(fl.tcp_state) : "none");
  w_.key("reason");
  w_.plain_string(flow::end_reason_name(reason));
  w_.key("src_zone");
  zone_or_null(w_, ctx.src_zone);
  w_.key("dest_zone");
  zone_or_null(w_, ctx.dst_zone);
  w_.key("boundary");
  w_.boolean(verdict.boundary);
  w_.key("verdict");
  w_.plain_string(decision_name(verdict.decision));
  w_.key("rule_id");
  if (verdict.rule != nullptr)
    w_.uint(verdict.rule->id);
  else
    w_.null();
  if (ctx.loss_known) {
    w_.key("capture_loss");
    w_.begin_object();
    w_.key("seen_bytes");
    w_.uint(ctx.seen_bytes);
    w_.key("acked_unseen_bytes");
    w_.uint(ctx.acked_unseen_bytes);
    w_.key("gaps");
    w_.uint(ctx.gaps);
    w_.end_object();
  }
  w_.end_object();
  if (fl.ip_proto == 6) {
    w_.key("tcp");
    w_.begin_object();
    w_.key("tcp_flags");
    tcp_flags_hex(w_, static_cast<std::uint8_t>(fl.tcp_flags[0] | fl.tcp_flags[1]));
    w_.key("tcp_flags_ts");
    tcp_flags_hex(w_, fl.tcp_flags[0]);
    w_.key("tcp_flags_tc");
    tcp_flags_hex(w_, fl.tcp_flags[1]);
    w_.end_object();
  }
  return end(kFlowEvent);
}

EncodedEvent EveWriter::transaction(Timestamp ts, const FlowContext& ctx,
                                    const dissect::TransactionView& t) {
  begin(ts, dissect::protocol_name(t.protocol()));
  flow_fields(ctx);
  transaction_fields(t);
  return end(transaction_code(t.protocol()));
}

EncodedEvent EveWriter::anomaly(Timestamp ts, const FlowContext& ctx,
                                const dissect::Anomaly& anomaly) {
  begin(ts, "anomaly");
  flow_fields(ctx);
  anomaly_object(anomaly, true);
  return end(kAnomalyEvent);
}

// Ethernet-level anomalies have no direction: a publication only goes one way.
void EveWriter::anomaly_object(const dissect::Anomaly& anomaly, bool with_direction) {
  w_.key("anomaly");
  w_.begin_object();
  w_.key("protocol");
  w_.plain_string(dissect::protocol_name(anomaly.protocol));
  w_.key("reason");
  w_.string(anomaly.reason);
  w_.key("violation");
  w_.boolean(anomaly.violation);
  if (with_direction) {
    w_.key("direction");
    w_.plain_string(anomaly.direction == dissect::Direction::ToServer ? "to_server" : "to_client");
  }
  w_.end_object();
}

void EveWriter::l2_fields(const L2Source& src) {
  w_.key("src_mac");
  mac(w_, src.src_mac);
  w_.key("dest_mac");
  mac(w_, src.dst_mac);
  w_.key("ether_type");
  w_.uint(src.ether_type);
  if (src.vlan_count > 0) {
    w_.key("vlan");
    w_.begin_array();
    for (std::size_t i = 0; i < src.vlan_count && i < src.vlan.size(); ++i) w_.uint(src.vlan[i]);
    w_.end_array();
  }
}

EncodedEvent EveWriter::l2_transaction(Timestamp ts, const L2Source& src,
                                       const dissect::TransactionView& t) {
  begin(ts, dissect::protocol_name(t.protocol()));
  l2_fields(src);
  transaction_fields(t);
  return end(transaction_code(t.protocol()));
}

EncodedEvent EveWriter::l2_anomaly(Timestamp ts, const L2Source& src,
                                   const dissect::Anomaly& anomaly) {
  begin(ts, "anomaly");
  l2_fields(src);
  anomaly_object(anomaly, false);
  return end(kAnomalyEvent);
}

JsonWriter& EveWriter::begin_stats(Timestamp ts) {
  begin(ts, "stats");
  w_.key("stats");
  return w_;
}

EncodedEvent EveWriter::end_stats() {
  return end(kStatsEvent);
}

}  // namespace limen::events
