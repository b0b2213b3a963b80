// The statistics object of stats events, written field by field into the event buffer. Field
// names and order are documented in docs/events.md.

#include <charconv>

#include "filters/regex.h"
#include "probe/pipeline/worker.h"

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

}  // namespace

void Worker::write_stats(events::JsonWriter& w, const capture::CaptureStats& capture) const {
  w.begin_object();
  w.key("uptime");
  w.sint(seen_packet_ ? (clock_.usec - first_ts_.usec) / kUsecPerSecond : 0);

  w.key("capture");
  w.begin_object();
  field(w, "packets", counters_.packets);
  field(w, "bytes", counters_.bytes);
  if (capture.drops_known) {
    field(w, "kernel_drops", capture.kernel_drops);
    field(w, "interface_drops", capture.interface_drops);
  }
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
  counters_object(w, decoder_.counters());
  field(w, "not_tracked", counters_.untracked);
  field(w, "time_jumps", counters_.time_jumps);
  w.end_object();

  w.key("flow");
  counters_object(w, flows_->counters());
  w.end_object();

  const auto& cc = classifier_.counters();
  const auto& ac = app_.counters();
  const auto& lc = l2_.counters();
  w.key("app_layer");
  w.begin_object();
  field(w, "classified", cc.classified);
  field(w, "unknown", cc.unknown);
  field(w, "pool_exhausted", cc.pool_exhausted);
  field(w, "dissected_flows", ac.attached);
  field(w, "dissector_pool_exhausted", ac.pool_exhausted);
  field(w, "transactions", ac.transactions);
  field(w, "anomalies", ac.anomalies);
  field(w, "anomalies_not_reported", counters_.anomalies_suppressed);
  w.key("transactions_by_protocol");
  w.begin_object();
  for (std::size_t i = 0; i < counters_.transactions.size(); ++i)
    if (counters_.transactions[i] != 0) field(w, dissect::kProtocolNames[i], counters_.transactions[i]);
  w.end_object();
  field(w, "l2_frames", lc.frames);
  field(w, "l2_publishers", lc.publishers);
  field(w, "l2_publishers_not_tracked", lc.publishers_not_tracked);
  field(w, "classifying", cc.held);
  field(w, "classifying_peak", cc.held_peak);
  field(w, "undecided_abandoned", ac.undecided_abandoned);
  w.end_object();

  w.key("tcp_reassembly");
  counters_object(w, app_.stream_counters());
  w.end_object();

  // Bytes acknowledged but never captured, by zone pair: a SPAN port that drops packets shows
  // here instead of silently giving "no finding".
  w.key("capture_loss");
  w.begin_array();
  for (const auto& [zones, z] : loss_by_zones_) {
    auto zone_name = [this, &w](int zone) {
      if (program_ && zone != rules::kNoZone)
        w.string(program_->zone(zone).name);
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
  field(w, "total", counters_.findings);
  w.key("by_rule");
  w.begin_object();
  for (const auto& [id, n] : counters_.findings_by_rule) {
    char name[12];
    const auto r = std::to_chars(name, name + sizeof name, id);
    field(w, std::string_view(name, static_cast<std::size_t>(r.ptr - name)), n);
  }
  w.end_object();
  // Searches that gave up at the match limit counted as no match: a rule to look at. The count
  // is this thread's, and a worker runs on one thread.
  field(w, "regex_limit_hits", rules::Regex::thread_limit_hits());
  w.end_object();

  const auto& pc = events_.counters();
  w.key("output_queue");
  w.begin_object();
  field(w, "events", pc.events);
  field(w, "dropped", pc.dropped);
  field(w, "oversize", pc.oversize);
  w.end_object();
  w.end_object();
}

}  // namespace limen::pipeline
