#pragma once
// StreamMemory: the per-worker pool that holds every byte the TCP reassembler keeps (unconsumed
// in-order bytes and out-of-order segments), and StreamCounters, the worker's reassembly totals.
//
// Invariants:
// - Blocks come in power-of-two sizes from kMinBlock up to window(); the bytes of every block the
//   pool owns (lent out or cached for reuse) never exceed limits().max_bytes. A request that
//   would pass the cap, even after the cache is given back to the heap, returns nullptr: the
//   caller counts a memcap drop; nothing grows without bound.
// - Released blocks are cached per size class (an intrusive free list inside the block), so
//   steady-state traffic reuses them and does not allocate.
// Not thread-safe: one per worker, shared by every flow of that worker.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace limen::stream {

struct StreamLimits {
  std::size_t max_bytes = 64U << 20;            // every flow of the worker together
  std::size_t max_flow_bytes = 256U << 10;      // both directions of one flow
  // One direction: the largest message a dissector may need whole, plus the out-of-order window
  // behind it. Rounded up to a power of two; segments beyond it are not held.
  std::size_t max_direction_bytes = 128U << 10;
  // An ACK further ahead than this of the bytes seen is not believed (forged or corrupt).
  std::uint32_t max_ack_ahead = 16U << 20;
};

// Per-worker totals; plain integers because a worker owns its pool. Segment counters classify each
// segment with payload once: in_order, out_of_order or retransmitted.
struct StreamCounters {
  std::uint64_t segments = 0;              // segments given to the reassembler
  std::uint64_t bytes = 0;                 // payload bytes given
  std::uint64_t in_order = 0;              // new data starting at the next expected byte
  std::uint64_t out_of_order = 0;          // new data starting past a hole
  std::uint64_t retransmitted = 0;         // no new byte: everything was seen before
  std::uint64_t overlaps = 0;              // new bytes, and some bytes seen before
  std::uint64_t overlap_mismatch = 0;      // overlapping bytes differ from the held copy
  std::uint64_t gaps = 0;                  // on_gap() calls
  std::uint64_t gap_bytes = 0;             // total length reported through on_gap()
  std::uint64_t memcap_drops = 0;          // the pool or the per-flow cap refused memory
  std::uint64_t oversize_drops = 0;        // a message larger than the per-direction window
  std::uint64_t acked_unseen_bytes = 0;    // acknowledged by the peer, never captured
  std::uint64_t zero_copy_deliveries = 0;  // segments presented straight from packet memory
  std::uint64_t copied_bytes = 0;          // bytes copied into pool blocks

  // f(std::string_view name, std::uint64_t value) for every counter, in declaration order.
  template <class F>
  void for_each(F&& f) const {
    visit(*this, f);
  }
  // The same, with each counter by reference (const or not, as `c` is): a sum over workers
  // adds them field by field.
  template <class Self, class F>
  static void visit(Self& c, F&& f) {
    f(std::string_view("segments"), c.segments);
    f(std::string_view("bytes"), c.bytes);
    f(std::string_view("in_order"), c.in_order);
    f(std::string_view("out_of_order"), c.out_of_order);
    f(std::string_view("retransmitted"), c.retransmitted);
    f(std::string_view("overlaps"), c.overlaps);
    f(std::string_view("overlap_mismatch"), c.overlap_mismatch);
    f(std::string_view("gaps"), c.gaps);
    f(std::string_view("gap_bytes"), c.gap_bytes);
    f(std::string_view("memcap_drops"), c.memcap_drops);
    f(std::string_view("oversize_drops"), c.oversize_drops);
    f(std::string_view("acked_unseen_bytes"), c.acked_unseen_bytes);
    f(std::string_view("zero_copy_deliveries"), c.zero_copy_deliveries);
    f(std::string_view("copied_bytes"), c.copied_bytes);
  }
};

class StreamMemory {
 public:
  static constexpr std::size_t kMinBlock = 512;

  explicit StreamMemory(const StreamLimits& limits);
  ~StreamMemory();
  StreamMemory(const StreamMemory&) = delete;
  StreamMemory& operator=(const StreamMemory&) = delete;

  // The block size that holds n bytes: a power of two, at least kMinBlock. n <= window().
  [[nodiscard]] std::size_t block_size(std::size_t n) const;
  // A block of exactly `size` bytes (a block_size() value), or nullptr when the cap is reached.
  [[nodiscard]] std::uint8_t* allocate(std::size_t size);
  // Gives back a block obtained from allocate() with the same size.
  void release(std::uint8_t* block, std::size_t size);

  [[nodiscard]] const StreamLimits& limits() const { return limits_; }
  // The per-direction window: max_direction_bytes rounded up to a power of two.
  [[nodiscard]] std::size_t window() const { return window_; }
  [[nodiscard]] std::size_t in_use_bytes() const { return in_use_; }
  [[nodiscard]] std::size_t held_bytes() const { return in_use_ + cached_; }

  StreamCounters& counters() { return counters_; }
  [[nodiscard]] const StreamCounters& counters() const { return counters_; }

 private:
  static constexpr std::size_t kClasses = 48;
  static std::size_t class_of(std::size_t size);
  void trim_cache(std::size_t need);

  StreamLimits limits_;
  std::size_t window_ = kMinBlock;
  std::array<std::uint8_t*, kClasses> free_{};  // per size class, next pointer in each block
  std::size_t in_use_ = 0;                      // bytes of blocks lent out
  std::size_t cached_ = 0;                      // bytes of blocks in the free lists
  StreamCounters counters_;
};

}  // namespace limen::stream
