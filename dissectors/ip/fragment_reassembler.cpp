#include "dissectors/ip/fragment_reassembler.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <random>

namespace limen::decode {
namespace {

// The largest slot count accepted, whatever the configuration says: slots are ~1.1 KiB each.
constexpr std::size_t kMaxSlots = 1U << 16;
constexpr std::size_t kMinBuffer = 512;

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  // splitmix64 finaliser over the running value; cheap and well distributed.
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

std::uint64_t mix_bytes(std::uint64_t h, std::span<const std::uint8_t> bytes) {
  std::uint64_t word = 0;
  std::size_t n = 0;
  for (const std::uint8_t b : bytes) {
    word = (word << 8) | b;
    if (++n == 8) {
      h = mix(h, word);
      word = 0;
      n = 0;
    }
  }
  return n != 0 ? mix(h, word) : h;
}

void put16(std::vector<std::uint8_t>& buf, std::size_t at, std::uint32_t v) {
  buf[at] = static_cast<std::uint8_t>(v >> 8);
  buf[at + 1] = static_cast<std::uint8_t>(v);
}

std::uint16_t ipv4_checksum(std::span<const std::uint8_t> header) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < header.size(); i += 2) {
    sum += static_cast<std::uint32_t>(header[i] << 8 | header[i + 1]);
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

}  // namespace

FragmentReassembler::FragmentReassembler(const ReassemblyLimits& limits)
    : limits_(limits), seed_(0) {
  limits_.max_datagrams = std::min(limits_.max_datagrams, kMaxSlots);
  std::random_device rd;
  seed_ = (static_cast<std::uint64_t>(rd()) << 32) | rd();
  slots_.reserve(limits_.max_datagrams);
  free_.reserve(limits_.max_datagrams);
  table_.assign(std::bit_ceil(std::max<std::size_t>(16, limits_.max_datagrams * 2)), kNone);
}

std::size_t FragmentReassembler::bucket_of(const FragmentKey& key) const {
  std::uint64_t h = mix(seed_, (std::uint64_t{key.version} << 40) |
                                   (std::uint64_t{key.proto} << 32) | key.id);
  h = mix_bytes(h, key.src.bytes());
  h = mix_bytes(h, key.dst.bytes());
  return static_cast<std::size_t>(h) & (table_.size() - 1);
}

std::uint32_t FragmentReassembler::find(const FragmentKey& key) const {
  const std::size_t mask = table_.size() - 1;
  // The table is at most half full, so an empty bucket always ends the probe.
  for (std::size_t i = bucket_of(key);; i = (i + 1) & mask) {
    const std::uint32_t s = table_[i];
    if (s == kNone) return kNone;
    if (slots_[s].key == key) return s;
  }
}

void FragmentReassembler::table_insert(std::uint32_t slot) {
  const std::size_t mask = table_.size() - 1;
  std::size_t i = bucket_of(slots_[slot].key);
  while (table_[i] != kNone) i = (i + 1) & mask;
  table_[i] = slot;
}

void FragmentReassembler::table_erase(std::uint32_t slot) {
  const std::size_t mask = table_.size() - 1;
  std::size_t hole = bucket_of(slots_[slot].key);
  while (table_[hole] != slot) hole = (hole + 1) & mask;
  // Backward-shift deletion: pull later entries of the cluster into the hole when their home
  // bucket does not lie cyclically between the hole and their position.
  for (std::size_t j = (hole + 1) & mask; table_[j] != kNone; j = (j + 1) & mask) {
    const std::size_t home = bucket_of(slots_[table_[j]].key);
    const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (!stays) {
      table_[hole] = table_[j];
      hole = j;
    }
  }
  table_[hole] = kNone;
}

std::uint32_t FragmentReassembler::open_slot(const FragmentKey& key, Timestamp ts) {
  if (active_ >= limits_.max_datagrams) return kNone;
  std::uint32_t idx = 0;
  if (!free_.empty()) {
    idx = free_.back();
    free_.pop_back();
  } else {
    slots_.emplace_back();  // within the capacity reserved at construction
    idx = static_cast<std::uint32_t>(slots_.size() - 1);
  }
  Slot& s = slots_[idx];
  s.key = key;
  s.first_seen = ts;
  s.header.clear();
  s.data.clear();
  s.covered.fill(0);
  s.max_end = s.total = s.covered_bytes = 0;
  s.next_header_at = 0;
  s.next_header = 0;
  s.have_first = s.have_last = false;
  s.older = newest_;
  s.newer = kNone;
  if (newest_ != kNone) slots_[newest_].newer = idx;
  newest_ = idx;
  if (oldest_ == kNone) oldest_ = idx;
  table_insert(idx);
  ++active_;
  return idx;
}

void FragmentReassembler::release(std::uint32_t slot) {
  table_erase(slot);
  Slot& s = slots_[slot];
  (s.older != kNone ? slots_[s.older].newer : oldest_) = s.newer;
  (s.newer != kNone ? slots_[s.newer].older : newest_) = s.older;
  free_.push_back(slot);
  --active_;
}

bool FragmentReassembler::reserve(std::vector<std::uint8_t>& buf, std::size_t need) {
  const std::size_t cap = buf.capacity();
  if (need <= cap) return true;
  std::size_t want = std::max({need, std::min(cap * 2, kMaxDatagram), kMinBuffer});
  if (held_bytes_ + want - cap > limits_.max_bytes) {
    // Give back the buffers pooled in released slots before refusing.
    for (const std::uint32_t f : free_) {
      Slot& s = slots_[f];
      held_bytes_ -= s.header.capacity() + s.data.capacity();
      std::vector<std::uint8_t>().swap(s.header);
      std::vector<std::uint8_t>().swap(s.data);
    }
    if (held_bytes_ + want - cap > limits_.max_bytes) want = need;
    if (held_bytes_ + want - cap > limits_.max_bytes) return false;
  }
  buf.reserve(want);
  held_bytes_ += buf.capacity() - cap;
  return true;
}

bool FragmentReassembler::fits_datagram(const Fragment& frag, const Slot& s) const {
  const std::size_t header = frag.offset == 0 ? frag.header.size()
                             : s.have_first   ? s.header.size()
                             : frag.key.version == 4 ? 20U
                                                     : 40U;
  const std::size_t end = std::max<std::size_t>(frag.offset + frag.data.size(), s.max_end);
  // IPv4 counts its header in the 16-bit total length; IPv6 only its payload.
  const std::size_t limit = frag.key.version == 4 ? 65535U : kMaxDatagram;
  return header + end <= limit;
}

void FragmentReassembler::store(Slot& s, const Fragment& frag, FragmentResult& result) {
  const std::size_t begin = frag.offset;
  const std::size_t end = begin + frag.data.size();
  bool overlapped = false;
  bool differs = false;
  for (std::size_t unit = begin / 8; unit * 8 < end; ++unit) {
    const std::size_t lo = unit * 8;
    const std::size_t len = std::min<std::size_t>(8, end - lo);
    const std::uint8_t* src = frag.data.data() + (lo - begin);
    std::uint64_t& word = s.covered[unit / 64];
    const std::uint64_t bit = std::uint64_t{1} << (unit % 64);
    if ((word & bit) != 0) {
      overlapped = true;
      differs = differs || std::memcmp(s.data.data() + lo, src, len) != 0;
    } else {
      std::memcpy(s.data.data() + lo, src, len);
      word |= bit;
      s.covered_bytes += static_cast<std::uint32_t>(len);
    }
  }
  result.overlap = overlapped && differs;
  result.duplicate = overlapped && !differs;
}

void FragmentReassembler::build(const Slot& s, std::vector<std::uint8_t>& datagram) const {
  const std::size_t hl = s.header.size();
  datagram.resize(hl + s.total);
  std::memcpy(datagram.data(), s.header.data(), hl);
  if (s.total != 0) std::memcpy(datagram.data() + hl, s.data.data(), s.total);
  if (s.key.version == 4) {
    put16(datagram, 2, static_cast<std::uint32_t>(hl + s.total));
    put16(datagram, 6, static_cast<std::uint32_t>(datagram[6] & 0x40U) << 8);  // keep DF only
    put16(datagram, 10, 0);
    put16(datagram, 10, ipv4_checksum(std::span(datagram).first(hl)));
  } else {
    put16(datagram, 4, static_cast<std::uint32_t>(hl - 40 + s.total));
    datagram[s.next_header_at] = s.next_header;
  }
}

FragmentResult FragmentReassembler::add(const Fragment& frag, Timestamp ts,
                                        std::vector<std::uint8_t>& datagram) {
  FragmentResult result;
  const auto malformed = [&result] {
    result.outcome = FragmentOutcome::Malformed;
    return result;
  };
  const std::size_t min_header = frag.key.version == 4 ? 20U : 40U;
  if (frag.offset == 0 &&
      (frag.header.size() < min_header ||
       (frag.key.version == 6 && frag.next_header_at >= frag.header.size()))) {
    return malformed();
  }
  // RFC 791 / RFC 8200: every fragment but the last carries a non-empty multiple of 8 bytes.
  if (frag.more && (frag.data.empty() || frag.data.size() % 8 != 0)) return malformed();
  if (frag.offset + frag.data.size() > kMaxDatagram) return malformed();

  result.timed_out = static_cast<std::uint32_t>(expire(ts));
  std::uint32_t idx = find(frag.key);
  if (idx == kNone) idx = open_slot(frag.key, ts);
  if (idx == kNone) {
    result.outcome = FragmentOutcome::Overflow;
    return result;
  }
  Slot& s = slots_[idx];
  const auto end = static_cast<std::uint32_t>(frag.offset + frag.data.size());
  const bool inconsistent = frag.more ? (s.have_last && end > s.total)
                                      : ((s.have_last && end != s.total) || end < s.max_end);
  if (inconsistent || !fits_datagram(frag, s)) {
    release(idx);
    return malformed();
  }
  const bool new_first = frag.offset == 0 && !s.have_first;
  if ((new_first && !reserve(s.header, frag.header.size())) || !reserve(s.data, end)) {
    if (s.covered_bytes == 0 && !s.have_first && !s.have_last) release(idx);
    result.outcome = FragmentOutcome::Overflow;
    return result;
  }
  if (new_first) {
    s.header.assign(frag.header.begin(), frag.header.end());
    s.next_header_at = frag.next_header_at;
    s.next_header = frag.next_header;
    s.have_first = true;
  }
  if (s.data.size() < end) s.data.resize(end);
  store(s, frag, result);
  if (!frag.more) {
    s.have_last = true;
    s.total = end;
  }
  s.max_end = std::max(s.max_end, end);
  if (s.have_first && s.have_last && s.covered_bytes == s.total) {
    build(s, datagram);
    release(idx);
    result.outcome = FragmentOutcome::Complete;
  }
  return result;
}

std::size_t FragmentReassembler::expire(Timestamp now) {
  std::size_t dropped = 0;
  while (oldest_ != kNone) {
    const Timestamp first = slots_[oldest_].first_seen;
    // Packet time may step backwards; such a train simply is not old yet.
    if (now.usec < first.usec ||
        static_cast<std::uint64_t>(now.usec) - static_cast<std::uint64_t>(first.usec) <
            static_cast<std::uint64_t>(std::max<std::int64_t>(limits_.timeout_usec, 0))) {
      break;
    }
    release(oldest_);
    ++dropped;
  }
  return dropped;
}

}  // namespace limen::decode
