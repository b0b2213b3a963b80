// ModuleMemory: a detection module's own allocations land in its region and only those; the
// region is emptied and reused when the module goes, so building and freeing far more modules
// than there are regions keeps working; anything that does not fit goes to malloc.

#include "probe/classify/ndpi_memory.h"

#include <gtest/gtest.h>
#include <ndpi_api.h>

#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "probe/classify/ndpi_classifier.h"

namespace limen::classify {
namespace {

ndpi_detection_module_struct* build_module(ModuleMemory& memory) {
  const ModuleMemory::Building building(memory);
  ndpi_detection_module_struct* module = ndpi_init_detection_module(ndpi_no_prefs);
  if (module == nullptr) return nullptr;
  NDPI_PROTOCOL_BITMASK all;
  NDPI_BITMASK_SET_ALL(all);
  ndpi_set_protocol_detection_bitmask2(module, &all);
  ndpi_finalize_initialization(module);
  return module;
}

TEST(NdpiModuleMemory, AModulesOwnAllocationsLandInItsRegion) {
  ModuleMemory memory;
  ASSERT_TRUE(memory.has_region());
  ndpi_detection_module_struct* module = build_module(memory);
  ASSERT_NE(module, nullptr);
  // nDPI 4.2 builds some 5 MiB of lists and automata.
  EXPECT_GT(memory.used(), std::size_t{1} << 20);
  EXPECT_LT(memory.used(), ModuleMemory::kRegionBytes);
  ndpi_exit_detection_module(module);
}

TEST(NdpiModuleMemory, OnlyTheBuildingThreadUsesTheRegion) {
  ModuleMemory memory;
  ASSERT_TRUE(memory.has_region());
  void* mine = nullptr;
  void* other = nullptr;
  {
    const ModuleMemory::Building building(memory);
    mine = ndpi_malloc(100);
    std::thread([&] { other = ndpi_malloc(100); }).join();
  }
  void* after = ndpi_malloc(100);
  EXPECT_TRUE(ModuleMemory::in_regions(mine));
  EXPECT_FALSE(ModuleMemory::in_regions(other));
  EXPECT_FALSE(ModuleMemory::in_regions(after));
  std::memset(mine, 0xAB, 100);
  ndpi_free(mine);  // nothing happens: it goes with the region
  ndpi_free(other);
  ndpi_free(after);
}

TEST(NdpiModuleMemory, WhatDoesNotFitGoesToMalloc) {
  ModuleMemory memory;
  ASSERT_TRUE(memory.has_region());
  EXPECT_EQ(memory.take(ModuleMemory::kRegionBytes + 1), nullptr);
  EXPECT_EQ(memory.take(SIZE_MAX), nullptr);
  EXPECT_NE(memory.take(ModuleMemory::kRegionBytes - 64), nullptr);
  const ModuleMemory::Building building(memory);
  void* big = ndpi_malloc(1000);  // larger than what is left
  ASSERT_NE(big, nullptr);
  EXPECT_FALSE(ModuleMemory::in_regions(big));
  ndpi_free(big);
}

TEST(NdpiModuleMemory, RegionsAreReusedSoModulesNeverRunOut) {
  // Twice as many classifiers as regions, one after another, each classifying a DNS query:
  // every one gets a region (released ones are reused) and works from emptied memory.
  const std::uint8_t dns[] = {0x45, 0,    0,   57,  0,   1,  0,   0,   64,  17, 0, 0, 10, 0,   0,
                              1,    10,   0,   0,   2,                // IPv4
                              0x30, 0x39, 0,   53,  0,   37, 0,   0,  // UDP
                              0x12, 0x34, 1,   0,   0,   1,  0,   0,   0,   0,  0, 0, 7,  'e', 'x',
                              'a',  'm',  'p', 'l', 'e', 3,  'c', 'o', 'm', 0,  0, 1, 0,  1};
  for (std::size_t i = 0; i < 2 * ModuleMemory::kRegions; ++i) {
    std::string error;
    auto classifier = NdpiClassifier::create(ClassifierConfig{}, error);
    ASSERT_NE(classifier, nullptr) << error;
    ClassifyState state;
    classifier->process(state, dns, true, TcpHandshake{}, Timestamp::from_seconds(1));
    if (!state.final) classifier->finish(state);
    EXPECT_EQ(classifier->app_name(state), "dns") << i;
  }
  ModuleMemory memory;
  EXPECT_TRUE(memory.has_region());
}

}  // namespace
}  // namespace limen::classify
