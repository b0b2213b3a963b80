#include "collector/probe_health.h"

#include <simdjson.h>

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/timestamp.h"

namespace limen::collector {
namespace {

constexpr std::int64_t kSecondUs = 1'000'000;
// Capture losses are reported at most this often per probe, with everything dropped since.
constexpr std::int64_t kLossReportUs = 60 * kSecondUs;

std::uint64_t field(simdjson::dom::object o, std::string_view name) {
  std::uint64_t v = 0;
  return o.at_key(name).get_uint64().get(v) == simdjson::SUCCESS ? v : 0;
}

std::string seconds(std::int64_t us) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f s", static_cast<double>(us) / 1e6);
  return text;
}

}  // namespace

bool parse_heartbeat(std::string_view json, Heartbeat& out, std::string& error) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object root;
  if (parser.parse(json.data(), json.size(), true).get_object().get(root) != simdjson::SUCCESS) {
    error = "heartbeat is not a JSON object";
    return false;
  }
  std::string_view time;
  if (root.at_key("time").get_string().get(time) != simdjson::SUCCESS) {
    error = "heartbeat without a time";
    return false;
  }
  const auto parsed = parse_time(time);
  if (!parsed) {
    error = "heartbeat with an unreadable time";
    return false;
  }
  out = Heartbeat{};
  out.probe_time_us = parsed->usec;
  out.interval_s = static_cast<int>(std::min<std::uint64_t>(field(root, "interval"), 3600));
  bool ended = false;
  if (root.at_key("ended").get_bool().get(ended) == simdjson::SUCCESS) out.ended = ended;
  simdjson::dom::object capture, spool;
  if (root.at_key("capture").get_object().get(capture) == simdjson::SUCCESS) {
    out.has_capture = true;
    out.packets = field(capture, "packets");
    out.kernel_drops = field(capture, "kernel_drops");
    out.interface_drops = field(capture, "interface_drops");
    out.worker_queue_drops = field(capture, "worker_queue_drops");
  }
  if (root.at_key("spool").get_object().get(spool) == simdjson::SUCCESS) {
    out.spool_pending = field(spool, "pending");
    out.spool_lost_events = field(spool, "lost_events");
    out.spool_lost_bytes = field(spool, "lost_bytes");
  }
  return true;
}

std::int64_t ProbeHealth::silence_us(const State& s) const {
  // A probe told to beat rarely is not silent after three of its own intervals.
  const std::int64_t bound = options_.silence.count() * kSecondUs;
  return std::max(bound, std::int64_t{3} * s.interval_s * kSecondUs);
}

void ProbeHealth::restore(const std::string& probe, std::int64_t last_heartbeat_us, bool ended,
                          int interval_s) {
  State& s = probes_[probe];
  s.last_us = last_heartbeat_us;
  s.ended = ended;
  s.interval_s = interval_s;
}

void ProbeHealth::report_loss(const std::string& probe, State& s, std::int64_t now_us,
                              std::vector<HealthFinding>& out) {
  if (s.drops_unreported == 0) return;
  out.push_back({"probe_capture_loss", "medium", probe,
                 "probe " + probe + " dropped " + std::to_string(s.drops_unreported) +
                     " packets in its capture since its last report (this run: kernel " +
                     std::to_string(s.kernel) + ", interface " + std::to_string(s.interface) +
                     ", worker queues " + std::to_string(s.queue) + ", of " +
                     std::to_string(s.packets) + " packets): flows and findings may be missing"});
  s.drops_unreported = 0;
  s.last_loss_report_us = now_us;
}

void ProbeHealth::on_heartbeat(std::string_view probe, std::uint64_t run, const Heartbeat& hb,
                               std::int64_t now_us, std::vector<HealthFinding>& out) {
  auto it = probes_.find(probe);
  if (it == probes_.end()) it = probes_.emplace(std::string(probe), State{}).first;
  const std::string& name = it->first;
  State& s = it->second;
  if (s.silent) {
    out.push_back({"probe_back", "low", name,
                   "probe " + name + " is heard again after " + seconds(now_us - s.last_us) +
                       " of silence"});
    s.silent = false;
  }
  if (run != s.run) {  // a new run counts from zero again
    s.run = run;
    s.drops_seen = s.lost_seen = 0;
  }
  s.last_us = now_us;
  s.ended = hb.ended;
  s.interval_s = hb.interval_s;

  const std::int64_t skew = hb.probe_time_us - now_us;
  const std::int64_t bound = options_.max_clock_skew.count() * 1000;
  if (std::llabs(skew) > bound) {
    if (!s.skewed)
      out.push_back({"probe_clock_skew", "medium", name,
                     "probe " + name + "'s clock is " + seconds(std::llabs(skew)) +
                         (skew > 0 ? " ahead of" : " behind") + " the collector's (bound " +
                         seconds(bound) + "): its records' times are off by as much; check NTP"});
    s.skewed = true;
  } else {
    s.skewed = false;
  }

  if (hb.has_capture) {
    const std::uint64_t drops = hb.kernel_drops + hb.interface_drops + hb.worker_queue_drops;
    if (drops > s.drops_seen) s.drops_unreported += drops - s.drops_seen;
    s.drops_seen = drops;
    s.kernel = hb.kernel_drops;
    s.interface = hb.interface_drops;
    s.queue = hb.worker_queue_drops;
    s.packets = hb.packets;
    if (now_us - s.last_loss_report_us >= kLossReportUs || hb.ended)
      report_loss(name, s, now_us, out);
  }
  if (hb.spool_lost_events > s.lost_seen) {
    out.push_back({"probe_spool_loss", "high", name,
                   "probe " + name + "'s spool was full and lost " +
                       std::to_string(hb.spool_lost_events - s.lost_seen) +
                       " events bound for this collector (" + std::to_string(hb.spool_lost_bytes) +
                       " bytes lost this run): raise its --spool-max or bring the collector "
                       "back sooner"});
    s.lost_seen = hb.spool_lost_events;
  }
}

void ProbeHealth::check(std::int64_t now_us, std::vector<HealthFinding>& out) {
  for (auto& [name, s] : probes_) {
    if (s.drops_unreported > 0 && now_us - s.last_loss_report_us >= kLossReportUs)
      report_loss(name, s, now_us, out);
    if (s.silent || s.ended || s.last_us == 0 || now_us - s.last_us <= silence_us(s)) continue;
    s.silent = true;
    out.push_back({"probe_silent", "high", name,
                   "probe " + name + " has sent no heartbeat for " +
                       seconds(now_us - s.last_us) + " (last at " +
                       format_rfc3339(Timestamp{s.last_us}) +
                       "): it stopped, lost its link, or cannot reach this collector"});
  }
}

std::string health_finding_json(const HealthFinding& f, std::string_view collector,
                                std::uint64_t seq, std::int64_t now_us) {
  nlohmann::ordered_json j;
  j["timestamp"] = format_rfc3339(Timestamp{now_us});
  j["event_type"] = "finding";
  j["probe"] = collector;
  j["seq"] = seq;
  j["finding"] = {{"kind", f.kind},
                  {"severity", f.severity},
                  {"message", f.message},
                  {"subject", f.subject}};
  return j.dump();
}

}  // namespace limen::collector
