#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "probe/output/event_ring.h"
#include "probe/output/output_stage.h"

namespace limen::output {
namespace {

// Records what it is given; can be made slow to fill the ring.
class MemoryOutput final : public EventOutput {
 public:
  struct Shared {
    std::mutex mutex;
    std::vector<std::string> lines;
    std::vector<std::uint64_t> seqs;
    std::atomic<int> flushes{0};
    std::atomic<bool> closed{false};
    std::atomic<int> delay_us{0};
  };
  explicit MemoryOutput(Shared& shared, std::string name) : s_(shared), name_(std::move(name)) {}
  void write(std::string_view, std::uint64_t, std::uint64_t seq, std::string_view line) override {
    if (s_.delay_us != 0) std::this_thread::sleep_for(std::chrono::microseconds(s_.delay_us));
    std::lock_guard lock(s_.mutex);
    s_.lines.emplace_back(line);
    s_.seqs.push_back(seq);
    ++counters_.written;
  }
  void flush() override { ++s_.flushes; }
  void close() override { s_.closed = true; }
  [[nodiscard]] std::string describe() const override { return name_; }

 private:
  Shared& s_;
  std::string name_;
};

std::string event_json(int i, const char* type) {
  return std::string(R"({"timestamp":"t","event_type":")") + type + R"(","n":)" +
         std::to_string(i) + "}";
}

events::EventTypeSet types(const char* text) {
  std::string error;
  return *events::EventTypeSet::parse(text, error);
}

events::EncodedEvent encoded(const std::string& json, events::EventCode code) {
  return events::EncodedEvent{json, static_cast<std::uint32_t>(json.find(",\"n\"")), code};
}

TEST(EventRing, RecordsComeOutInOrderAcrossTheWrap) {
  Doorbell bell;
  EventRing ring(64 << 10, bell);
  std::uint64_t next_in = 0, next_out = 0;
  std::string big(3000, 'x');
  for (int round = 0; round < 200; ++round) {
    while (true) {
      const std::string s = std::to_string(next_in) + ":" + big.substr(0, next_in * 37 % 3000);
      if (!ring.try_push({s, 0, static_cast<std::uint8_t>(next_in % 7)})) break;
      ++next_in;
    }
    EXPECT_FALSE(ring.has_published());  // nothing visible before publish()
    ring.publish();
    ring.consume([&](const RingRecord& r) {
      const std::string expect =
          std::to_string(next_out) + ":" + big.substr(0, next_out * 37 % 3000);
      ASSERT_EQ(r.json, expect);
      ASSERT_EQ(r.code, next_out % 7);
      ++next_out;
    });
    EXPECT_TRUE(ring.drained());
  }
  EXPECT_EQ(next_in, next_out);
  EXPECT_GT(next_in, 1000U);  // wrapped many times
}

TEST(EventRing, RefusesWhatDoesNotFit) {
  Doorbell bell;
  EventRing ring(64 << 10, bell);
  EXPECT_FALSE(ring.try_push({std::string(ring.max_json() + 1, 'x'), 0, 0}));
  EXPECT_TRUE(ring.try_push({std::string(ring.max_json(), 'x'), 0, 0}));
}

TEST(OutputStage, NumbersEachOutputAndRoutesByType) {
  MemoryOutput::Shared all, findings;
  OutputStage stage("probe-1", 9);
  stage.add_output(std::make_unique<MemoryOutput>(all, "all"), events::EventTypeSet::all());
  stage.add_output(std::make_unique<MemoryOutput>(findings, "findings"), types("finding"));
  EventProducer& p = stage.add_producer(1 << 20, true);
  stage.start();
  for (int i = 0; i < 1000; ++i) {
    const bool finding = i % 10 == 0;
    const std::string j = event_json(i, finding ? "finding" : "modbus");
    p.emit(encoded(
        j, finding ? events::kFindingEvent : events::transaction_code(dissect::Protocol::Modbus)));
    if (i % 64 == 0) p.publish();
  }
  p.sync();
  stage.stop();
  EXPECT_TRUE(all.closed);
  ASSERT_EQ(all.lines.size(), 1000U);
  ASSERT_EQ(findings.lines.size(), 100U);
  for (std::size_t i = 0; i < all.lines.size(); ++i) {
    const auto j = nlohmann::json::parse(all.lines[i]);
    EXPECT_EQ(j["seq"], i + 1);
    EXPECT_EQ(all.seqs[i], i + 1);
    EXPECT_EQ(j["n"], i);
    EXPECT_EQ(j["probe"], "probe-1");
  }
  // The second output has its own gapless sequence.
  for (std::size_t i = 0; i < findings.lines.size(); ++i) {
    const auto j = nlohmann::json::parse(findings.lines[i]);
    EXPECT_EQ(j["seq"], i + 1);
    EXPECT_EQ(j["n"], i * 10);
    // probe and seq sit right after event_type, where readers have always found them.
    EXPECT_NE(findings.lines[i].find(R"("event_type":"finding","probe":"probe-1","seq":)"),
              std::string::npos);
  }
  EXPECT_EQ(stage.events_handled(), 1000U);
}

TEST(OutputStage, ReplayWaitsForASlowOutputAndLosesNothing) {
  MemoryOutput::Shared out;
  out.delay_us = 20;
  OutputStage stage("p", 1);
  stage.add_output(std::make_unique<MemoryOutput>(out, "slow"), events::EventTypeSet::all());
  EventProducer& p = stage.add_producer(64 << 10, true);
  stage.start();
  const std::string filler(500, 'y');
  constexpr int kEvents = 3000;  // ~1.5 MB through a 64 KiB ring
  for (int i = 0; i < kEvents; ++i) {
    const std::string j = R"({"timestamp":"t","event_type":"flow","n":)" + std::to_string(i) +
                          R"(,"f":")" + filler + "\"}";
    p.emit(encoded(j, events::kFlowEvent));
  }
  p.sync();
  stage.stop();
  EXPECT_EQ(out.lines.size(), static_cast<std::size_t>(kEvents));
  EXPECT_EQ(p.counters().dropped, 0U);
  EXPECT_GT(p.counters().waits, 0U);
}

TEST(OutputStage, LiveCaptureCountsDropsInsteadOfWaiting) {
  MemoryOutput::Shared out;
  OutputStage stage("p", 1);
  stage.add_output(std::make_unique<MemoryOutput>(out, "m"), events::EventTypeSet::all());
  EventProducer& p = stage.add_producer(64 << 10, false);
  // Not started: nothing consumes, so the ring fills and the rest is dropped at once.
  const std::string filler(1000, 'z');
  const std::string j = R"({"timestamp":"t","event_type":"flow","n":1,"f":")" + filler + "\"}";
  for (int i = 0; i < 200; ++i) p.emit(encoded(j, events::kFlowEvent));
  EXPECT_GT(p.counters().dropped, 0U);
  EXPECT_EQ(p.counters().events + p.counters().dropped, 200U);
  p.publish();
  stage.stop();  // writes what was queued
  EXPECT_EQ(out.lines.size(), p.counters().events);
}

TEST(OutputStage, LiveOutputIsFlushedWithinTheInterval) {
  MemoryOutput::Shared out;
  OutputStage stage("p", 1);
  stage.add_output(std::make_unique<MemoryOutput>(out, "m"), events::EventTypeSet::all());
  EventProducer& p = stage.add_producer(1 << 20, false);
  stage.start();
  const std::string j = event_json(1, "flow");
  p.emit(encoded(j, events::kFlowEvent));
  p.publish();
  // Waits in steps for the flush (at most the interval after the write, plus scheduling).
  for (int i = 0; i < 100 && out.flushes == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GT(out.flushes.load(), 0);
  stage.stop();
}

TEST(OutputStage, StatsEventsEndWithEachOutputsCountsBeforeThem) {
  MemoryOutput::Shared all, stats_only;
  OutputStage stage("p", 1);
  stage.add_output(std::make_unique<MemoryOutput>(all, "all"), events::EventTypeSet::all());
  stage.add_output(std::make_unique<MemoryOutput>(stats_only, "stats"), types("stats"));
  EventProducer& p = stage.add_producer(1 << 20, true);
  stage.start();
  const std::string flow = event_json(1, "flow");
  for (int i = 0; i < 5; ++i) p.emit(encoded(flow, events::kFlowEvent));
  const std::string stats =
      R"({"timestamp":"t","event_type":"stats","n":2,"stats":{"output_queue":{"events":5}}})";
  p.emit(encoded(stats, events::kStatsEvent));
  p.emit(encoded(flow, events::kFlowEvent));
  p.emit(encoded(stats, events::kStatsEvent));
  p.sync();
  stage.stop();
  ASSERT_EQ(all.lines.size(), 8U);
  ASSERT_EQ(stats_only.lines.size(), 2U);
  const auto first = nlohmann::json::parse(all.lines[5]);
  EXPECT_EQ(first["stats"]["output_queue"]["events"], 5);
  ASSERT_EQ(first["stats"]["outputs"].size(), 2U);
  EXPECT_EQ(first["stats"]["outputs"][0]["name"], "all");
  EXPECT_EQ(first["stats"]["outputs"][0]["written"], 5);  // the events before it, not itself
  EXPECT_EQ(first["stats"]["outputs"][1]["name"], "stats");
  EXPECT_EQ(first["stats"]["outputs"][1]["written"], 0);
  const auto second = nlohmann::json::parse(stats_only.lines[1]);
  EXPECT_EQ(second["seq"], 2);
  EXPECT_EQ(second["stats"]["outputs"][0]["written"], 7);
  EXPECT_EQ(second["stats"]["outputs"][1]["written"], 1);
  EXPECT_EQ(all.lines[5].find("\"outputs\""), all.lines[5].rfind("\"outputs\""));
}

TEST(OutputStage, OversizeEventsAreCountedNotWritten) {
  MemoryOutput::Shared out;
  OutputStage stage("p", 1);
  stage.add_output(std::make_unique<MemoryOutput>(out, "m"), events::EventTypeSet::all());
  EventProducer& p = stage.add_producer(64 << 10, true);
  stage.start();
  const std::string huge =
      R"({"timestamp":"t","event_type":"flow","n":1,"f":")" + std::string(40000, 'q') + "\"}";
  p.emit(encoded(huge, events::kFlowEvent));
  p.sync();
  stage.stop();
  EXPECT_EQ(p.counters().oversize, 1U);
  EXPECT_TRUE(out.lines.empty());
}

}  // namespace
}  // namespace limen::output
