#pragma once
// EventOutput: where serialised events go (an EVE file or stdout, a collector over ZeroMQ ...).
// Outputs belong to the output stage (output_stage.h) and run on its thread, never on a worker's;
// they never throw: failures are counted and described. Counters are atomic so that a worker can
// report them in its stats while the output thread writes.

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace limen::output {

struct OutputCounters {
  std::atomic<std::uint64_t> written{0};
  std::atomic<std::uint64_t> dropped{0};  // could not be written or sent (see last_error)
  // Outputs whose peer confirms delivery (a collector): confirmed, and kept until confirmed.
  bool acknowledges = false;
  std::atomic<std::uint64_t> acknowledged{0};
  std::atomic<std::uint64_t> pending{0};
};

class EventOutput {
 public:
  virtual ~EventOutput() = default;
  // `line` is one JSON object without a trailing newline.
  virtual void write(std::string_view probe, std::uint64_t run, std::uint64_t seq,
                     std::string_view line) = 0;
  virtual void flush() = 0;
  // Flushes and releases the destination; waits at most the output's own bounded time.
  virtual void close() = 0;
  [[nodiscard]] virtual std::string describe() const = 0;  // "eve file out/eve.json"
  // What `written` means for this output: "written" to a file, "queued" for a network peer.
  [[nodiscard]] virtual std::string_view written_verb() const { return "written"; }
  [[nodiscard]] const OutputCounters& counters() const { return counters_; }
  [[nodiscard]] const std::string& last_error() const { return last_error_; }

 protected:
  OutputCounters counters_;
  std::string last_error_;
};

}  // namespace limen::output
