#include "common/mapped_memory.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <utility>

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
