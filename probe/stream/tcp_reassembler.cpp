#include "probe/stream/tcp_reassembler.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace limen::stream {

struct TcpReassembler::Tally {
  bool covered = false;     // some bytes had been seen before
  bool mismatch = false;    // and some of those differ from the held copy
  std::uint64_t fresh = 0;  // bytes seen for the first time
};

struct TcpReassembler::Context {
  StreamMemory& memory;
  StreamConsumer& consumer;
  Timestamp ts;
  StreamCounters& counters;
};

namespace {

Direction other(Direction d) {
  return d == Direction::ToServer ? Direction::ToClient : Direction::ToServer;
}

}  // namespace

TcpReassembler::~TcpReassembler() {
  assert(sides_[0].block == nullptr && sides_[1].block == nullptr &&
         "TcpReassembler destroyed holding pool blocks: call close() or reset() first");
}

void TcpReassembler::on_segment(const TcpSegment& seg, StreamMemory& memory,
                                StreamConsumer& consumer) {
  Context cx{memory, consumer, seg.ts, memory.counters()};
  ++cx.counters.segments;
  cx.counters.bytes += seg.payload.size();
  Side& s = side(seg.dir);
  // The SYN occupies one sequence number; data (TCP Fast Open) starts after it. A stream picked
  // up mid-connection starts at the first segment seen.
  const std::uint32_t data_seq = (seg.flags & kTcpSyn) != 0 ? seg.seq + 1 : seg.seq;
  if (!s.started && !s.ended) {
    s.started = true;
    s.base = data_seq;
  }
  if (!seg.payload.empty()) {
    if (s.ended) {
      ++cx.counters.retransmitted;  // nothing after the end reaches the consumer
    } else {
      add_data(cx, seg.dir, data_seq, seg.payload);
    }
  }
  if ((seg.flags & kTcpAck) != 0) on_ack(cx, other(seg.dir), seg.ack);
  if ((seg.flags & kTcpRst) != 0) {
    for (const Direction d : {Direction::ToServer, Direction::ToClient}) {
      if (!side(d).ended) finish(cx, d, 0, false);
    }
  } else if ((seg.flags & kTcpFin) != 0 && !s.ended) {
    const std::int32_t end = seq_diff(data_seq + static_cast<std::uint32_t>(seg.payload.size()),
                                      s.base);
    finish(cx, seg.dir, end < 0 ? 0 : static_cast<std::uint32_t>(end), end >= 0);
  }
}

void TcpReassembler::close(Timestamp ts, StreamMemory& memory, StreamConsumer& consumer) {
  Context cx{memory, consumer, ts, memory.counters()};
  for (const Direction d : {Direction::ToServer, Direction::ToClient}) {
    if (!side(d).ended) finish(cx, d, 0, false);
  }
}

void TcpReassembler::reset(StreamMemory& memory) {
  for (Side& s : sides_) memory.release(s.block, s.size);
  sides_ = {};
}

CaptureLoss TcpReassembler::loss(Direction dir) const { return side(dir).loss; }

CaptureLoss TcpReassembler::loss() const {
  CaptureLoss sum;
  for (const Side& s : sides_) {
    sum.seen_bytes += s.loss.seen_bytes;
    sum.acked_unseen_bytes += s.loss.acked_unseen_bytes;
    sum.gaps += s.loss.gaps;
  }
  return sum;
}

