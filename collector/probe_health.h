#pragma once
// ProbeHealth: what the collector concludes from the probes' heartbeats (common/wire.h). Each
// conclusion worth an analyst's attention becomes a finding that the collector stores under its
// own name, beside the probes' findings:
//
//   probe_silent       no heartbeat for the silence timeout (and the run did not say it ended)
//   probe_back         a silent probe is heard again
//   probe_clock_skew   the probe's clock and the collector's differ by more than the bound: the
//                      records' times are no better than that
//   probe_capture_loss the probe's capture dropped packets since its previous heartbeat
//   probe_spool_loss   the probe's spool was full and lost events bound for a collector
//
// One finding per episode: a skew is reported when it starts, again only after it ended; a
// silence once until the probe is back; capture losses at most once a minute per probe, with
// everything dropped since the last report. Pure logic: the receiver feeds it and stores what it
// returns.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace limen::collector {

struct HealthOptions {
  std::chrono::seconds silence{30};
  std::chrono::milliseconds max_clock_skew{2000};
};

struct Heartbeat {
  std::int64_t probe_time_us = 0;
  int interval_s = 0;
  bool ended = false;
  bool has_capture = false;
  std::uint64_t packets = 0, kernel_drops = 0, interface_drops = 0, worker_queue_drops = 0;
  std::uint64_t spool_pending = 0, spool_lost_events = 0, spool_lost_bytes = 0;
};

// Reads a heartbeat's JSON; false with `error` when it is not one.
bool parse_heartbeat(std::string_view json, Heartbeat& out, std::string& error);

struct HealthFinding {
  std::string kind;      // probe_silent ...
  std::string severity;  // low .. critical
  std::string subject;   // the probe it is about
  std::string message;
};

class ProbeHealth {
 public:
  explicit ProbeHealth(HealthOptions options) : options_(options) {}

  // A heartbeat from `probe`, received at `now_us` (collector clock).
  void on_heartbeat(std::string_view probe, std::uint64_t run, const Heartbeat& hb,
                    std::int64_t now_us, std::vector<HealthFinding>& out);
  // Silences and held-back capture losses due at `now_us`.
  void check(std::int64_t now_us, std::vector<HealthFinding>& out);
  // A probe known from an earlier collector run: silent from now on unless its run had ended.
  void restore(const std::string& probe, std::int64_t last_heartbeat_us, bool ended,
               int interval_s);
  [[nodiscard]] std::size_t probes() const { return probes_.size(); }

 private:
  struct State {
    std::int64_t last_us = 0;
    std::uint64_t run = 0;
    int interval_s = 0;
    bool ended = false;
    bool silent = false;
    bool skewed = false;
    std::uint64_t drops_seen = 0, lost_seen = 0;  // counts of the current run already judged
    std::uint64_t drops_unreported = 0;
    std::int64_t last_loss_report_us = 0;
    std::uint64_t kernel = 0, interface = 0, queue = 0, packets = 0;
  };
  [[nodiscard]] std::int64_t silence_us(const State& s) const;
  void report_loss(const std::string& probe, State& s, std::int64_t now_us,
                   std::vector<HealthFinding>& out);

  HealthOptions options_;
  std::map<std::string, State, std::less<>> probes_;
};

// The finding's EVE JSON, as the collector stores it (event_type "finding", probe = the
// collector's name, and "finding.subject" = the probe it is about).
std::string health_finding_json(const HealthFinding& f, std::string_view collector,
                                std::uint64_t seq, std::int64_t now_us);

}  // namespace limen::collector
