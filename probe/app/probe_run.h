#pragma once
// Runs the probe for parsed options: loads the rules, opens sources and outputs, drives the
// worker over every packet, and prints the end-of-run summary. Returns the process exit code
// (see --help): 0 done, 1 configuration, 2 capture unreadable, 3 capture damaged part-way.

#include "probe/app/probe_options.h"

namespace limen::app {

int run_probe(const ProbeOptions& options);
int run_rules_check_command(const std::string& file);

}  // namespace limen::app
