// The flow table's memory: nothing is touched at construction, so a table sized far beyond the
// traffic costs address space only, and the slot of a flow (index_of) stays put for its life.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <utility>
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

TEST(FlowTableMemory, IndexOfIsStableForTheFlowsLife) {
  FlowConfig c;
  c.max_flows = 64;
  c.active_timeout_usec = 100 * kUsecPerSecond;
  c.udp_idle_usec = 1000 * kUsecPerSecond;
  Table t(c);
  std::vector<std::uint32_t> index(8);
  std::vector<bool> used(64, false);
  for (std::uint32_t n = 0; n < 8; ++n) {
    auto h = t.track(nth_flow(n), sec(0), 60);
    index[n] = t.index_of(*h.entry);
    ASSERT_LT(index[n], t.capacity());
    ASSERT_FALSE(used[index[n]]) << "two live flows share a slot";
    used[index[n]] = true;
  }
  // Packets in both directions, other flows coming and going, and an active-timeout restart.
  for (std::uint32_t round = 1; round <= 3; ++round) {
    auto other = t.track(nth_flow(100 + round), sec(round * 50), 60);
    std::vector<std::uint32_t> ended;
    t.expire(sec(round * 50), [&](Table::Entry& e, EndReason) { ended.push_back(t.index_of(e)); });
    for (std::uint32_t n = 0; n < 8; ++n) {
      auto back = nth_flow(n);
      std::swap(back.src, back.dst);
      std::swap(back.src_port, back.dst_port);
      auto h = t.track(back, sec(round * 50), 60);
      ASSERT_FALSE(h.created);
      ASSERT_EQ(t.index_of(*h.entry), index[n]);
    }
    ASSERT_NE(t.index_of(*other.entry), index[0]);
  }
  EXPECT_GT(t.counters().restarted, 0U);
}

TEST(FlowTableMemory, FreedSlotsAreReusedBeforeFreshOnes) {
  // Memory follows the peak of live flows: a table that keeps 4 flows at a time never uses a
  // fifth slot, however many flows pass through it.
  FlowConfig c;
  c.max_flows = 1024;
  Table t(c);
  std::vector<std::uint32_t> seen;
  for (std::uint32_t round = 0; round < 50; ++round) {
    for (std::uint32_t n = 0; n < 4; ++n) {
      auto h = t.track(nth_flow(round * 4 + n), sec(round * 1000), 60);
      ASSERT_NE(h.entry, nullptr);
      ASSERT_LT(t.index_of(*h.entry), 4U);
    }
    t.expire(sec(round * 1000 + 500), [](Table::Entry&, EndReason) {});
    ASSERT_EQ(t.counters().active, 0U);
  }
}

}  // namespace
}  // namespace limen::flow
