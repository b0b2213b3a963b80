#include "probe/pipeline/worker.h"

#include <algorithm>

namespace limen::pipeline {

Worker::Worker(const WorkerConfig& config, std::shared_ptr<const rules::RuleProgram> program,
               classify::NdpiClassifier& classifier, events::EventEmitter& emitter)
    : config_(config),
      program_(std::move(program)),
      classifier_(classifier),
      emitter_(emitter),
      decoder_(config.decoder),
      flows_(std::make_unique<flow::FlowTable<FlowState>>(config.flows)) {}

Worker::~Worker() {
  // Return every nDPI slot still held by a live flow.
  flows_->flush(flow::EndReason::EndOfCapture,
                [this](Entry& e, flow::EndReason) { classifier_.release(e.state.classify); });
}

void Worker::on_packet(const capture::RawPacket& raw) {
  ++counters_.packets;
  counters_.bytes += raw.wire_length;
  counters_.captured_bytes += raw.data.size();
  if (!seen_packet_) {
    seen_packet_ = true;
    first_ts_ = raw.ts;
    next_stats_ = Timestamp{raw.ts.usec + config_.stats_interval_usec};
  }
  // Packet time only moves forward: a capture whose clock steps back must not resurrect
  // timeouts, and several replayed files behave as one stream.
  clock_ = std::max(clock_, raw.ts);

  const auto status = decoder_.decode(link_, raw.data, raw.ts, packet_);
  ++counters_.decode_status[static_cast<std::size_t>(status)];
  if (status != decode::DecodeStatus::Ok) return;

  const auto hit = flows_->track(packet_, raw.ts, raw.wire_length);
  if (hit.entry == nullptr) {
    ++counters_.untracked;
    return;
  }
  Entry& entry = *hit.entry;
  if (hit.created) on_flow_created(entry, packet_);

  FlowState& st = entry.state;
  if (!st.classify.final && classifier_.process(st.classify, packet_.ip, raw.ts))
    judge(entry, raw.ts, true);
}

void Worker::on_flow_created(Entry& entry, const decode::DecodedPacket& p) {
  FlowState& st = entry.state;
  if (p.ip_proto == 1 || p.ip_proto == 58) {
    st.icmp_type = p.icmp_type;
    st.icmp_code = p.icmp_code;
  }
  if (program_) {
    st.src_zone = program_->zone_of(entry.flow.client_ip);
    st.dst_zone = program_->zone_of(entry.flow.server_ip);
  }
  // Judge at once on addresses and ports: most verdicts need no application, and a finding
  // should not wait for the flow to end.
  judge(entry, entry.flow.first_seen, false);
}

void Worker::judge(Entry& entry, Timestamp ts, bool app_final) {
  if (!program_) return;
  FlowState& st = entry.state;
  const flow::Flow& f = entry.flow;
  rules::FlowFacts facts;
  facts.src = f.client_ip;
  facts.dst = f.server_ip;
  facts.src_port = f.client_port;
  facts.dst_port = f.server_port;
  facts.ip_proto = f.ip_proto;
  facts.app = st.classify.final ? classifier_.app_name(st.classify) : std::string_view();
  facts.app_final = app_final || st.classify.final;
  const rules::Verdict v = program_->evaluate(facts);
  st.boundary = v.boundary;

  for (std::size_t i = 0; i < v.alert_count; ++i) {
    const rules::Rule* rule = v.alerts[i];
    const auto end = st.alerted.begin() + st.alerted_count;
    if (std::find(st.alerted.begin(), end, rule) != end) continue;
    if (st.alerted_count < st.alerted.size()) st.alerted[st.alerted_count++] = rule;
    report(entry, ts, events::FindingKind::Alert, rule, v.alert_severity[i]);
  }
  if (st.decided || v.pending) return;
  st.decided = true;
  st.decision = v.decision;
  st.rule = v.rule;
  if (v.decision == rules::Decision::Denied)
    report(entry, ts, events::FindingKind::DeniedFlow, v.rule, v.severity);
  else if (v.decision == rules::Decision::Unauthorized)
    report(entry, ts, events::FindingKind::UnauthorizedFlow, nullptr, v.severity);
}

void Worker::report(Entry& entry, Timestamp ts, events::FindingKind kind, const rules::Rule* rule,
                    rules::Severity severity) {
  auto event = events::finding_event(ts, context(entry), events::Finding{kind, rule, severity});
  emitter_.emit(event);
  ++counters_.findings;
  ++counters_.findings_by_rule[rule != nullptr ? rule->id : 0U];
}

events::FlowContext Worker::context(const Entry& entry) const {
  const FlowState& st = entry.state;
  std::string_view src_zone, dst_zone;
  if (program_ && st.src_zone != rules::kNoZone) src_zone = program_->zone(st.src_zone).name;
  if (program_ && st.dst_zone != rules::kNoZone) dst_zone = program_->zone(st.dst_zone).name;
  return events::FlowContext{entry.flow, classifier_.app_name(st.classify), src_zone, dst_zone,
                             st.icmp_type, st.icmp_code};
}

void Worker::end_flow(Entry& entry, flow::EndReason reason) {
  FlowState& st = entry.state;
  if (!st.classify.final) {
    classifier_.finish(st.classify);
    judge(entry, entry.flow.last_seen, true);
  } else if (!st.decided) {
    judge(entry, entry.flow.last_seen, true);
  }
  classifier_.release(st.classify);
  // A flow restarted by the active timeout may end before its next packet: nothing to record.
  if (!config_.flow_events || entry.flow.packets[0] + entry.flow.packets[1] == 0) return;
  auto event = events::flow_event(context(entry),
                                  events::FlowVerdict{st.boundary, st.decision, st.rule}, reason);
  emitter_.emit(event);
  ++counters_.flow_events;
}

void Worker::end_of_burst() {
  if (!seen_packet_) return;
  flows_->expire(clock_, [this](Entry& e, flow::EndReason why) { end_flow(e, why); });
  decoder_.expire(clock_);
  if (config_.stats_interval_usec > 0 && clock_ >= next_stats_) {
    const capture::CaptureStats capture = source_ != nullptr ? source_->stats() : capture::CaptureStats{};
    auto event = events::stats_event(clock_, stats_json(capture));
    emitter_.emit(event);
    ++counters_.stats_events;
    // Skip whole intervals with no packets rather than emitting a burst of stale stats.
    while (next_stats_ <= clock_) next_stats_.usec += config_.stats_interval_usec;
  }
  emitter_.flush();
}

void Worker::finish(const capture::CaptureStats& capture) {
  flows_->flush(flow::EndReason::EndOfCapture,
                [this](Entry& e, flow::EndReason why) { end_flow(e, why); });
  auto event = events::stats_event(clock_, stats_json(capture));
  emitter_.emit(event);
  ++counters_.stats_events;
  emitter_.flush();
}

events::Json Worker::stats_json(const capture::CaptureStats& capture) const {
  events::Json s;
  s["uptime"] = seen_packet_ ? (clock_.usec - first_ts_.usec) / kUsecPerSecond : 0;
  auto& c = s["capture"];
  c["packets"] = counters_.packets;
  c["bytes"] = counters_.bytes;
  if (capture.drops_known) {
    c["kernel_drops"] = capture.kernel_drops;
    c["interface_drops"] = capture.interface_drops;
  }
  auto& d = s["decoder"];
  decoder_.counters().for_each([&d](std::string_view name, std::uint64_t value) {
    d[std::string(name)] = value;
  });
  d["not_tracked"] = counters_.untracked;
  auto& fl = s["flow"];
  flows_->counters().for_each(
      [&fl](std::string_view name, std::uint64_t value) { fl[std::string(name)] = value; });
  const auto& cc = classifier_.counters();
  auto& app = s["app_layer"];
  app["classified"] = cc.classified;
  app["unknown"] = cc.unknown;
  app["pool_exhausted"] = cc.pool_exhausted;
  auto& fi = s["findings"];
  fi["total"] = counters_.findings;
  auto& by_rule = fi["by_rule"];
  by_rule = events::Json::object();
  for (const auto& [id, n] : counters_.findings_by_rule) by_rule[std::to_string(id)] = n;
  auto& out = s["outputs"];
  out = events::Json::array();
  for (const auto& o : emitter_.outputs()) {
    events::Json j;
    j["name"] = o->describe();
    j["written"] = o->counters().written;
    j["dropped"] = o->counters().dropped;
    out.push_back(std::move(j));
  }
  return s;
}

}  // namespace limen::pipeline
