#pragma once
// TcpReassembler: turns the TCP segments of one flow, both directions, into the in-order byte
// stream an application session reads, with explicit gaps and ends (see README.md for the
// policy). One per flow, inline in the flow's state: a few hundred bytes, no heap of its own;
// bytes it must keep live in blocks of the worker's StreamMemory.
//
// Invariants, per direction:
// - The consumer sees every byte at most once, in sequence order, as a contiguous span that
//   starts at its first unconsumed byte; between two spans that are not contiguous it is told
//   on_gap(length). After on_end() it hears nothing more of that direction.
// - At most kMaxRanges out-of-order islands and StreamMemory::window() bytes from the first
//   unconsumed byte are held; first data wins: held bytes are never overwritten.
// - The flow owns blocks of its StreamMemory until close() or reset(); one of them must be called
//   before the reassembler is destroyed.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/timestamp.h"
#include "probe/stream/stream_memory.h"

namespace limen::stream {

// Same numbering as flow::Direction and dissect::Direction: 0 from the client, 1 from the server.
enum class Direction : std::uint8_t { ToServer = 0, ToClient = 1 };

// TCP header flag bits as the packet decoder reports them (RFC 9293 section 3.1).
inline constexpr std::uint8_t kTcpFin = 0x01;
inline constexpr std::uint8_t kTcpSyn = 0x02;
inline constexpr std::uint8_t kTcpRst = 0x04;
inline constexpr std::uint8_t kTcpAck = 0x10;

// Sequence numbers compare modulo 2^32 (RFC 9293 section 3.4): a is before b when b - a, read as
// a signed 32-bit number, is positive.
[[nodiscard]] constexpr std::int32_t seq_diff(std::uint32_t a, std::uint32_t b) {
  return static_cast<std::int32_t>(a - b);
}
[[nodiscard]] constexpr bool seq_lt(std::uint32_t a, std::uint32_t b) { return seq_diff(a, b) < 0; }
[[nodiscard]] constexpr bool seq_le(std::uint32_t a, std::uint32_t b) {
  return seq_diff(a, b) <= 0;
}

struct TcpSegment {
  Direction dir = Direction::ToServer;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0;  // kTcp* bits
  std::span<const std::uint8_t> payload;  // valid for the call only
  Timestamp ts;                           // handed to the consumer with the data it triggers
};

// Receives one flow's streams. Called synchronously from on_segment()/close(); spans are valid
// only during the call. It must not call back into the reassembler.
class StreamConsumer {
 public:
  // In-order bytes from the first unconsumed one. Returns how many leading bytes it consumed;
  // the rest is presented again, with whatever follows appended, until it returns 0.
  virtual std::size_t on_data(Direction dir, std::span<const std::uint8_t> bytes, Timestamp ts) = 0;
  // The stream jumps `length` bytes past the first unconsumed byte (lost bytes, plus bytes
  // presented but not consumed that had to be dropped): resynchronise.
  virtual void on_gap(Direction dir, std::size_t length) = 0;
  // FIN or RST, or the flow ended: no more data in this direction.
  virtual void on_end(Direction dir) = 0;

 protected:
  ~StreamConsumer() = default;
};

// Capture-loss evidence for one direction (as Zeek's capture_loss): bytes the peer acknowledged
// that the probe never saw mean the capture, not the network, lost them.
struct CaptureLoss {
  std::uint64_t seen_bytes = 0;          // distinct payload bytes captured
  std::uint64_t acked_unseen_bytes = 0;  // acknowledged by the peer but never captured
  std::uint64_t gaps = 0;                // gap events
};

class TcpReassembler {
 public:
  static constexpr std::size_t kMaxRanges = 8;  // out-of-order islands held per direction

  TcpReassembler() = default;
  ~TcpReassembler();
  TcpReassembler(const TcpReassembler&) = delete;
  TcpReassembler& operator=(const TcpReassembler&) = delete;

  void on_segment(const TcpSegment& segment, StreamMemory& memory, StreamConsumer& consumer);
  // The flow ended: holes are skipped (on_gap), everything held is delivered, then on_end() for
  // each direction still open. Memory goes back to the pool.
  void close(Timestamp ts, StreamMemory& memory, StreamConsumer& consumer);
  // Forgets everything without telling the consumer (eviction); memory goes back to the pool.
  void reset(StreamMemory& memory);

  [[nodiscard]] CaptureLoss loss(Direction dir) const;
  [[nodiscard]] CaptureLoss loss() const;  // both directions
  [[nodiscard]] bool ended(Direction dir) const { return side(dir).ended; }
  [[nodiscard]] std::size_t held_bytes() const { return sides_[0].size + sides_[1].size; }

 private:
  struct Range {
    std::uint32_t start = 0, end = 0;  // offsets from base, start > pending
  };
  // One direction. Byte `base + o` sits at block[head + o]; [0, pending) is contiguous and
  // presented; ranges are the islands past the hole, sorted, disjoint and not adjacent.
  struct Side {
    std::uint8_t* block = nullptr;
    std::uint32_t size = 0;  // block bytes
    std::uint32_t head = 0;
    std::uint32_t base = 0;  // sequence number of the first unconsumed byte
    std::uint32_t pending = 0;
    std::uint32_t confirm_upto = 0;  // an ACK reaching this confirms `unconfirmed` as loss
    std::uint32_t unconfirmed = 0;   // skipped hole bytes not yet acknowledged by the peer
    std::array<Range, kMaxRanges> ranges{};
    std::uint8_t range_count = 0;
    bool started = false;
    bool ended = false;
    CaptureLoss loss;
  };
  enum class Room : std::uint8_t { Ok, Window, Ranges, Memcap };
  struct Tally;
  struct Context;

  Side& side(Direction d) { return sides_[static_cast<std::size_t>(d)]; }
  [[nodiscard]] const Side& side(Direction d) const { return sides_[static_cast<std::size_t>(d)]; }

  void add_data(Context& cx, Direction dir, std::uint32_t seq, std::span<const std::uint8_t> data);
  void zero_copy(Context& cx, Direction dir, std::span<const std::uint8_t> data);
  Room store(Context& cx, Direction dir, std::uint32_t off, std::span<const std::uint8_t> data,
             Tally& tally);
  Room make_room(Context& cx, Direction dir, std::uint32_t end);
  static void absorb(Side& s);
  void deliver(Context& cx, Direction dir);
  static void consume(Side& s, std::uint32_t n);
  void skip_to(Context& cx, Direction dir, std::uint32_t off, bool acked);
  void on_ack(Context& cx, Direction dir, std::uint32_t ack);
  void finish(Context& cx, Direction dir, std::uint32_t end_off, bool bounded);
  static void release_if_empty(StreamMemory& memory, Side& s);

  std::array<Side, 2> sides_{};
};

}  // namespace limen::stream
