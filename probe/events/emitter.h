#pragma once
// EventEmitter: numbers events and fans them out. Each event gets the probe's name and the next
// sequence number of this run, is serialised once, and the same line goes to every output, so the
// EVE file and the collector hold identical events (the end-to-end test relies on it).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "probe/output/event_output.h"

namespace limen::events {

using Json = nlohmann::ordered_json;

class EventEmitter {
 public:
  EventEmitter(std::string probe_name, std::uint64_t run);
  void add_output(std::unique_ptr<output::EventOutput> out);

  // Fills "probe" and "seq" (builders put them right after event_type) and writes the event.
  void emit(Json& event);
  void flush();
  void close();

  [[nodiscard]] const std::string& probe_name() const { return probe_; }
  [[nodiscard]] std::uint64_t run() const { return run_; }
  [[nodiscard]] std::uint64_t emitted() const { return seq_; }
  [[nodiscard]] const std::vector<std::unique_ptr<output::EventOutput>>& outputs() const {
    return outputs_;
  }

 private:
  std::string probe_;
  std::uint64_t run_;
  std::uint64_t seq_ = 0;
  std::vector<std::unique_ptr<output::EventOutput>> outputs_;
  std::string line_;  // the serialised event, shared by every output
};

}  // namespace limen::events
