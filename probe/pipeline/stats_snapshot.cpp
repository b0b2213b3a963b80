// Stats snapshots: summed over the workers, then written field by field into the event buffer.
// Field names and order are documented in docs/events.md.

#include "probe/pipeline/stats_snapshot.h"

#include <array>
#include <charconv>
#include <string_view>

namespace limen::pipeline {
namespace {

template <class Counters>
void counters_object(events::JsonWriter& w, const Counters& counters) {
  w.begin_object();
  counters.for_each([&w](std::string_view name, std::uint64_t value) {
    w.key(name);
    w.uint(value);
  });
}

void field(events::JsonWriter& w, std::string_view name, std::uint64_t value) {
  w.key(name);
  w.uint(value);
}

// Adds b's counters to a's, as the counters list them (DecodeCounters, FlowCounters,
// StreamCounters): a counter added to a struct is summed without a line here.
template <class Counters>
void add(Counters& a, const Counters& b) {
  std::array<std::uint64_t, 64> values{};
  std::size_t n = 0;
  Counters::visit(b, [&](std::string_view, const std::uint64_t& v) { values.at(n++) = v; });
  n = 0;
  Counters::visit(a, [&](std::string_view, std::uint64_t& v) { v += values[n++]; });
}

void add(WorkerCounters& a, const WorkerCounters& b) {
  a.packets += b.packets;
  a.bytes += b.bytes;
  a.captured_bytes += b.captured_bytes;
  for (std::size_t i = 0; i < a.decode_status.size(); ++i) a.decode_status[i] += b.decode_status[i];
  a.untracked += b.untracked;
  a.findings += b.findings;
  for (const auto& [id, n] : b.findings_by_rule) a.findings_by_rule[id] += n;
  a.flow_events += b.flow_events;
  a.stats_events += b.stats_events;
  a.events += b.events;
  for (std::size_t i = 0; i < a.transactions.size(); ++i) a.transactions[i] += b.transactions[i];
  a.anomalies_suppressed += b.anomalies_suppressed;
  a.program_swaps = std::max(a.program_swaps, b.program_swaps);  // every worker swaps each one
}

}  // namespace

StatsSnapshot& StatsSnapshot::operator+=(const StatsSnapshot& o) {
  add(worker, o.worker);
  add(decode, o.decode);
  add(flows, o.flows);
  classifier.classified += o.classifier.classified;
  classifier.unknown += o.classifier.unknown;
  classifier.pool_exhausted += o.classifier.pool_exhausted;
  classifier.held += o.classifier.held;
  classifier.held_peak += o.classifier.held_peak;
  app.attached += o.app.attached;
  app.pool_exhausted += o.app.pool_exhausted;
  app.transactions += o.app.transactions;
  app.anomalies += o.app.anomalies;
  app.undecided_abandoned += o.app.undecided_abandoned;
  add(stream, o.stream);
  l2.frames += o.l2.frames;
  l2.publishers += o.l2.publishers;
  l2.publishers_not_tracked += o.l2.publishers_not_tracked;
  for (const auto& [zones, z] : o.loss_by_zones) {
    ZonePairLoss& t = loss_by_zones[zones];
    t.flows += z.flows;
    t.seen_bytes += z.seen_bytes;
    t.acked_unseen_bytes += z.acked_unseen_bytes;
    t.gaps += z.gaps;
  }
  regex_limit_hits += o.regex_limit_hits;
  output.events += o.output.events;
  output.dropped += o.output.dropped;
  output.oversize += o.output.oversize;
  output.waits += o.output.waits;
  return *this;
}

std::optional<StatsSnapshot> StatsBoard::post(std::size_t slot, StatsSnapshot snapshot) {
  const std::lock_guard lock(mutex_);
  slots_[slot].push_back(std::move(snapshot));
  for (const auto& s : slots_)
    if (s.empty()) return std::nullopt;
  StatsSnapshot sum = std::move(slots_.front().front());
  slots_.front().pop_front();
  for (std::size_t i = 1; i < slots_.size(); ++i) {
    sum += slots_[i].front();
    slots_[i].pop_front();
  }
  return sum;
}

void write_stats(events::JsonWriter& w, const StatsSnapshot& s, const StatsMark& mark,
                 const rules::RuleProgram* program) {
  const WorkerCounters& counters = s.worker;
  const capture::CaptureStats& capture = mark.capture;
  w.begin_object();
  w.key("uptime");
  w.sint(mark.started ? (mark.now.usec - mark.first.usec) / kUsecPerSecond : 0);

  w.key("capture");
  w.begin_object();
  field(w, "packets", counters.packets);
  field(w, "bytes", counters.bytes);
  if (capture.drops_known) {
    field(w, "kernel_drops", capture.kernel_drops);
    field(w, "interface_drops", capture.interface_drops);
  }
  field(w, "workers", mark.workers);
  field(w, "worker_queue_drops", mark.queue_drops);
  if (capture.port_count != 0) {
    w.key("ports");
    w.begin_array();
    for (std::size_t i = 0; i < capture.port_count; ++i) {
      const auto& p = capture.ports[i];
      w.begin_object();
      field(w, "port", p.port);
      w.key("driver");
      w.string(p.driver);
      field(w, "ipackets", p.ipackets);
      field(w, "imissed", p.imissed);
      field(w, "ierrors", p.ierrors);
      field(w, "rx_nombuf", p.rx_nombuf);
      w.end_object();
    }
    w.end_array();
  }
  w.end_object();

  w.key("decoder");
  counters_object(w, s.decode);
  field(w, "not_tracked", counters.untracked);
  field(w, "time_jumps", mark.time_jumps);
  w.end_object();

  w.key("flow");
  counters_object(w, s.flows);
  w.end_object();

  const auto& cc = s.classifier;
  const auto& ac = s.app;
  const auto& lc = s.l2;
  w.key("app_layer");
  w.begin_object();
  field(w, "classified", cc.classified);
  field(w, "unknown", cc.unknown);
  field(w, "pool_exhausted", cc.pool_exhausted);
  field(w, "dissected_flows", ac.attached);
  field(w, "dissector_pool_exhausted", ac.pool_exhausted);
  field(w, "transactions", ac.transactions);
  field(w, "anomalies", ac.anomalies);
  field(w, "anomalies_not_reported", counters.anomalies_suppressed);
  w.key("transactions_by_protocol");
  w.begin_object();
  for (std::size_t i = 0; i < counters.transactions.size(); ++i)
    if (counters.transactions[i] != 0) field(w, dissect::kProtocolNames[i], counters.transactions[i]);
  w.end_object();
  field(w, "l2_frames", lc.frames);
  field(w, "l2_publishers", lc.publishers);
  field(w, "l2_publishers_not_tracked", lc.publishers_not_tracked);
  field(w, "classifying", cc.held);
  field(w, "classifying_peak", cc.held_peak);
  field(w, "undecided_abandoned", ac.undecided_abandoned);
  w.end_object();

  w.key("tcp_reassembly");
  counters_object(w, s.stream);
  w.end_object();

  // Bytes acknowledged but never captured, by zone pair: a SPAN port that drops packets shows
  // here instead of silently giving "no finding".
  w.key("capture_loss");
  w.begin_array();
  for (const auto& [zones, z] : s.loss_by_zones) {
    auto zone_name = [program, &w](int zone) {
      if (program != nullptr && zone != rules::kNoZone)
        w.string(program->zone(zone).name);
      else
        w.null();
    };
    w.begin_object();
    w.key("src_zone");
    zone_name(zones.first);
    w.key("dest_zone");
    zone_name(zones.second);
    field(w, "flows", z.flows);
    field(w, "seen_bytes", z.seen_bytes);
    field(w, "acked_unseen_bytes", z.acked_unseen_bytes);
    field(w, "gaps", z.gaps);
    const auto total = z.seen_bytes + z.acked_unseen_bytes;
    w.key("loss_ratio");
    w.number(total == 0 ? 0.0
                        : static_cast<double>(z.acked_unseen_bytes) / static_cast<double>(total));
    w.end_object();
  }
  w.end_array();

  w.key("findings");
  w.begin_object();
  field(w, "total", counters.findings);
  w.key("by_rule");
  w.begin_object();
  for (const auto& [id, n] : counters.findings_by_rule) {
    char name[12];
    const auto r = std::to_chars(name, name + sizeof name, id);
    field(w, std::string_view(name, static_cast<std::size_t>(r.ptr - name)), n);
  }
  w.end_object();
  // Searches that gave up at the match limit counted as no match: a rule to look at.
  field(w, "regex_limit_hits", s.regex_limit_hits);
  w.end_object();

  const auto& pc = s.output;
  w.key("output_queue");
  w.begin_object();
  field(w, "events", pc.events);
  field(w, "dropped", pc.dropped);
  field(w, "oversize", pc.oversize);
  w.end_object();
  w.end_object();
}

}  // namespace limen::pipeline
