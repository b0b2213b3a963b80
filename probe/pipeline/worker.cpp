#include "probe/pipeline/worker.h"

#include <algorithm>
#include <cstdlib>
#include <optional>

namespace limen::pipeline {

Worker::Worker(const WorkerConfig& config, std::shared_ptr<const rules::RuleProgram> program,
               classify::NdpiClassifier& classifier, events::EventEmitter& emitter)
    : config_(config),
      program_(std::move(program)),
      classifier_(classifier),
      emitter_(emitter),
      decoder_(config.decoder),
      flows_(std::make_unique<flow::FlowTable<FlowState>>(config.flows)),
      app_(config.app) {}

Worker::~Worker() {
  // Return every nDPI slot still held by a live flow.
  flows_->flush(flow::EndReason::EndOfCapture, [this](Entry& e, flow::EndReason) {
    classifier_.release(e.state.classify);
    if (e.state.app_slot != AppLayer::kNoSlot) app_.release(e.state.app_slot);
  });
}

namespace {
// A packet dated further ahead than this needs a second packet near the same time before the
// clock follows it: one corrupt record (or a host clock stepped back by NTP) dated years ahead
// would otherwise freeze every timeout until real time caught up, and fill the flow table.
constexpr std::int64_t kMaxUnconfirmedJumpUsec = 3600 * kUsecPerSecond;
}  // namespace

Timestamp Worker::packet_time(Timestamp ts) {
  if (!seen_packet_ || trust_next_jump_ || ts.usec <= clock_.usec + kMaxUnconfirmedJumpUsec) {
    trust_next_jump_ = false;
    jump_candidate_.reset();
    return ts;
  }
  if (jump_candidate_ && std::abs(ts.usec - jump_candidate_->usec) <= kMaxUnconfirmedJumpUsec) {
    jump_candidate_.reset();  // confirmed: the capture really moved on (a pause in recording)
    return ts;
  }
  jump_candidate_ = ts;
  ++counters_.time_jumps;
  return clock_;
}

void Worker::on_packet(const capture::RawPacket& raw) {
  ++counters_.packets;
  counters_.bytes += raw.wire_length;
  counters_.captured_bytes += raw.data.size();
  const Timestamp ts = packet_time(raw.ts);
  if (!seen_packet_) {
    seen_packet_ = true;
    first_ts_ = ts;
    next_stats_ = Timestamp{ts.usec + config_.stats_interval_usec};
  }
  // Packet time only moves forward: a capture whose clock steps back must not resurrect
  // timeouts, and several replayed files behave as one stream.
  clock_ = std::max(clock_, ts);

  const auto status = decoder_.decode(link_, raw.data, ts, packet_);
  ++counters_.decode_status[static_cast<std::size_t>(status)];
  if (status == decode::DecodeStatus::NotIp && L2Layer::handles(packet_.ether_type)) {
    current_ts_ = ts;
    l2_.on_frame(packet_, ts, *this, current_l2_);
    return;
  }
  if (status != decode::DecodeStatus::Ok) return;

  const auto hit = flows_->track(packet_, ts, raw.wire_length);
  if (hit.entry == nullptr) {
    ++counters_.untracked;
    return;
  }
  Entry& entry = *hit.entry;
  if (hit.created) on_flow_created(entry, packet_);

  FlowState& st = entry.state;
  if (!st.classify.final && classifier_.process(st.classify, packet_.ip, ts))
    judge(entry, ts, true);
  if (st.app_slot != AppLayer::kNoSlot) {
    current_ = &entry;
    current_ts_ = ts;
    app_.on_packet(st.app_slot, packet_, hit.dir, ts, *this);
    current_ = nullptr;
  }
}

void Worker::on_transaction(const dissect::Transaction& t) {
  if (current_ == nullptr && current_l2_ == nullptr) return;
  ++app_.counters().transactions;
  ++counters_.transactions[static_cast<std::size_t>(t.protocol())];
  if (current_ == nullptr) {
    // Ethernet-level: no addresses, so no zone rules apply (documented in docs/rules.md).
    auto event = events::l2_transaction_event(current_ts_, current_l2_->source, t);
    emitter_.emit(event);
    return;
  }
  auto event = events::transaction_event(current_ts_, context(*current_), t);
  emitter_.emit(event);
  judge_transaction(*current_, t);
}

void Worker::judge_transaction(Entry& entry, const dissect::Transaction& t) {
  if (!program_) return;
  // The flow's verdict is recomputed rather than stored: evaluate() is allocation-free and
  // cheap, and keeping a whole Verdict in every flow's state would cost far more memory.
  const rules::FlowFacts facts = facts_of(entry, false);
  const rules::Verdict flow_verdict = program_->evaluate(facts);
  const rules::TransactionVerdict tv = program_->evaluate_transaction(facts, flow_verdict, t);
  for (std::size_t i = 0; i < tv.count; ++i) {
    const auto& f = tv.findings[i];
    events::FindingKind kind = events::FindingKind::Alert;
    if (f.kind == rules::OperationFindingKind::UnauthorizedOperation)
      kind = events::FindingKind::UnauthorizedOperation;
    else if (f.kind == rules::OperationFindingKind::DeniedOperation)
      kind = events::FindingKind::DeniedOperation;
    report(entry, current_ts_, kind, f.rule, f.severity, &t);
  }
}

void Worker::on_anomaly(const dissect::Anomaly& anomaly) {
  if (current_ == nullptr && current_l2_ == nullptr) return;
  ++app_.counters().anomalies;
  if (current_ == nullptr) {
    if (current_l2_->anomalies >= config_.max_anomalies_per_flow) {
      ++counters_.anomalies_suppressed;
      return;
    }
    ++current_l2_->anomalies;
    auto event = events::l2_anomaly_event(current_ts_, current_l2_->source, anomaly);
    emitter_.emit(event);
    return;
  }
  FlowState& st = current_->state;
  // A hostile peer can make every packet an anomaly: report the first few per flow, count all.
  if (st.anomalies >= config_.max_anomalies_per_flow) {
    ++counters_.anomalies_suppressed;
    return;
  }
  ++st.anomalies;
  auto event = events::anomaly_event(current_ts_, context(*current_), anomaly);
  emitter_.emit(event);
}

void Worker::on_flow_created(Entry& entry, const decode::DecodedPacket& p) {
  FlowState& st = entry.state;
  if (p.ip_proto == 1 || p.ip_proto == 58) {
    st.icmp_type = p.icmp_type;
    st.icmp_code = p.icmp_code;
  }
  if (p.ip_proto == decode::kProtoTcp || p.ip_proto == decode::kProtoUdp)
    st.app_slot = app_.attach(p.ip_proto, entry.flow.server_port);
  if (program_) {
    st.src_zone = program_->zone_of(entry.flow.client_ip);
    st.dst_zone = program_->zone_of(entry.flow.server_ip);
  }
  // Judge at once on addresses and ports: most verdicts need no application, and a finding
  // should not wait for the flow to end.
  judge(entry, entry.flow.first_seen, false);
}

rules::FlowFacts Worker::facts_of(const Entry& entry, bool app_final) const {
  const FlowState& st = entry.state;
  const flow::Flow& f = entry.flow;
  rules::FlowFacts facts;
  facts.src = f.client_ip;
  facts.dst = f.server_ip;
  facts.src_port = f.client_port;
  facts.dst_port = f.server_port;
  facts.ip_proto = f.ip_proto;
  // An unclassified flow has no application for the rules: "unknown" is a label for events,
  // not a name a rule could allow.
  facts.app = st.classify.final && st.classify.protocol != 0 ? classifier_.app_name(st.classify)
                                                              : std::string_view();
  facts.app_final = app_final || st.classify.final;
  return facts;
}

void Worker::judge(Entry& entry, Timestamp ts, bool app_final) {
  if (!program_) return;
  FlowState& st = entry.state;
  const rules::FlowFacts facts = facts_of(entry, app_final);
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
                    rules::Severity severity, const dissect::Transaction* transaction) {
  auto event = events::finding_event(ts, context(entry),
                                     events::Finding{kind, rule, severity, transaction});
  emitter_.emit(event);
  ++counters_.findings;
  ++counters_.findings_by_rule[rule != nullptr ? rule->id : 0U];
}

events::FlowContext Worker::context(const Entry& entry) const {
  const FlowState& st = entry.state;
  std::string_view src_zone, dst_zone;
  if (program_ && st.src_zone != rules::kNoZone) src_zone = program_->zone(st.src_zone).name;
  if (program_ && st.dst_zone != rules::kNoZone) dst_zone = program_->zone(st.dst_zone).name;
  events::FlowContext ctx{entry.flow, classifier_.app_name(st.classify), src_zone, dst_zone,
                         st.icmp_type, st.icmp_code};
  if (st.app_slot != AppLayer::kNoSlot && entry.flow.ip_proto == decode::kProtoTcp) {
    const auto loss = app_.loss(st.app_slot);
    ctx.loss_known = true;
    ctx.seen_bytes = loss.seen_bytes;
    ctx.acked_unseen_bytes = loss.acked_unseen_bytes;
    ctx.gaps = loss.gaps;
  }
  return ctx;
}

void Worker::end_flow(Entry& entry, flow::EndReason reason) {
  FlowState& st = entry.state;
  // An active timeout cuts a long flow into records; the flow itself, its verdict and its
  // application session go on.
  const bool flow_goes_on = reason == flow::EndReason::ActiveTimeout;
  if (!flow_goes_on) {
    if (!st.classify.final) {
      classifier_.finish(st.classify);
      judge(entry, entry.flow.last_seen, true);
    } else if (!st.decided) {
      judge(entry, entry.flow.last_seen, true);
    }
    classifier_.release(st.classify);
  }
  // Built before the session closes, while the reassembler still holds its loss counters. A flow
  // restarted by the active timeout may end before its next packet: nothing to record then.
  std::optional<events::Json> record;
  if (config_.flow_events && entry.flow.packets[0] + entry.flow.packets[1] != 0)
    record = events::flow_event(context(entry),
                                events::FlowVerdict{st.boundary, st.decision, st.rule}, reason);
  if (!flow_goes_on && st.app_slot != AppLayer::kNoSlot &&
      entry.flow.ip_proto == decode::kProtoTcp) {
    const auto loss = app_.loss(st.app_slot);
    ZonePairLoss& z = loss_by_zones_[{st.src_zone, st.dst_zone}];
    ++z.flows;
    z.seen_bytes += loss.seen_bytes;
    z.acked_unseen_bytes += loss.acked_unseen_bytes;
    z.gaps += loss.gaps;
  }
  if (!flow_goes_on && st.app_slot != AppLayer::kNoSlot) {
    // The session reports what it still holds (unanswered requests) before the flow record.
    current_ = &entry;
    current_ts_ = entry.flow.last_seen;
    app_.close(st.app_slot, entry.flow.last_seen, *this);
    st.app_slot = AppLayer::kNoSlot;
    current_ = nullptr;
  }
  if (!record) return;
  emitter_.emit(*record);
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
  current_ts_ = clock_;
  l2_.close(clock_, *this, current_l2_);
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
  d["time_jumps"] = counters_.time_jumps;
  auto& fl = s["flow"];
  flows_->counters().for_each(
      [&fl](std::string_view name, std::uint64_t value) { fl[std::string(name)] = value; });
  const auto& cc = classifier_.counters();
  auto& app = s["app_layer"];
  app["classified"] = cc.classified;
  app["unknown"] = cc.unknown;
  app["pool_exhausted"] = cc.pool_exhausted;
  const auto& ac = app_.counters();
  app["dissected_flows"] = ac.attached;
  app["dissector_pool_exhausted"] = ac.pool_exhausted;
  app["transactions"] = ac.transactions;
  app["anomalies"] = ac.anomalies;
  app["anomalies_not_reported"] = counters_.anomalies_suppressed;
  auto& by_proto = app["transactions_by_protocol"];
  by_proto = events::Json::object();
  for (std::size_t i = 0; i < counters_.transactions.size(); ++i)
    if (counters_.transactions[i] != 0) by_proto[std::string(dissect::kProtocolNames[i])] =
        counters_.transactions[i];
  const auto& lc = l2_.counters();
  app["l2_frames"] = lc.frames;
  app["l2_publishers"] = lc.publishers;
  app["l2_publishers_not_tracked"] = lc.publishers_not_tracked;
  auto& st = s["tcp_reassembly"];
  app_.stream_counters().for_each(
      [&st](std::string_view name, std::uint64_t value) { st[std::string(name)] = value; });
  // Bytes acknowledged but never captured, by zone pair: a SPAN port that drops packets shows
  // here instead of silently giving "no finding".
  auto& zl = s["capture_loss"];
  zl = events::Json::array();
  for (const auto& [zones, z] : loss_by_zones_) {
    auto zone_name = [this](int zone) {
      return program_ && zone != rules::kNoZone ? events::Json(program_->zone(zone).name)
                                                : events::Json(nullptr);
    };
    events::Json j;
    j["src_zone"] = zone_name(zones.first);
    j["dest_zone"] = zone_name(zones.second);
    j["flows"] = z.flows;
    j["seen_bytes"] = z.seen_bytes;
    j["acked_unseen_bytes"] = z.acked_unseen_bytes;
    j["gaps"] = z.gaps;
    const auto total = z.seen_bytes + z.acked_unseen_bytes;
    j["loss_ratio"] = total == 0 ? 0.0
                                 : static_cast<double>(z.acked_unseen_bytes) /
                                       static_cast<double>(total);
    zl.push_back(std::move(j));
  }
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