void TcpReassembler::add_data(Context& cx, Direction dir, std::uint32_t seq,
                              std::span<const std::uint8_t> data) {
  Side& s = side(dir);
  Tally tally;
  bool first = true;
  bool in_order = true;
  const auto window = static_cast<std::uint32_t>(cx.memory.window());
  while (!data.empty() && !s.ended) {
    const std::int32_t rel = seq_diff(seq, s.base);
    if (rel < 0) {
      // Already consumed or skipped: released bytes cannot be compared (README, "Overlaps").
      const auto behind = static_cast<std::size_t>(-static_cast<std::int64_t>(rel));
      const std::size_t old = std::min(data.size(), behind);
      tally.covered = true;
      data = data.subspan(old);
      seq += static_cast<std::uint32_t>(old);
      continue;
    }
    const auto off = static_cast<std::uint32_t>(rel);
    if (first) {
      in_order = off <= s.pending;
      first = false;
    }
    if (off == 0 && s.pending == 0 && s.range_count == 0) {
      tally.fresh += data.size();
      zero_copy(cx, dir, data);
      break;
    }
    const Room room = store(cx, dir, off, data, tally);
    if (room == Room::Ok) {
      deliver(cx, dir);
      break;
    }
    if (room == Room::Memcap) ++cx.counters.memcap_drops;
    // No room: give up the earliest hole; what follows it is delivered and may free space.
    if (s.range_count > 0) {
      skip_to(cx, dir, s.ranges[0].start, false);
      continue;
    }
    if (off > s.pending) {
      skip_to(cx, dir, off, false);
      continue;
    }
    // In order behind bytes the consumer has not taken: add what fits and let it try again.
    const std::uint32_t limit = room == Room::Window ? window : s.size;
    if (limit > s.pending) {
      const std::size_t fit = std::min<std::size_t>(data.size(), limit - off);
      if (store(cx, dir, off, data.first(fit), tally) == Room::Ok) {
        deliver(cx, dir);
        data = data.subspan(fit);
        seq += static_cast<std::uint32_t>(fit);
        continue;
      }
    }
    // Full and the consumer still needs more: the message is larger than we may hold.
    if (room == Room::Window) ++cx.counters.oversize_drops;
    skip_to(cx, dir, s.pending, false);
  }
  if (tally.fresh == 0) {
    ++cx.counters.retransmitted;
  } else {
    ++(in_order ? cx.counters.in_order : cx.counters.out_of_order);
    if (tally.covered) ++cx.counters.overlaps;
  }
  if (tally.mismatch) ++cx.counters.overlap_mismatch;
  s.loss.seen_bytes += tally.fresh;
}

void TcpReassembler::zero_copy(Context& cx, Direction dir, std::span<const std::uint8_t> data) {
  Side& s = side(dir);
  ++cx.counters.zero_copy_deliveries;
  std::size_t done = 0;
  while (done < data.size()) {
    const std::size_t n =
        std::min(cx.consumer.on_data(dir, data.subspan(done), cx.ts), data.size() - done);
    if (n == 0) break;
    done += n;
  }
  s.base += static_cast<std::uint32_t>(done);
  const auto rest = data.subspan(done);
  if (rest.empty()) return;
  // Keep the unconsumed tail; it is presented again with the next bytes.
  const bool oversize = rest.size() > cx.memory.window();
  if (!oversize && make_room(cx, dir, static_cast<std::uint32_t>(rest.size())) == Room::Ok) {
    std::memcpy(s.block + s.head, rest.data(), rest.size());
    cx.counters.copied_bytes += rest.size();
    s.pending = static_cast<std::uint32_t>(rest.size());
    return;
  }
  ++(oversize ? cx.counters.oversize_drops : cx.counters.memcap_drops);
  s.base += static_cast<std::uint32_t>(rest.size());
  ++cx.counters.gaps;
  cx.counters.gap_bytes += rest.size();
  ++s.loss.gaps;
  cx.consumer.on_gap(dir, rest.size());
}

