#pragma once
// The end-of-run summary a replay prints on stderr: what was read, what was found, how fast.

#include <iosfwd>
#include <string>
#include <vector>

#include "probe/capture/packet_source.h"
#include "probe/output/output_stage.h"
#include "probe/pipeline/stats_snapshot.h"

namespace limen::app {

struct RunSummary {
  std::size_t files = 0;
  bool live = false;
  std::vector<std::string> damaged;  // one line per capture read only up to its damage
  capture::CaptureStats capture;
  std::size_t workers = 1;
  std::uint64_t time_jumps = 0;
  std::uint64_t queue_drops = 0;  // live: packets dropped, a worker's queue full
  double wall_seconds = 0;
};

// `total`: every worker's counters, summed.
void print_summary(std::ostream& out, const RunSummary& summary,
                   const pipeline::StatsSnapshot& total,
                   const output::OutputStage& stage, const rules::RuleProgram* program);

}  // namespace limen::app
