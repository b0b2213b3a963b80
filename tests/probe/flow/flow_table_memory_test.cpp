// The flow table's memory: nothing is touched at construction, so a table sized far beyond the
// traffic costs address space only, and the slot of a flow (index_of) stays put for its life.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <vector>

#include "flow_test_util.h"
#include "probe/flow/flow_table.h"

namespace limen::flow {
namespace {

using test::sec;

struct TestState {
  int value = 0;
};
using Table = FlowTable<TestState>;

// Resident set size in bytes, from /proc/self/statm (second field, in pages).
std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * 4096;
}

decode::DecodedPacket nth_flow(std::uint32_t n) {
  auto p = test::udp("10.0.0.1", static_cast<std::uint16_t>(n), "10.0.0.2", 53);
  p.src = IpAddress::v4(0x0A000000U + (n >> 16));
  return p;
}

TEST(FlowTableMemory, HugeTableIsCheapToBuildAndWorks) {
  FlowConfig c;
  c.max_flows = 50'000'000;  // about 11 GiB of entries, slots and buckets if it were touched
  const std::size_t before = resident_bytes();
  const auto t0 = std::chrono::steady_clock::now();
  auto t = std::make_unique<Table>(c);
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(resident_bytes() - before, std::size_t{64} << 20);
  EXPECT_LT(elapsed, std::chrono::milliseconds(50));
  EXPECT_EQ(t->capacity(), 50'000'000U);

  std::vector<Table::Entry*> entries;
  for (std::uint32_t n = 0; n < 2000; ++n) {
    auto h = t->track(nth_flow(n), sec(1), 60);
    ASSERT_NE(h.entry, nullptr);
    h.entry->state.value = static_cast<int>(n);
    entries.push_back(h.entry);
  }
  for (std::uint32_t n = 0; n < 2000; ++n) {
    auto h = t->track(nth_flow(n), sec(2), 60);
    ASSERT_EQ(h.entry, entries[n]);
    ASSERT_FALSE(h.created);
  }
  // Each flow may touch one page of the bucket array, at random, plus its share of two arrays.
  EXPECT_LT(resident_bytes() - before, std::size_t{64} << 20);
  std::size_t ended = 0;
  t->flush(EndReason::EndOfCapture, [&ended](Table::Entry& e, EndReason) {
    EXPECT_EQ(e.state.value, static_cast<int>(ended));
    ++ended;
  });
  EXPECT_EQ(ended, 2000U);
  EXPECT_EQ(t->counters().active, 0U);
}

}  // namespace
}  // namespace limen::flow
