// Worker behaviour for a busy boundary: SYN-only flows hold no classification state, an
// undecided tcp/102 flow holds bounded memory, and a rule program swapped in between bursts
// judges flows again reporting only what changed.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "dissectors/registry.h"
#include "probe/output/output_stage.h"
#include "probe/pipeline/worker.h"
#include "tests/dissectors/frame_builder.h"
#include "tests/support/test_paths.h"

namespace limen::pipeline {
namespace {

using namespace decode::test;

class Lines final : public output::EventOutput {
 public:
  explicit Lines(std::vector<std::string>& lines) : lines_(lines) {}
  void write(std::string_view, std::uint64_t, std::uint64_t, std::string_view line) override {
    lines_.emplace_back(line);
    ++counters_.written;
  }
  void flush() override {}
  void close() override {}
  [[nodiscard]] std::string describe() const override { return "lines"; }

 private:
  std::vector<std::string>& lines_;
};

struct Rig {
  explicit Rig(const char* rules_text = nullptr, std::size_t max_flows = 262144) {
    std::string error;
    classifier = classify::NdpiClassifier::create({}, error);
    if (rules_text != nullptr) program = compile(rules_text);
    stage.add_output(std::make_unique<Lines>(lines), events::EventTypeSet::all());
    WorkerConfig wc;
    wc.flows.max_flows = max_flows;
    worker = std::make_unique<Worker>(wc, program, *classifier, events);
    stage.start();
  }
  std::shared_ptr<const rules::RuleProgram> compile(const char* text) {
    const auto dir = limen::testing::make_temp_dir("worker_test");
    { std::ofstream(dir / "r.rules") << text; }
    rules::CompileOptions options;
    options.known_apps = classifier->protocol_names();
    auto r = rules::compile_file(dir / "r.rules", options);
    EXPECT_TRUE(r.ok());
    std::filesystem::remove_all(dir);
    return r.program;
  }
  void packet(std::int64_t usec, const Bytes& frame) {
    capture::RawPacket p;
    p.ts = Timestamp{usec};
    p.data = frame;
    p.wire_length = static_cast<std::uint32_t>(frame.size());
    worker->on_packet(p);
  }
  std::vector<nlohmann::json> findings() {
    events.sync();
    std::vector<nlohmann::json> out;
    for (const auto& l : lines) {
      auto j = nlohmann::json::parse(l);
      if (j["event_type"] == "finding") out.push_back(j);
    }
    return out;
  }
  ~Rig() {
    worker->finish({});
    stage.stop();
  }

