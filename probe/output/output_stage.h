#pragma once
// OutputStage: the one thread that owns the outputs (EVE files, collector sockets). Workers hand
// it serialised events through their own single-producer/single-consumer rings; it numbers each
// event for each output — "probe" and "seq", so an output sees one gapless sequence per run — and
// writes it to the outputs whose event types include it.
//
// A worker never waits for an output: a full ring is, in live capture, a counted drop (reported
// in the worker's stats as output_queue.dropped); in replay the worker waits for room, since a
// replay's events are its whole point and nothing is lost by reading the file more slowly.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "probe/events/eve.h"
#include "probe/events/event_types.h"
#include "probe/events/json_writer.h"
#include "probe/output/capture_health.h"
#include "probe/output/doorbell.h"
#include "probe/output/event_output.h"
#include "probe/output/event_ring.h"

namespace limen::output {

struct ProducerCounters {
  std::uint64_t events = 0;    // handed to the ring
  std::uint64_t dropped = 0;   // ring full in live capture
  std::uint64_t oversize = 0;  // larger than a ring record may be (a bug or a hostile extreme)
  std::uint64_t waits = 0;     // replay: times the worker waited for room
};

// A worker's end of its ring. Not thread-safe: one per worker.
class EventProducer {
 public:
  EventProducer(std::size_t ring_bytes, bool wait_when_full, Doorbell& data_bell)
      : ring_(ring_bytes, data_bell), wait_when_full_(wait_when_full) {}

  void emit(const events::EncodedEvent& event);
  // Makes the events emitted so far visible to the output stage (once per burst).
  void publish() { ring_.publish(); }
  // Publishes, then (in replay only: live capture never waits) waits until the output stage has
  // written everything emitted so far.
  void sync();
  // Publishes, then waits until the output stage has taken everything emitted so far, live or
  // not: the stage never waits for an output in live capture, so this ends soon either way.
  void drain();

  [[nodiscard]] const ProducerCounters& counters() const { return counters_; }
  [[nodiscard]] EventRing& ring() { return ring_; }

 private:
  EventRing ring_;
  bool wait_when_full_;
  ProducerCounters counters_;
};

class OutputStage {
 public:
  struct Output {
    std::unique_ptr<EventOutput> out;
    events::EventTypeSet types;
    std::string name;  // describe(), kept so that stats do not build it again
    std::atomic<std::uint64_t> seq{0};  // last number given in this output's sequence
  };

  OutputStage(std::string probe_name, std::uint64_t run);
  ~OutputStage();
  OutputStage(const OutputStage&) = delete;
  OutputStage& operator=(const OutputStage&) = delete;

  // Before start().
  void add_output(std::unique_ptr<EventOutput> out, events::EventTypeSet types);
  EventProducer& add_producer(std::size_t ring_bytes, bool wait_when_full);
  void start();
  // Writes everything still queued, flushes and closes the outputs, ends the thread. Call once
  // every producer has published its last event.
  void stop();

  [[nodiscard]] const std::string& probe_name() const { return probe_; }
  [[nodiscard]] std::uint64_t run() const { return run_; }
  [[nodiscard]] const std::vector<std::unique_ptr<Output>>& outputs() const { return outputs_; }
  // Events written to at least one output, or to none because no output takes their type.
  [[nodiscard]] std::uint64_t events_handled() const { return handled_.load(); }
  // Written by the capture side, read by the outputs' heartbeats.
  [[nodiscard]] CaptureHealth& capture_health() { return capture_health_; }

  static constexpr std::chrono::milliseconds kFlushInterval{100};
  // How long the stage sleeps with nothing to do: producers wake it only for a sizeable batch,
  // so this bounds how late a trickle of live events starts on its way to the outputs.
  static constexpr std::chrono::milliseconds kPollInterval{20};

 private:
  void run_thread();
  bool drain();
  void deliver(const RingRecord& record);
  void write_outputs_member(std::string_view stats_json);
  void flush_all();

  std::string probe_;
  std::string probe_json_;  // ,"probe":"NAME","seq":
  std::uint64_t run_;
  std::vector<std::unique_ptr<Output>> outputs_;
  std::vector<std::unique_ptr<EventProducer>> producers_;
  Doorbell data_bell_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> handled_{0};
  CaptureHealth capture_health_;
  std::thread thread_;
  bool started_ = false;
  events::ByteBuffer line_;
  events::ByteBuffer outputs_json_;  // a stats event's "outputs" member, then its closing braces
};

}  // namespace limen::output
