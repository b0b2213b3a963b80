#include "common/mapped_memory.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <utility>
#include <vector>

namespace limen {
namespace {

TEST(MappedMemory, IsZeroedWritableAndRoundedToPages) {
  for (auto pages :
       {MappedMemory::Pages::Small, MappedMemory::Pages::Default, MappedMemory::Pages::Huge}) {
    MappedMemory m(10000, pages);
    ASSERT_NE(m.data(), nullptr);
    EXPECT_GE(m.bytes(), 10000U);
    EXPECT_EQ(m.bytes() % 4096, 0U);
    auto* p = static_cast<std::uint8_t*>(m.data());
    for (std::size_t i = 0; i < m.bytes(); i += 997) EXPECT_EQ(p[i], 0);
    std::memset(p, 0xAB, m.bytes());
    EXPECT_EQ(p[m.bytes() - 1], 0xAB);
  }
}

// Pages of `m` the kernel has backed, by mincore.
std::size_t resident_pages(const MappedMemory& m) {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> in(m.bytes() / page);
  if (::mincore(m.data(), m.bytes(), in.data()) != 0) return SIZE_MAX;
  std::size_t n = 0;
  for (unsigned char c : in) n += c & 1U;
  return n;
}

TEST(MappedMemory, HugePagesStartAndEndOnTwoMebibyteBoundaries) {
  constexpr std::size_t kHuge = std::size_t{2} << 20;
  MappedMemory m(5 * kHuge / 2 + 100, MappedMemory::Pages::Huge);  // 5.25 MiB: not a multiple
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(m.data()) % kHuge, 0U);
  EXPECT_EQ(m.bytes(), 3 * kHuge);
  std::memset(m.data(), 0x5A, m.bytes());  // all of it is ours
  // Below one huge page the ordinary rounding holds.
  MappedMemory small(kHuge - 4096 - 1, MappedMemory::Pages::Huge);
  EXPECT_EQ(small.bytes(), kHuge - 4096);
}

TEST(MappedMemory, PopulateBacksEveryPageAndKeepsTheContent) {
  MappedMemory m(std::size_t{1} << 20, MappedMemory::Pages::Small);
  auto* p = static_cast<std::uint8_t*>(m.data());
  EXPECT_EQ(resident_pages(m), 0U);  // nothing touched yet
  p[5000] = 7;
  if (!m.populate()) GTEST_SKIP() << "this kernel cannot populate a mapping (before Linux 5.14)";
  EXPECT_EQ(resident_pages(m), m.bytes() / static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)));
  EXPECT_EQ(p[5000], 7);
  EXPECT_EQ(p[0], 0);
  EXPECT_EQ(p[m.bytes() - 1], 0);
  EXPECT_TRUE(MappedMemory().populate());  // nothing to back
}

TEST(MappedMemory, PopulatesAPartWidenedToPagesAndClippedToTheMapping) {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  MappedMemory m(16 * page, MappedMemory::Pages::Small);
  if (!m.populate(page + 1, 1)) GTEST_SKIP() << "this kernel cannot populate a mapping";
  EXPECT_EQ(resident_pages(m), 1U);  // the page holding byte page + 1
  EXPECT_TRUE(m.populate(14 * page, 100 * page));  // runs past the end: clipped
  EXPECT_EQ(resident_pages(m), 3U);
  EXPECT_TRUE(m.populate(16 * page, page));  // wholly outside: nothing to do
  EXPECT_EQ(resident_pages(m), 3U);
}

TEST(MappedMemory, MovesOwnership) {
  MappedMemory a(4096, MappedMemory::Pages::Default);
  void* data = a.data();
  MappedMemory b(std::move(a));
  EXPECT_EQ(b.data(), data);
  EXPECT_EQ(a.data(), nullptr);  // NOLINT(bugprone-use-after-move): the moved-from state
  MappedMemory c;
  c = std::move(b);
  EXPECT_EQ(c.data(), data);
  static_cast<std::uint8_t*>(c.data())[0] = 1;
  MappedMemory empty(0, MappedMemory::Pages::Huge);
  EXPECT_EQ(empty.data(), nullptr);
  EXPECT_EQ(empty.bytes(), 0U);
}

TEST(MappedMemory, ImpossibleSizesThrowBadAlloc) {
  const std::size_t max = std::numeric_limits<std::size_t>::max();
  EXPECT_THROW(MappedMemory(max - 10, MappedMemory::Pages::Default), std::bad_alloc);
  EXPECT_THROW(MappedMemory(max / 2, 3, MappedMemory::Pages::Default), std::bad_alloc);
  EXPECT_THROW(MappedMemory(std::size_t{1} << 62, MappedMemory::Pages::Small), std::bad_alloc);
}

}  // namespace
}  // namespace limen
