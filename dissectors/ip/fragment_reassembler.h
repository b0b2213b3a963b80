#pragma once
// FragmentReassembler: rebuilds IPv4 and IPv6 datagrams from their fragments, within fixed limits.
//
// Invariants:
// - At most `max_datagrams` trains are held; the bytes of every buffer it owns (in use or pooled
//   for reuse) never exceed `max_bytes`. A fragment that would break either limit is dropped and
//   reported as Overflow; nothing grows without bound.
// - Buffers are pooled: a finished train's buffers keep their capacity for the next train, so
//   steady-state traffic does not allocate. Slots live in storage reserved at construction.
// - Overlap policy "first data wins" (BSD/Windows style): bytes already held are never
//   overwritten; an overlap is reported as duplicate (same bytes) or overlap (different bytes).
// - A train whose first fragment is older than the timeout (packet time) is dropped by expire().
// - Trains are found through an open-addressed table with a per-instance seeded hash, so crafted
//   keys cannot force long probe chains predictably.
// Not thread-safe: one per worker. See dissectors/README.md for the full policy.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/ip_address.h"
#include "common/timestamp.h"

namespace limen::decode {

struct FragmentKey {
  IpAddress src, dst;
  std::uint32_t id = 0;
  std::uint8_t proto = 0;    // IPv4 protocol; 0 for IPv6 (RFC 8200 keys on src, dst, id)
  std::uint8_t version = 0;  // 4 or 6
  friend bool operator==(const FragmentKey&, const FragmentKey&) = default;
};

struct Fragment {
  FragmentKey key;
  // IPv4: the IP header with options. IPv6: fixed header plus the unfragmentable extension
  // headers, i.e. everything before the Fragment header. Only offset-0 fragments' header is kept.
  std::span<const std::uint8_t> header;
  std::size_t next_header_at = 0;  // IPv6: index in `header` of the byte naming the Fragment hdr
  std::uint8_t next_header = 0;    // IPv6: the Fragment header's Next Header
  std::uint32_t offset = 0;        // fragment offset in bytes
  bool more = false;               // MF / M flag
  std::span<const std::uint8_t> data;  // the fragment's share of the fragmentable part
};

enum class FragmentOutcome : std::uint8_t {
  Held,       // stored (or an exact duplicate); the datagram is not complete yet
  Complete,   // the datagram is complete and was written to the output buffer
  Overflow,   // dropped: a reassembly limit was reached
  Malformed,  // dropped: impossible or inconsistent with its train (the train is dropped too)
};

struct FragmentResult {
  FragmentOutcome outcome = FragmentOutcome::Held;
  bool overlap = false;    // overlapped held bytes with different content
  bool duplicate = false;  // overlapped held bytes with identical content
  std::uint32_t timed_out = 0;  // older trains expired on the way (add() runs expire(ts) first)
};

struct ReassemblyLimits {
  std::size_t max_datagrams = 4096;
  std::size_t max_bytes = 32U << 20;
  std::int64_t timeout_usec = 30'000'000;
};

class FragmentReassembler {
 public:
  // The largest rebuilt datagram: a 40-byte IPv6 header plus a 65535-byte payload.
  static constexpr std::size_t kMaxDatagram = 40 + 65535;

  explicit FragmentReassembler(const ReassemblyLimits& limits);

  // Adds one fragment seen at `ts`. On Complete, `datagram` holds the unfragmented datagram with
  // its header fixed up (IPv4: total length, flags, checksum; IPv6: payload length, Fragment
  // header removed). Reserve kMaxDatagram in `datagram` once to keep this allocation-free.
  FragmentResult add(const Fragment& frag, Timestamp ts, std::vector<std::uint8_t>& datagram);
  // Drops trains whose first fragment is at least the timeout older than `now`; returns how many.
  std::size_t expire(Timestamp now);

  [[nodiscard]] std::size_t active() const { return active_; }
  [[nodiscard]] std::size_t held_bytes() const { return held_bytes_; }

 private:
  static constexpr std::size_t kUnits = 65536 / 8;  // 8-byte fragment units in a datagram
  static constexpr std::uint32_t kNone = UINT32_MAX;

  struct Slot {
    FragmentKey key;
    Timestamp first_seen;
    std::vector<std::uint8_t> header;  // unfragmentable part from the offset-0 fragment
    std::vector<std::uint8_t> data;    // fragmentable part, indexed by fragment offset
    std::array<std::uint64_t, kUnits / 64> covered{};  // one bit per 8-byte unit held
    std::uint32_t max_end = 0;       // highest byte end seen
    std::uint32_t total = 0;         // fragmentable length, known once the last fragment came
    std::uint32_t covered_bytes = 0;
    std::size_t next_header_at = 0;
    std::uint8_t next_header = 0;
    bool have_first = false;
    bool have_last = false;
    std::uint32_t older = kNone, newer = kNone;  // arrival-order list for expiry
  };

  std::size_t bucket_of(const FragmentKey& key) const;
  std::uint32_t find(const FragmentKey& key) const;
  void table_insert(std::uint32_t slot);
  void table_erase(std::uint32_t slot);
  std::uint32_t open_slot(const FragmentKey& key, Timestamp ts);
  void release(std::uint32_t slot);
  bool reserve(std::vector<std::uint8_t>& buf, std::size_t need);
  bool fits_datagram(const Fragment& frag, const Slot& s) const;
  void store(Slot& s, const Fragment& frag, FragmentResult& result);
  void build(const Slot& s, std::vector<std::uint8_t>& datagram) const;

  ReassemblyLimits limits_;
  std::uint64_t seed_;
  std::vector<Slot> slots_;            // capacity reserved once; never reallocates
  std::vector<std::uint32_t> free_;    // released slots, buffers kept for reuse
  std::vector<std::uint32_t> table_;   // open addressing, slot index or kNone
  std::uint32_t oldest_ = kNone, newest_ = kNone;
  std::size_t active_ = 0;
  std::size_t held_bytes_ = 0;  // capacity of every buffer owned, in use or pooled
};

}  // namespace limen::decode
