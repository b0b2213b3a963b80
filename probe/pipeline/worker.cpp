#include "probe/pipeline/worker.h"

#include <algorithm>

#include "filters/regex.h"

namespace limen::pipeline {
namespace {

// Sized for the largest burst of records one packet usually yields; they grow if ever needed.
constexpr std::size_t kPendingReserve = 256;

classify::TcpHandshake handshake_of(const flow::Flow& f, const decode::DecodedPacket& p,
                                    flow::Direction dir) {
  constexpr std::uint8_t kSyn = 0x02, kAck = 0x10;
  if (f.ip_proto != decode::kProtoTcp) return {};
  return {(f.tcp_flags[0] & kSyn) != 0, (f.tcp_flags[1] & (kSyn | kAck)) == (kSyn | kAck),
          (f.tcp_flags[0] & kAck) != 0,
          dir == flow::Direction::ToClient && (p.tcp_flags & (kSyn | kAck)) == (kSyn | kAck)};
}

}  // namespace

// What a flow had been told under the program it was last judged by.
struct Worker::Judgement {
  bool decided = false;
  rules::Decision decision = rules::Decision::NotReported;
  std::uint32_t rule_id = 0;  // 0: none or the default policy
  std::array<std::uint32_t, rules::kMaxAlertsPerFlow> alerted{};
  std::size_t alerted_count = 0;
  [[nodiscard]] bool alerted_on(std::uint32_t id) const {
    return std::find(alerted.begin(), alerted.begin() + alerted_count, id) !=
           alerted.begin() + alerted_count;
  }
};

Worker::Worker(const WorkerConfig& config, std::shared_ptr<const rules::RuleProgram> program,
               classify::NdpiClassifier& classifier, output::EventProducer& events)
    : config_(config),
      program_(std::move(program)),
      classifier_(classifier),
      events_(events),
      decoder_(config.decoder),
      flows_(std::make_unique<flow::FlowTable<FlowState>>(config.flows)),
      app_(config.app) {
  programs_[0] = program_;
  pending_.reserve(kPendingReserve);
  values_.reserve(kPendingReserve * 8);
  text_.reserve(kPendingReserve * 256);
  lists_.reserve(kPendingReserve * 16);
}

Worker::~Worker() {
  // Return every nDPI slot still held by a live flow.
  flows_->flush(flow::EndReason::EndOfCapture, [this](Entry& e, flow::EndReason) {
    classifier_.release(e.state.classify);
    if (e.state.app_slot != AppLayer::kNoSlot) app_.release(e.state.app_slot);
  });
}

void Worker::set_program(std::shared_ptr<const rules::RuleProgram> program) {
  program_ = std::move(program);
  ++epoch_;
  programs_[epoch_ % kProgramHistory] = program_;
  ++counters_.program_swaps;
}

const rules::RuleProgram* Worker::program_of(const FlowState& st) const {
  if (static_cast<std::uint8_t>(epoch_ - st.epoch) >= kProgramHistory) return nullptr;
  return programs_[st.epoch % kProgramHistory].get();
}

const rules::Rule* Worker::rule_at(const FlowState& st, std::uint16_t index) const {
  const rules::RuleProgram* p = program_of(st);
  if (p == nullptr || index == FlowState::kNoRule || index >= p->rules().size()) return nullptr;
  return &p->rules()[index];
}

std::uint16_t Worker::index_of(const rules::Rule* rule) const {
  if (rule == nullptr || !program_) return FlowState::kNoRule;
  const auto index = static_cast<std::size_t>(rule - program_->rules().data());
  // A program of 65,535 rules or more: the rules past it are not remembered per flow (an alert
  // of theirs may then be reported again at a later evaluation of the same flow).
  return index < FlowState::kNoRule ? static_cast<std::uint16_t>(index) : FlowState::kNoRule;
}

void Worker::advance(Timestamp now) {
  clock_ = std::max(clock_, now);
  if (!seen_packet_) return;
  flows_->advance(clock_, counters_.packets);
  if (flows_->due())
    flows_->expire(clock_, [this](Entry& e, flow::EndReason why) { end_flow(e, why); });
  decoder_.expire(clock_);
}

void Worker::process(const capture::RawPacket& raw, const PacketTime& time) {
  ++counters_.packets;
  counters_.bytes += raw.wire_length;
  counters_.captured_bytes += raw.data.size();
  const Timestamp ts = time.ts;
  seen_packet_ = true;
  clock_ = std::max(clock_, time.now);
  // Flows whose deadline passed before this packet end first, as they would in one table.
  flows_->advance(clock_, time.number);
  if (flows_->due())
    flows_->expire(clock_, [this](Entry& e, flow::EndReason why) { end_flow(e, why); });
  // Likewise fragments held past their timeout, before this packet could complete them (one
  // comparison when nothing is held past it).
  decoder_.expire(clock_);

  const auto status = decoder_.decode(link_, raw.data, ts, packet_);
  ++counters_.decode_status[static_cast<std::size_t>(status)];
  if (status == decode::DecodeStatus::NotIp && L2Layer::handles(packet_.ether_type)) {
    current_ts_ = ts;
    l2_.on_frame(packet_, ts, *this, current_l2_);
    drain_pending();
    return;
  }
  if (status != decode::DecodeStatus::Ok) return;

  // A full table ends its least valuable flow for this one: that flow's record, findings and
  // session end now, with reason "evicted".
  const auto hit = flows_->track(packet_, ts, raw.wire_length,
                                 [this](Entry& e, flow::EndReason why) { end_flow(e, why); });
  if (hit.entry == nullptr) {
    ++counters_.untracked;
    return;
  }
  Entry& entry = *hit.entry;
  if (hit.created) on_flow_created(entry, packet_);
  ensure_current(entry, ts);

  FlowState& st = entry.state;
  if (!st.classify.final &&
      classifier_.process(st.classify, packet_.ip, !packet_.payload.empty(),
                          handshake_of(entry.flow, packet_, hit.dir), ts))
    judge(entry, ts, true);
  if (st.app_slot != AppLayer::kNoSlot) {
    current_ = &entry;
    current_ts_ = ts;
    app_.on_packet(st.app_slot, packet_, hit.dir, ts, *this);
    current_ = nullptr;
    drain_pending();
  }
}

void Worker::on_transaction(const dissect::Transaction& t) {
  if (current_ == nullptr && current_l2_ == nullptr) return;
  ++app_.counters().transactions;
  ++counters_.transactions[static_cast<std::size_t>(t.protocol())];
  Pending& p = pending_.emplace_back();
  p.entry = current_;
  p.l2 = current_ == nullptr ? current_l2_ : nullptr;
  p.ts = current_ts_;
  const dissect::TransactionView v = t.view();
  p.parts = v.parts();
  // Only what is used: a transaction's storage is 3 KiB, its content usually a few dozen bytes.
  std::size_t text_end = 0, list_end = 0;
  for (const auto& value : v.values()) {
    text_end = std::max<std::size_t>(text_end, value.text_offset + value.text_length);
    list_end = std::max<std::size_t>(list_end, value.list_offset + value.list_count);
  }
  p.values_at = static_cast<std::uint32_t>(values_.size());
  p.values_count = static_cast<std::uint32_t>(v.values().size());
  values_.insert(values_.end(), v.values().begin(), v.values().end());
  p.text_at = static_cast<std::uint32_t>(text_.size());
  text_.insert(text_.end(), p.parts.text, p.parts.text + text_end);
  p.list_at = static_cast<std::uint32_t>(lists_.size());
  lists_.insert(lists_.end(), p.parts.list, p.parts.list + list_end);
}

void Worker::on_anomaly(const dissect::Anomaly& anomaly) {
  if (current_ == nullptr && current_l2_ == nullptr) return;
  ++app_.counters().anomalies;
  // A hostile peer can make every packet an anomaly: report the first few per flow, count all.
  std::uint16_t& reported = current_ != nullptr ? current_->state.anomalies : current_l2_->anomalies;
  if (reported >= config_.max_anomalies_per_flow) {
    ++counters_.anomalies_suppressed;
    return;
  }
  ++reported;
  Pending& p = pending_.emplace_back();
  p.anomaly = true;
  p.entry = current_;
  p.l2 = current_ == nullptr ? current_l2_ : nullptr;
  p.ts = current_ts_;
  p.what = anomaly;
}

dissect::TransactionView Worker::view_of(const Pending& p) const {
  dissect::TransactionView::Parts parts = p.parts;
  parts.values = {values_.data() + p.values_at, p.values_count};
  parts.text = text_.data() + p.text_at;
  parts.list = lists_.data() + p.list_at;
  return dissect::TransactionView(parts);
}

void Worker::drain_pending() {
  for (const Pending& p : pending_) {
    if (p.anomaly) {
      if (p.l2 != nullptr)
        emit(writer_.l2_anomaly(p.ts, p.l2->source, p.what));
      else
        emit(writer_.anomaly(p.ts, context(*p.entry), p.what));
      continue;
    }
    const dissect::TransactionView t = view_of(p);
    if (p.l2 != nullptr) {
      // Ethernet-level: no addresses, so no zone rules apply (documented in docs/rules.md).
      emit(writer_.l2_transaction(p.ts, p.l2->source, t));
      continue;
    }
    emit(writer_.transaction(p.ts, context(*p.entry), t));
    judge_transaction(*p.entry, p.ts, t);
  }
  pending_.clear();
  values_.clear();
  text_.clear();
  lists_.clear();
}

void Worker::judge_transaction(Entry& entry, Timestamp ts, const dissect::TransactionView& t) {
  if (!program_ || !entry.state.judges_transactions) return;
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
    report(entry, ts, kind, f.rule, f.severity, &t);
  }
}

