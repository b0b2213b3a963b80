#pragma once
// The end-of-run summary a replay prints on stderr: what was read, what was found, how fast.

#include <iosfwd>
#include <string>
#include <vector>

#include "probe/capture/packet_source.h"
#include "probe/output/output_stage.h"
#include "probe/pipeline/worker.h"

namespace limen::app {

struct RunSummary {
  std::size_t files = 0;
  bool live = false;
  std::vector<std::string> damaged;  // one line per capture read only up to its damage
  capture::CaptureStats capture;
  double wall_seconds = 0;
};

void print_summary(std::ostream& out, const RunSummary& summary, const pipeline::Worker& worker,
                   const output::OutputStage& stage, const rules::RuleProgram* program);

}  // namespace limen::app
