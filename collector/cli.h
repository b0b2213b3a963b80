#pragma once
// Command-line and config-file parsing for limen-collector. Two modes share one binary:
//   limen-collector --listen ENDPOINT --db PATH ...   receive and store
//   limen-collector query --db PATH ...                read back
// Parsing never exits the process; main() acts on the returned outcome. Options given on the
// command line win over the same option in --config.

#include <chrono>
#include <cstddef>
#include <string>

#include "collector/query.h"

namespace limen::collector {

struct CollectorConfig {
  std::string listen;
  std::string db_path;
  std::size_t batch_size = 500;
  std::chrono::milliseconds batch_interval{1000};
  bool quiet = false;
};

enum class Command : std::uint8_t { Run, Query, Help, Version, Error };

struct CommandLine {
  Command command = Command::Error;
  CollectorConfig collector;
  QueryOptions query;
  std::string text;  // the help text for Help, the reason for Error
};

CommandLine parse_command_line(int argc, const char* const* argv);

}  // namespace limen::collector