void Worker::on_flow_created(Entry& entry, const decode::DecodedPacket& p) {
  FlowState& st = entry.state;
  st.epoch = epoch_;
  if (p.ip_proto == 1 || p.ip_proto == 58) {
    st.icmp_type = p.icmp_type;
    st.icmp_code = p.icmp_code;
  }
  if (p.ip_proto == decode::kProtoTcp || p.ip_proto == decode::kProtoUdp)
    st.app_slot = app_.attach(p.ip_proto, entry.flow.server_port);
  if (program_) {
    st.src_zone = static_cast<std::int16_t>(program_->zone_of(entry.flow.client_ip));
    st.dst_zone = static_cast<std::int16_t>(program_->zone_of(entry.flow.server_ip));
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

void Worker::ensure_current(Entry& entry, Timestamp ts) {
  FlowState& st = entry.state;
  if (st.epoch == epoch_) return;
  // Judged under an older program: remember what the flow was told, by rule id (indices change
  // between programs), then judge it again and report only what is new.
  Judgement before;
  before.decided = st.decided;
  before.decision = st.decision;
  if (const rules::Rule* r = rule_at(st, st.rule)) before.rule_id = r->id;
  for (std::size_t i = 0; i < st.alerted_count; ++i)
    if (const rules::Rule* r = rule_at(st, st.alerted[i])) before.alerted[before.alerted_count++] = r->id;
  st.epoch = epoch_;
  st.rule = FlowState::kNoRule;
  st.alerted_count = 0;
  st.decided = false;
  st.decision = rules::Decision::NotReported;
  st.boundary = false;
  st.judges_transactions = false;
  st.src_zone = st.dst_zone = rules::kNoZone;
  if (program_) {
    st.src_zone = static_cast<std::int16_t>(program_->zone_of(entry.flow.client_ip));
    st.dst_zone = static_cast<std::int16_t>(program_->zone_of(entry.flow.server_ip));
  }
  judge(entry, ts, st.classify.final, &before);
}

void Worker::judge(Entry& entry, Timestamp ts, bool app_final, const Judgement* before) {
  if (!program_) return;
  FlowState& st = entry.state;
  const rules::FlowFacts facts = facts_of(entry, app_final);
  const rules::Verdict v = program_->evaluate(facts);
  st.boundary = v.boundary;
  st.judges_transactions = v.conditional_count != 0 ||
                           (v.decision == rules::Decision::Allowed && v.rule != nullptr &&
                            v.rule->has_condition());

  for (std::size_t i = 0; i < v.alert_count; ++i) {
    const rules::Rule* rule = v.alerts[i];
    const std::uint16_t index = index_of(rule);
    const auto end = st.alerted.begin() + st.alerted_count;
    if (index != FlowState::kNoRule && std::find(st.alerted.begin(), end, index) != end) continue;
    if (index != FlowState::kNoRule && st.alerted_count < st.alerted.size())
      st.alerted[st.alerted_count++] = index;
    if (before != nullptr && before->alerted_on(rule->id)) continue;
    report(entry, ts, events::FindingKind::Alert, rule, v.alert_severity[i]);
  }
  if (st.decided || v.pending) return;
  st.decided = true;
  st.decision = v.decision;
  st.rule = index_of(v.rule);
  if (before != nullptr && before->decided && before->decision == v.decision &&
      before->rule_id == (v.rule != nullptr ? v.rule->id : 0U))
    return;
  if (v.decision == rules::Decision::Denied)
    report(entry, ts, events::FindingKind::DeniedFlow, v.rule, v.severity);
  else if (v.decision == rules::Decision::Unauthorized)
    report(entry, ts, events::FindingKind::UnauthorizedFlow, nullptr, v.severity);
}

void Worker::report(Entry& entry, Timestamp ts, events::FindingKind kind, const rules::Rule* rule,
                    rules::Severity severity, const dissect::TransactionView* transaction) {
  emit(writer_.finding(ts, context(entry), events::Finding{kind, rule, severity, transaction}));
  ++counters_.findings;
  ++counters_.findings_by_rule[rule != nullptr ? rule->id : 0U];
}

events::FlowContext Worker::context(const Entry& entry) const {
  const FlowState& st = entry.state;
  std::string_view src_zone, dst_zone;
  const rules::RuleProgram* p = program_of(st);
  if (p != nullptr && st.src_zone != rules::kNoZone) src_zone = p->zone(st.src_zone).name;
  if (p != nullptr && st.dst_zone != rules::kNoZone) dst_zone = p->zone(st.dst_zone).name;
  events::FlowContext ctx{entry.flow, classifier_.app_name(st.classify), src_zone, dst_zone,
                         st.icmp_type, st.icmp_code};
  if (st.app_slot != AppLayer::kNoSlot && entry.flow.ip_proto == decode::kProtoTcp) {
    const auto loss = app_.loss(st.app_slot);
    ctx.loss_known = true;
    ctx.seen_bytes = loss.seen_bytes;
    ctx.acked_unseen_bytes = loss.acked_unseen_bytes;
    ctx.gaps = loss.gaps;
  }
  ctx.cache_key = flows_->index_of(entry);
  return ctx;
}

void Worker::end_flow(Entry& entry, flow::EndReason reason) {
  FlowState& st = entry.state;
  ensure_current(entry, entry.flow.last_seen);
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
  // Taken before the session closes, while the reassembler still holds its loss counters; the
  // record is written after what the session reports on closing. A flow restarted by the active
  // timeout may end before its next packet: nothing to record then.
  const events::FlowContext ctx = context(entry);
  const bool record = config_.flow_events && entry.flow.packets[0] + entry.flow.packets[1] != 0;
  if (!flow_goes_on && st.app_slot != AppLayer::kNoSlot &&
      entry.flow.ip_proto == decode::kProtoTcp) {
    ZonePairLoss& z = loss_by_zones_[{st.src_zone, st.dst_zone}];
    ++z.flows;
    z.seen_bytes += ctx.seen_bytes;
    z.acked_unseen_bytes += ctx.acked_unseen_bytes;
    z.gaps += ctx.gaps;
  }
  if (!flow_goes_on && st.app_slot != AppLayer::kNoSlot) {
    // The session reports what it still holds (unanswered requests) before the flow record.
    current_ = &entry;
    current_ts_ = entry.flow.last_seen;
    app_.close(st.app_slot, entry.flow.last_seen, *this);
    st.app_slot = AppLayer::kNoSlot;
    current_ = nullptr;
    drain_pending();
  }
  if (!record) return;
  const events::FlowVerdict verdict{st.boundary, st.decision, rule_at(st, st.rule)};
  emit(writer_.flow(ctx, verdict, reason));
  ++counters_.flow_events;
}

void Worker::end_of_burst() {
  events_.publish();
}

void Worker::end_all_flows() {
  current_ts_ = clock_;
  l2_.close(clock_, *this, current_l2_);
  drain_pending();
  if (seen_packet_) {
    // What timed out by the last clock ends as timed out, the rest at the end of the capture.
    flows_->advance(clock_, counters_.packets);
    flows_->expire(clock_, [this](Entry& e, flow::EndReason why) { end_flow(e, why); });
  }
  flows_->flush(flow::EndReason::EndOfCapture,
                [this](Entry& e, flow::EndReason why) { end_flow(e, why); });
}

void Worker::stats_point(StatsBoard& board, std::size_t slot, const StatsMark& mark) {
  advance(mark.now);
  // Published before the snapshot is posted, so that the stats event, written once every
  // worker has posted, follows what they counted.
  events_.publish();
  if (auto sum = board.post(slot, snapshot())) write_stats_event(*sum, mark);
  events_.publish();
}

StatsSnapshot Worker::end_run(Timestamp now) {
  clock_ = std::max(clock_, now);
  end_all_flows();
  events_.publish();
  return snapshot();
}

void Worker::finish(const capture::CaptureStats& capture) {
  StatsMark mark;
  mark.first = own_clock_.first();
  mark.started = own_clock_.started();
  mark.final = true;
  mark.time_jumps = own_clock_.time_jumps();
  mark.capture = capture;
  const StatsSnapshot s = end_run(clock_);
  mark.now = clock_;
  write_stats_event(s, mark);
  events_.publish();
}

StatsSnapshot Worker::snapshot() const {
  StatsSnapshot s;
  s.worker = counters_;
  s.decode = decoder_.counters();
  s.flows = flows_->counters();
  s.classifier = classifier_.counters();
  s.app = app_.counters();
  s.stream = app_.stream_counters();
  s.l2 = l2_.counters();
  s.loss_by_zones = loss_by_zones_;
  s.regex_limit_hits = rules::Regex::thread_limit_hits();
  s.output = events_.counters();
  return s;
}

void Worker::write_stats_event(const StatsSnapshot& sum, const StatsMark& mark) {
  // The outputs' counters are the output stage's to add (OutputStage::deliver): it alone knows
  // them as of this event, and the worker need not wait for it.
  events::JsonWriter& w = writer_.begin_stats(mark.now);
  write_stats(w, sum, mark, program_.get());
  emit(writer_.end_stats());
  ++counters_.stats_events;
}

}  // namespace limen::pipeline
