// ReservedArray and ZeroedArray: elements constructed on first use only and destroyed only if
// constructed, zero pages as the initial value, and a huge reservation that costs no memory.

#include "probe/flow/reserved_array.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <limits>
#include <new>

namespace limen::flow {
namespace {

int g_alive = 0;

struct Counted {
  Counted() { ++g_alive; }
  ~Counted() { --g_alive; }
  Counted(const Counted&) = delete;
  Counted& operator=(const Counted&) = delete;
  std::uint64_t value = 7;
};

// Resident set size in bytes, from /proc/self/statm (second field, in pages).
std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * 4096;
}

TEST(FlowReservedArray, ConstructsOnFirstUseAndDestroysOnlyThose) {
  g_alive = 0;
  {
    ReservedArray<Counted> a(1000);
    EXPECT_EQ(a.size(), 1000U);
    EXPECT_EQ(a.constructed(), 0U);
    EXPECT_EQ(g_alive, 0);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(a.construct_next().value, 7U);
    EXPECT_EQ(a.constructed(), 3U);
    EXPECT_EQ(g_alive, 3);
    a[1].value = 9;
    EXPECT_EQ(a.index_of(a[1]), 1U);
    EXPECT_EQ(a[1].value, 9U);
  }
  EXPECT_EQ(g_alive, 0);
}

TEST(FlowReservedArray, FillsToCapacityAcrossPoisonWindows) {
  // More elements than one poisoned window holds, so the window moves on several times.
  g_alive = 0;
  {
    ReservedArray<Counted> a(30000);
    for (std::size_t i = 0; i < a.size(); ++i) a.construct_next().value = i;
    for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i].value, i);
    EXPECT_EQ(g_alive, 30000);
  }
  EXPECT_EQ(g_alive, 0);
}

TEST(FlowReservedArray, ZeroSizeIsEmpty) {
  ReservedArray<Counted> a(0);
  ZeroedArray<std::uint32_t> z(0);
  EXPECT_EQ(a.size(), 0U);
  EXPECT_EQ(z.size(), 0U);
}

TEST(FlowReservedArray, ZeroedArrayReadsZeroUntilWritten) {
  ZeroedArray<std::uint32_t> z(1 << 20);
  EXPECT_EQ(z[0], 0U);
  EXPECT_EQ(z[(1 << 20) - 1], 0U);
  z[12345] = 42;
  EXPECT_EQ(z[12345], 42U);
  EXPECT_EQ(z[12346], 0U);
}

TEST(FlowReservedArray, HugeReservationCostsNoMemory) {
  const std::size_t before = resident_bytes();
  ReservedArray<Counted> a(std::size_t{1} << 30);  // 8 GiB of address space
  ZeroedArray<std::uint32_t> z(std::size_t{1} << 30);
  a.construct_next();
  z[std::size_t{1} << 29] = 1;
  EXPECT_LT(resident_bytes() - before, std::size_t{16} << 20);
}

TEST(FlowReservedArray, ImpossibleReservationThrowsBadAlloc) {
  EXPECT_THROW(ReservedArray<Counted>(std::numeric_limits<std::size_t>::max() / 4),
               std::bad_alloc);  // the size in bytes overflows
  EXPECT_THROW(ReservedArray<Counted>(std::size_t{1} << 45), std::bad_alloc);  // 256 TiB
  EXPECT_THROW(ZeroedArray<std::uint32_t>(std::size_t{1} << 62), std::bad_alloc);
}

}  // namespace
}  // namespace limen::flow
