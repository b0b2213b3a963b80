// Once warm, the whole worker — decode, flows, classification, dissectors, rules, EVE writer, the
// ring to the output stage — performs no heap allocation per packet, per transaction or per
// event. Global operator new is counted in this binary; real captures are replayed twice, the
// second time shifted in time so that every flow, session and event happens again.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "probe/capture/packet_source.h"
#include "probe/classify/ndpi_classifier.h"
#include "probe/output/file_output.h"
#include "probe/output/output_stage.h"
#include "probe/pipeline/worker.h"
#include "tests/support/counting_allocator.h"
#include "tests/support/test_paths.h"

namespace limen::pipeline {
namespace {

// Moves every packet by a fixed time, so a second pass makes new flows of the same keys.
class Shifted final : public capture::PacketHandler {
 public:
  Shifted(Worker& worker, std::int64_t offset_usec) : worker_(worker), offset_(offset_usec) {}
  void on_packet(const capture::RawPacket& p) override {
    capture::RawPacket q = p;
    q.ts.usec += offset_;
    worker_.on_packet(q);
  }

 private:
  Worker& worker_;
  std::int64_t offset_;
};

// Rules that judge every flow and look at every transaction: zones over all addresses,
// conditions on operations and fields, regular expressions included.
constexpr const char* kRules = R"(zone low other 0.0.0.0/1
zone high critical 128.0.0.0/1
zone low6 other ::/1
zone high6 critical 8000::/1
allow 100 low -> high tcp/502 modbus if operation == read
alert 200 any -> any if operation in {write, control, program} severity high "change"
deny 300 any -> any tcp/102 if operation == program
alert 400 any -> any tcp/20000 dnp3 "dnp3 seen"
alert 450 any -> any tcp/502 if modbus.function ~ /^(write|read)_(single|multiple)_/ "named"
allow 500 any -> any udp/53
default deny severity low
)";

std::vector<std::filesystem::path> captures() {
  std::vector<std::filesystem::path> files;
  files.push_back(limen::testing::source_dir() / "pcaps" / "demo.pcap");
  if (auto shared = limen::testing::shared_pcaps_dir()) {
    for (const char* dir : {"ics/ModbusTCP", "ics/dnp3", "ics/IEC60870-5-104", "ics/s7",
                            "ics/EthernetIP", "ics/BACnet", "ics/IEC61850", "ics/OPC"}) {
      if (!std::filesystem::is_directory(*shared / dir)) continue;
      for (const auto& e : std::filesystem::recursive_directory_iterator(*shared / dir))
        if (e.path().extension() == ".pcap") files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(WorkerAllocation, SecondReplayOfRealCapturesDoesNotAllocate) {
  const auto dir = limen::testing::make_temp_dir("worker_alloc");
  { std::ofstream(dir / "alloc.rules") << kRules; }
  std::string error;
  auto classifier = classify::NdpiClassifier::create({}, error);
  ASSERT_TRUE(classifier) << error;
  rules::CompileOptions options;
  options.known_apps = classifier->protocol_names();
  for (const auto& d : dissect::kDissectors)
    options.schemas.push_back(rules::ProtocolSchema{d.protocol, d.schema()});
  auto compiled = rules::compile_file(dir / "alloc.rules", options);
  ASSERT_TRUE(compiled.ok()) << (compiled.diagnostics.empty() ? "" : compiled.diagnostics[0].to_string());

  output::OutputStage stage("alloc", 1);
  auto out = output::FileOutput::open((dir / "eve.json").string(), error);
  ASSERT_TRUE(out) << error;
  stage.add_output(std::move(out), events::EventTypeSet::all());
  output::EventProducer& events = stage.add_producer(16 << 20, true);
  WorkerConfig wc;
  Worker worker(wc, compiled.program, *classifier, events);
  stage.start();

  const auto files = captures();
  ASSERT_FALSE(files.empty());
  // Far enough apart that every flow of a pass has timed out before the next one.
  constexpr std::int64_t kPassOffset = 400LL * 24 * 3600 * kUsecPerSecond;
  std::size_t allocations[2] = {0, 0};
  std::uint64_t events_in_pass[2] = {0, 0};
  std::uint64_t flows_in_pass[2] = {0, 0};
  for (int pass = 0; pass < 2; ++pass) {
    Shifted shifted(worker, pass * kPassOffset);
    const std::uint64_t events_before = worker.counters().events;
    const std::uint64_t flows_before = worker.counters().flow_events;
    for (const auto& file : files) {
      auto src = capture::open_file(file, error);
      if (!src) continue;  // not a capture we read (its own tests say why)
      worker.set_link_type(src->link_type());
      const std::size_t before = limen::testing::allocations();
      while (true) {
        const auto st = src->dispatch(shifted, 64);
        if (st != capture::ReadStatus::Packets) break;
        worker.end_of_burst();
      }
      allocations[pass] += limen::testing::allocations() - before;
    }
    // End every flow of this pass (timeouts) before the next one starts.
    const std::size_t before = limen::testing::allocations();
    worker.advance(Timestamp{worker.clock().usec + kPassOffset / 2});
    worker.end_of_burst();
    allocations[pass] += limen::testing::allocations() - before;
    events_in_pass[pass] = worker.counters().events - events_before;
    flows_in_pass[pass] = worker.counters().flow_events - flows_before;
  }
  worker.finish({});
  stage.stop();
  // The regex rule did judge transactions (and so ran on the warm worker).
  const auto& by_rule = worker.counters().findings_by_rule;
  EXPECT_TRUE(by_rule.contains(450) && by_rule.at(450) > 0);

  EXPECT_GT(allocations[0], 0U);  // the counter does see the warm-up
  EXPECT_GT(events_in_pass[1], 1000U);
  // The same flows again (stats events fall differently on the shifted clock).
  EXPECT_EQ(flows_in_pass[0], flows_in_pass[1]);
  EXPECT_EQ(allocations[1], 0U) << "over " << files.size() << " captures, "
                                << events_in_pass[1] << " events";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace limen::pipeline