TcpReassembler::Room TcpReassembler::store(Context& cx, Direction dir, std::uint32_t off,
                                           std::span<const std::uint8_t> data, Tally& tally) {
  Side& s = side(dir);
  const std::uint64_t end64 = std::uint64_t{off} + data.size();
  if (end64 > cx.memory.window()) return Room::Window;
  const auto end = static_cast<std::uint32_t>(end64);
  if (off > s.pending && s.range_count == kMaxRanges) {
    const bool touches = std::any_of(s.ranges.begin(), s.ranges.end(), [&](const Range& r) {
      return off <= r.end && end >= r.start;
    });
    if (!touches) return Room::Ranges;
  }
  if (const Room room = make_room(cx, dir, end); room != Room::Ok) return room;

  // First data wins: bytes already held are compared, never overwritten; the rest is copied.
  std::uint32_t cur = off;
  const auto copy = [&](std::uint32_t from, std::uint32_t to) {
    std::memcpy(s.block + s.head + from, data.data() + (from - off), to - from);
    cx.counters.copied_bytes += to - from;
    tally.fresh += to - from;
  };
  const auto visit = [&](std::uint32_t start, std::uint32_t stop) {
    if (stop <= cur || start >= end) return;
    if (start > cur) copy(cur, start);
    const std::uint32_t from = std::max(cur, start);
    const std::uint32_t to = std::min(stop, end);
    tally.covered = true;
    if (std::memcmp(s.block + s.head + from, data.data() + (from - off), to - from) != 0) {
      tally.mismatch = true;
    }
    cur = to;
  };
  visit(0, s.pending);
  for (std::size_t i = 0; i < s.range_count; ++i) visit(s.ranges[i].start, s.ranges[i].end);
  if (cur < end) copy(cur, end);

  if (off <= s.pending) {
    s.pending = std::max(s.pending, end);
  } else {
    std::array<Range, kMaxRanges> merged{};
    std::size_t n = 0;
    Range add{off, end};
    bool placed = false;
    for (std::size_t i = 0; i < s.range_count; ++i) {
      const Range r = s.ranges[i];
      if (r.end < add.start) {
        merged[n++] = r;
      } else if (r.start > add.end) {
        if (!placed) merged[n++] = add;
        placed = true;
        merged[n++] = r;
      } else {
        add.start = std::min(add.start, r.start);
        add.end = std::max(add.end, r.end);
      }
    }
    if (!placed) merged[n++] = add;
    s.ranges = merged;
    s.range_count = static_cast<std::uint8_t>(n);
  }
  absorb(s);
  return Room::Ok;
}

TcpReassembler::Room TcpReassembler::make_room(Context& cx, Direction dir, std::uint32_t end) {
  Side& s = side(dir);
  if (s.block != nullptr && s.head + std::uint64_t{end} <= s.size) return Room::Ok;
  const std::uint32_t extent =
      s.range_count > 0 ? s.ranges[s.range_count - 1].end : s.pending;
  if (s.block != nullptr && end <= s.size) {
    std::memmove(s.block, s.block + s.head, extent);
    s.head = 0;
    return Room::Ok;
  }
  const std::size_t want = cx.memory.block_size(end);
  if (want + side(other(dir)).size > cx.memory.limits().max_flow_bytes) return Room::Memcap;
  std::uint8_t* block = cx.memory.allocate(want);
  if (block == nullptr) return Room::Memcap;
  if (s.block != nullptr) {
    std::memcpy(block, s.block + s.head, extent);
    cx.memory.release(s.block, s.size);
  }
  s.block = block;
  s.size = static_cast<std::uint32_t>(want);
  s.head = 0;
  return Room::Ok;
}

void TcpReassembler::absorb(Side& s) {
  std::size_t drop = 0;
  while (drop < s.range_count && s.ranges[drop].start <= s.pending) {
    s.pending = std::max(s.pending, s.ranges[drop].end);
    ++drop;
  }
  if (drop == 0) return;
  std::copy(s.ranges.begin() + static_cast<std::ptrdiff_t>(drop),
            s.ranges.begin() + s.range_count, s.ranges.begin());
  s.range_count = static_cast<std::uint8_t>(s.range_count - drop);
}

