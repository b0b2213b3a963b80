#include "probe/classify/ndpi_memory.h"

#include <ndpi_api.h>
#include <sys/mman.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

#include "common/mapped_memory.h"

namespace limen::classify {
namespace {

static_assert(ModuleMemory::kRegions <= 64, "free regions are the bits of one word");

constexpr std::size_t kAlign = alignof(std::max_align_t);

struct Reservation {
  MappedMemory memory;
  char* begin = nullptr;
  char* end = nullptr;
  std::atomic<std::uint64_t> free_slots{0};
};

// Set once, before any region exists, then only read: the free hook may run on any thread.
std::atomic<char*> g_begin{nullptr};
std::atomic<char*> g_end{nullptr};

thread_local ModuleMemory* t_building = nullptr;

void* hook_malloc(size_t bytes) {
  if (ModuleMemory* m = t_building)
    if (void* p = m->take(bytes)) return p;
  return std::malloc(bytes);
}

void hook_free(void* p) {
  if (ModuleMemory::in_regions(p)) return;  // released with its region
  std::free(p);
}

Reservation& reservation() {
  // Never unmapped: a module freed during static destruction still frees into it. Made and
  // the hooks installed together, before the first module is built.
  static Reservation* r = [] {
    auto* res = new Reservation;
    try {
      res->memory = MappedMemory(ModuleMemory::kRegions, ModuleMemory::kRegionBytes,
                                 MappedMemory::Pages::Huge);
      res->begin = static_cast<char*>(res->memory.data());
      res->end = res->begin + ModuleMemory::kRegions * ModuleMemory::kRegionBytes;
      res->free_slots.store(ModuleMemory::kRegions == 64
                                ? ~std::uint64_t{0}
                                : (std::uint64_t{1} << ModuleMemory::kRegions) - 1);
      g_begin.store(res->begin);
      g_end.store(res->end);
    } catch (const std::bad_alloc&) {
      // No address space for it (a strict overcommit policy, a limit): malloc as before.
    }
    set_ndpi_malloc(&hook_malloc);
    set_ndpi_free(&hook_free);
    return res;
  }();
  return *r;
}

}  // namespace

bool ModuleMemory::in_regions(const void* p) {
  const char* c = static_cast<const char*>(p);
  return c >= g_begin.load(std::memory_order_relaxed) && c < g_end.load(std::memory_order_relaxed);
}

ModuleMemory::ModuleMemory() {
  Reservation& r = reservation();
  std::uint64_t slots = r.free_slots.load();
  while (slots != 0) {
    const int slot = __builtin_ctzll(slots);
    if (r.free_slots.compare_exchange_weak(slots, slots & ~(std::uint64_t{1} << slot))) {
      slot_ = slot;
      region_ = r.begin + static_cast<std::size_t>(slot) * kRegionBytes;
      return;
    }
  }
}

ModuleMemory::~ModuleMemory() {
  if (region_ == nullptr) return;
  // Empty again (zero pages on the next touch) before another module may take it.
  static_cast<void>(::madvise(region_, kRegionBytes, MADV_DONTNEED));
  reservation().free_slots.fetch_or(std::uint64_t{1} << slot_);
}

void* ModuleMemory::take(std::size_t bytes) {
  if (region_ == nullptr) return nullptr;
  const std::size_t rounded = (bytes + kAlign - 1) / kAlign * kAlign;
  if (rounded < bytes || rounded > kRegionBytes - used_) return nullptr;
  void* p = region_ + used_;
  used_ += rounded;
  return p;
}

ModuleMemory::Building::Building(ModuleMemory& memory) {
  t_building = &memory;
}

ModuleMemory::Building::~Building() {
  t_building = nullptr;
}

}  // namespace limen::classify
