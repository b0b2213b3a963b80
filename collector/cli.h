#pragma once
// Command-line and config-file parsing for limen-collector. Two modes share one binary:
//   limen-collector --listen ENDPOINT --db PATH ...   receive and store
//   limen-collector query --db PATH ...                read back
//   limen-collector stats --db PATH                    ingestion, probes, refusals
//   limen-collector keygen --out DIR                   make the collector's CURVE key pair
// Parsing never exits the process; main() acts on the returned outcome. Options given on the
// command line win over the same option in --config.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "collector/query.h"
#include "collector/stats_report.h"

namespace limen::collector {

struct CollectorConfig {
  std::string listen;
  std::string db_path;
  std::size_t batch_size = 5000;
  std::chrono::milliseconds batch_interval{1000};
  int retention_days = 183;  // 0: keep everything
  std::string name = "limen-collector";  // what its own findings (probe health) are stored under
  int silence_timeout = 30;              // seconds without a heartbeat: a probe is silent
  int max_clock_skew_ms = 2000;
  std::vector<std::string> forward;  // syslog+tcp://HOST:PORT or syslog+tls://HOST:PORT
  std::string forward_ca;
  bool quiet = false;
  // CURVE: the collector's key pair folder and the probes allowed (with the name each may use),
  // or plain text when `insecure`.
  std::string key_dir;
  std::string allow;
  bool insecure = false;
};

enum class Command : std::uint8_t { Run, Query, Stats, Keygen, Help, Version, Error };

struct CommandLine {
  Command command = Command::Error;
  CollectorConfig collector;
  QueryOptions query;
  StatsOptions stats;
  std::string keygen_dir;  // for `keygen --out DIR`
  std::string text;        // the help text for Help, the reason for Error
};

CommandLine parse_command_line(int argc, const char* const* argv);

}  // namespace limen::collector