void TcpReassembler::deliver(Context& cx, Direction dir) {
  Side& s = side(dir);
  while (s.pending > 0) {
    const std::span<const std::uint8_t> view(s.block + s.head, s.pending);
    const std::size_t n = std::min<std::size_t>(cx.consumer.on_data(dir, view, cx.ts), s.pending);
    if (n == 0) break;
    consume(s, static_cast<std::uint32_t>(n));
  }
  release_if_empty(cx.memory, s);
}

void TcpReassembler::consume(Side& s, std::uint32_t n) {
  s.base += n;
  s.head += n;
  s.pending -= n;
  for (std::size_t i = 0; i < s.range_count; ++i) {
    s.ranges[i].start -= n;
    s.ranges[i].end -= n;
  }
}

void TcpReassembler::skip_to(Context& cx, Direction dir, std::uint32_t off, bool acked) {
  Side& s = side(dir);
  assert(off >= s.pending && (s.range_count == 0 || off <= s.ranges[0].start));
  if (off == 0) return;
  const std::uint32_t hole = off - s.pending;
  s.pending = 0;
  s.base += off;
  if (s.block != nullptr && s.range_count > 0) s.head += off;
  for (std::size_t i = 0; i < s.range_count; ++i) {
    s.ranges[i].start -= off;
    s.ranges[i].end -= off;
  }
  absorb(s);
  if (acked) {
    cx.counters.acked_unseen_bytes += hole;
    s.loss.acked_unseen_bytes += hole;
  } else if (hole > 0) {
    // Lost to a limit or an end: it counts as capture loss once the peer acknowledges it.
    s.unconfirmed += hole;
    s.confirm_upto = s.base;
  }
  ++cx.counters.gaps;
  cx.counters.gap_bytes += off;
  ++s.loss.gaps;
  cx.consumer.on_gap(dir, off);
  deliver(cx, dir);
}

void TcpReassembler::on_ack(Context& cx, Direction dir, std::uint32_t ack) {
  Side& s = side(dir);
  if (!s.started) return;
  if (s.unconfirmed > 0 && seq_le(s.confirm_upto, ack)) {
    cx.counters.acked_unseen_bytes += s.unconfirmed;
    s.loss.acked_unseen_bytes += s.unconfirmed;
    s.unconfirmed = 0;
  }
  // The peer received bytes past everything contiguous we hold: those were lost by the capture
  // and will never be retransmitted. Skip them, delivering the islands held after them.
  while (!s.ended) {
    const std::int32_t rel = seq_diff(ack, s.base);
    if (rel <= 0) return;
    const auto a = static_cast<std::uint32_t>(rel);
    if (a <= s.pending || a - s.pending > cx.memory.limits().max_ack_ahead) return;
    if (s.range_count > 0 && s.ranges[0].start <= a) {
      skip_to(cx, dir, s.ranges[0].start, true);
    } else {
      skip_to(cx, dir, a, true);
    }
  }
}

void TcpReassembler::finish(Context& cx, Direction dir, std::uint32_t end_off, bool bounded) {
  Side& s = side(dir);
  if (bounded) {
    // Islands past the FIN are not part of the stream.
    std::size_t keep = 0;
    for (std::size_t i = 0; i < s.range_count; ++i) {
      if (s.ranges[i].start >= end_off) continue;
      s.ranges[keep] = s.ranges[i];
      s.ranges[keep].end = std::min(s.ranges[keep].end, end_off);
      ++keep;
    }
    s.range_count = static_cast<std::uint8_t>(keep);
  }
  while (s.range_count > 0) skip_to(cx, dir, s.ranges[0].start, false);
  // Bytes presented but never consumed end with the stream; the session reports them on close.
  s.ended = true;
  s.pending = 0;
  release_if_empty(cx.memory, s);
  cx.consumer.on_end(dir);
}

void TcpReassembler::release_if_empty(StreamMemory& memory, Side& s) {
  if (s.block == nullptr || s.pending > 0 || s.range_count > 0) return;
  memory.release(s.block, s.size);
  s.block = nullptr;
  s.size = 0;
  s.head = 0;
}

}  // namespace limen::stream
