#pragma once
// `limen-collector stats`: what the collector database says about ingestion and about each
// probe: how fast events arrived lately, per probe its runs, events, duplicates, gaps and when
// it was last heard from, and the connections and events refused, summed over every collector
// process that wrote to the file. Read-only, like `query`.

#include <cstdint>
#include <ostream>
#include <string>

namespace limen::collector {

struct StatsOptions {
  std::string db_path;
  bool json = false;
  std::int64_t now_us = 0;  // the clock ingestion rates are measured back from; 0: now
};

bool run_stats(const StatsOptions& options, std::ostream& out, std::string& error);

}  // namespace limen::collector
