#pragma once
// EventRing: a single-producer/single-consumer ring of serialised events, from one worker to the
// output stage (and, with several workers, of packets from the dispatcher to each worker: a
// record's bytes may be pushed in two parts, its times and its frame). Records are copied in
// whole (header + bytes), 8-byte aligned, and never split:
// one that does not fit before the end of the storage leaves a padding record and starts again
// at the front. The producer makes what it pushed visible with publish() (once per burst, not
// per event), so the consumer's cache line is touched rarely. publish() wakes a sleeping
// consumer only once a sixteenth of the ring has filled since the last wake-up: a futex wake per
// burst cost a busy replay 7% of its time. The consumer polls on its own often enough for the
// rest (OutputStage::kPollInterval); publish_and_wake() is for a producer about to wait.
//
// Positions are byte counts that only grow (64 bits: they never wrap in practice); the index in
// the storage is the position modulo the capacity, a power of two.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/mapped_memory.h"
#include "probe/output/doorbell.h"

namespace limen::output {

struct RingRecord {
  std::string_view json;
  std::uint32_t insert_at = 0;
  std::uint8_t code = 0;
};

class EventRing {
 public:
  // `capacity` is rounded up to a power of two (at least 64 KiB). `data_bell` is rung when
  // records become visible (the consumer sleeps on it), `room_bell` when room is made.
  EventRing(std::size_t capacity, Doorbell& data_bell);
  EventRing(const EventRing&) = delete;
  EventRing& operator=(const EventRing&) = delete;

  // The largest JSON a record may hold: a quarter of the ring, so one big event cannot starve
  // the others.
  [[nodiscard]] std::size_t max_json() const { return capacity_ / 4 - kHeader; }
  [[nodiscard]] std::size_t capacity() const { return capacity_; }

  // Producer. false: no room now (nothing written).
  bool try_push(const RingRecord& record);
  // The same, the record's bytes given in two parts (a header and a body, such as a packet's
  // times and its frame), copied once into the ring; the consumer sees them as one record.
  bool try_push(std::string_view head, std::string_view body, std::uint8_t code);
  // The largest record (both parts) try_push takes.
  [[nodiscard]] std::size_t max_record() const { return max_json(); }
  void publish();
  void publish_and_wake();
  [[nodiscard]] bool drained() const { return tail_.load(std::memory_order_acquire) == write_; }
  Doorbell& room_bell() { return room_bell_; }

  // Consumer, at the start: backs the ring with pages now, on the consumer's thread, so that
  // the producer's first lap does not pay a page fault per 2 MiB (a worker replaying a capture
  // fills a 16 MiB ring within a few tenths of a second). `step` of kPrefaultStep bytes at a
  // time (2 ms each here), so a stop is not held up; false once the whole ring is done. Safe
  // while the producer writes: populating never changes what a page holds.
  static constexpr std::size_t kPrefaultStep = std::size_t{2} << 20;
  bool prefault(std::size_t step) const {
    if (step * kPrefaultStep >= capacity_) return false;
    static_cast<void>(memory_.populate(step * kPrefaultStep, kPrefaultStep));
    return true;
  }

  // Consumer: calls f(const RingRecord&) for every published record, in order, then frees them.
  // Returns how many it consumed.
  template <class F>
  std::size_t consume(F&& f);
  [[nodiscard]] bool has_published() const {
    return published_.load(std::memory_order_acquire) != tail_.load(std::memory_order_relaxed);
  }

 private:
  void wake();
  bool push(std::string_view head, std::string_view body, std::uint32_t insert_at,
            std::uint8_t code);

  static constexpr std::size_t kHeader = 8;  // u32 length (kPadding: skip to the end), u16, u8
  static constexpr std::uint32_t kPadding = UINT32_MAX;

  MappedMemory memory_;  // huge pages: the ring is cycled through whole
  std::uint8_t* storage_ = nullptr;
  std::size_t capacity_;
  std::size_t mask_;
  Doorbell& data_bell_;
  Doorbell room_bell_;
  // Producer's line: its write position and its last view of the consumer's tail.
  alignas(64) std::uint64_t write_ = 0;
  std::uint64_t tail_seen_ = 0;
  std::uint64_t woken_at_ = 0;  // write_ when the consumer was last woken
  alignas(64) std::atomic<std::uint64_t> published_{0};
  alignas(64) std::atomic<std::uint64_t> tail_{0};
};

template <class F>
std::size_t EventRing::consume(F&& f) {
  const std::uint64_t end = published_.load(std::memory_order_acquire);
  std::uint64_t pos = tail_.load(std::memory_order_relaxed);
  std::size_t n = 0;
  while (pos != end) {
    const std::size_t at = pos & mask_;
    const std::uint8_t* h = storage_ + at;
    std::uint32_t length = 0;
    std::uint16_t insert_at = 0;
    __builtin_memcpy(&length, h, 4);
    __builtin_memcpy(&insert_at, h + 4, 2);
    if (length == kPadding) {
      pos += capacity_ - at;
      continue;
    }
    f(RingRecord{{reinterpret_cast<const char*>(h + kHeader), length}, insert_at, h[6]});
    pos += (kHeader + length + 7) & ~std::uint64_t{7};
    ++n;
  }
  tail_.store(pos, std::memory_order_release);
  if (n != 0) room_bell_.ring();
  return n;
}

}  // namespace limen::output
