#pragma once
// Where nDPI's memory comes from while a detection module is built.
//
// Building a module (ndpi_init_detection_module, then finalisation) makes tens of thousands of
// small allocations, its address lists and host automata, 5 MiB in all that live exactly as
// long as the module. Through malloc, with a page fault per 4 KiB as they land, that was 27 ms
// of a 50 ms start-up; carved from a region of the module's own (huge pages, a pointer bump) it
// is 8 ms. So while a ModuleMemory::Building lives, its thread's nDPI allocations come from the
// module's region, and frees of region memory do nothing; the region is emptied and given back
// when the ModuleMemory goes, after the module was freed. Every other nDPI allocation (per-flow
// host names, certificates, buffers; other threads' allocations) goes to malloc and free.
//
// nDPI's allocation hooks are process-wide: they are installed once, on first use. Regions are
// cut from one reservation of address space made then, so the free hook knows region memory by
// one range check, from any thread. When no region is free, or the reservation could not be
// made, or a region is full, allocations simply go to malloc: slower, never wrong.

#include <cstddef>

namespace limen::classify {

class ModuleMemory {
 public:
  static constexpr std::size_t kRegionBytes = std::size_t{32} << 20;
  static constexpr std::size_t kRegions = 64;

  ModuleMemory();  // takes a free region, if any
  ~ModuleMemory();
  ModuleMemory(const ModuleMemory&) = delete;
  ModuleMemory& operator=(const ModuleMemory&) = delete;

  // This thread's nDPI allocations go to `memory`'s region while it lives (not nestable).
  class Building {
   public:
    explicit Building(ModuleMemory& memory);
    ~Building();
    Building(const Building&) = delete;
    Building& operator=(const Building&) = delete;
  };

  [[nodiscard]] bool has_region() const { return region_ != nullptr; }
  [[nodiscard]] std::size_t used() const { return used_; }  // bytes carved so far

  // The hooks' halves, public for tests: an allocation for the building thread, or nullptr
  // when it must go to malloc; whether `p` lies in some region.
  void* take(std::size_t bytes);
  static bool in_regions(const void* p);

 private:
  int slot_ = -1;
  char* region_ = nullptr;
  std::size_t used_ = 0;
};

}  // namespace limen::classify