  std::vector<std::string> lines;
  std::unique_ptr<classify::NdpiClassifier> classifier;
  std::shared_ptr<const rules::RuleProgram> program;
  output::OutputStage stage{"t", 1};
  output::EventProducer& events = stage.add_producer(1 << 20, true);
  std::unique_ptr<Worker> worker;
};

Bytes tcp_frame(std::uint8_t src_last, std::uint16_t sport, std::uint16_t dport, std::uint32_t seq,
                std::uint32_t ack, std::uint8_t flags, std::span<const std::uint8_t> payload = {},
                bool reverse = false) {
  Ipv4Opts o;
  o.src = {10, 0, 0, src_last};
  o.dst = {10, 0, 9, 9};
  if (reverse) std::swap(o.src, o.dst);
  return ethernet(0x0800, ipv4(o, tcp(reverse ? dport : sport, reverse ? sport : dport, seq, ack,
                                      flags, 1024, payload)));
}

TEST(Worker, SynOnlyFlowsHoldNoClassificationState) {
  Rig rig;
  for (std::uint8_t i = 1; i < 200; ++i)
    rig.packet(i * 1000, tcp_frame(i, 40000, 443, 1000, 0, 0x02));
  EXPECT_EQ(rig.classifier->counters().held, 0U);
  EXPECT_EQ(rig.classifier->counters().held_peak, 0U);
  // An answered connection does take one, and gives it back once classified or given up.
  rig.packet(300000, tcp_frame(1, 40000, 443, 5000, 1001, 0x12, {}, true));
  EXPECT_EQ(rig.classifier->counters().held, 1U);
  for (int i = 0; i < 20; ++i) rig.packet(301000 + i, tcp_frame(1, 40000, 443, 1001, 5001, 0x10));
  EXPECT_EQ(rig.classifier->counters().held, 0U);
}

TEST(Worker, SynFloodEvictsHalfOpenFlowsNotTheEstablishedOne) {
  Rig rig(nullptr, 64);
  // One real connection, then a flood of SYNs from many sources.
  rig.packet(0, tcp_frame(1, 40000, 502, 1000, 0, 0x02));
  rig.packet(1, tcp_frame(1, 40000, 502, 7000, 1001, 0x12, {}, true));
  rig.packet(2, tcp_frame(1, 40000, 502, 1001, 7001, 0x10));
  for (int i = 0; i < 2000; ++i) {
    Ipv4Opts o;
    o.src = {172, 16, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)};
    o.dst = {10, 0, 9, 9};
    rig.packet(10 + i, ethernet(0x0800, ipv4(o, tcp(1024, 80, 1, 0, 0x02, 1024, {}))));
  }
  const Bytes request{0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 1};  // Modbus read of one register
  rig.packet(5000, tcp_frame(1, 40000, 502, 1001, 7001, 0x18, request));
  rig.worker->finish({});
  rig.events.sync();
  const auto& fc = rig.worker->flows().counters();
  EXPECT_EQ(fc.overflow, 0U);
  EXPECT_GE(fc.evicted, 1900U);
  int evicted = 0, modbus_flows = 0;
  for (const auto& l : rig.lines) {
    auto j = nlohmann::json::parse(l);
    if (j["event_type"] != "flow") continue;
    if (j["flow"]["reason"] == "evicted") ++evicted;
    if (j["dest_port"] == 502) {
      ++modbus_flows;
      EXPECT_EQ(j["flow"]["reason"], "end_of_capture");  // never evicted, one record
      EXPECT_EQ(j["flow"]["pkts_toserver"], 3);
    }
  }
  EXPECT_EQ(evicted, static_cast<int>(fc.evicted));
  EXPECT_EQ(modbus_flows, 1);
}

TEST(Worker, UndecidedCotpFlowIsAbandonedPastItsBound) {
  Rig rig;
  rig.packet(0, tcp_frame(1, 40000, 102, 1000, 0, 0x02));
  rig.packet(1, tcp_frame(1, 40000, 102, 7000, 1001, 0x12, {}, true));
  rig.packet(2, tcp_frame(1, 40000, 102, 1001, 7001, 0x10));
  // Garbage that never forms a COTP data unit, well past the bound.
  const Bytes junk(1000, 0xEE);
  std::uint32_t seq = 1001;
  for (int i = 0; i < 20; ++i, seq += 1000) rig.packet(10 + i, tcp_frame(1, 40000, 102, seq, 7001, 0x18, junk));
  rig.events.sync();
  // Stats say so at the end; read the counter through a stats event.
  rig.worker->finish({});
  rig.events.sync();
  bool seen = false;
  for (const auto& l : rig.lines) {
    auto j = nlohmann::json::parse(l);
    if (j["event_type"] != "stats") continue;
    EXPECT_EQ(j["stats"]["app_layer"]["undecided_abandoned"], 1);
    EXPECT_LE(j["stats"]["tcp_reassembly"]["bytes"].get<std::uint64_t>(), 20000U);
    seen = true;
  }
  EXPECT_TRUE(seen);
}

TEST(Worker, ProgramSwapReportsOnlyWhatChanged) {
  Rig rig(R"(zone a critical 10.0.0.0/24
zone b other 10.0.9.0/24
alert 10 a -> b tcp/8080 "first alert"
deny 20 a -> b tcp/8080 "denied"
default deny
)");
  rig.packet(0, tcp_frame(1, 40000, 8080, 1000, 0, 0x02));
  ASSERT_EQ(rig.findings().size(), 2U);  // the alert and the denied flow
  // Same rules again plus one more alert: only the new alert is reported.
  rig.worker->set_program(rig.compile(R"(zone a critical 10.0.0.0/24
zone b other 10.0.9.0/24
alert 5 a -> b any "new alert"
alert 10 a -> b tcp/8080 "first alert"
deny 20 a -> b tcp/8080 "denied"
default deny
)"));
  rig.packet(1000, tcp_frame(1, 40000, 8080, 1000, 0, 0x02));
  auto f = rig.findings();
  ASSERT_EQ(f.size(), 3U);
  EXPECT_EQ(f[2]["finding"]["rule_id"], 5);
  // A program that allows the flow: no new finding, and the flow record names the new verdict.
  rig.worker->set_program(rig.compile(R"(zone a critical 10.0.0.0/24
zone b other 10.0.9.0/24
allow 30 a -> b tcp/8080
default deny
)"));
  rig.packet(2000, tcp_frame(1, 40000, 8080, 1000, 0, 0x02));
  EXPECT_EQ(rig.findings().size(), 3U);
  EXPECT_EQ(rig.worker->counters().program_swaps, 2U);
}

}  // namespace
}  // namespace limen::pipeline
