#pragma once
// Dnp3Session: one per DNP3 flow (TCP or UDP, port 20000). It frames the byte stream into link
// frames (every CRC checked), reassembles transport segments into application fragments per
// direction, decodes them and pairs requests with responses by application sequence number,
// reporting one Transaction per exchange to the sink.
//
// Invariants: on_data never buffers link frames (an incomplete frame is left unconsumed for the
// TCP reassembler, at most kMaxLinkFrame bytes); the only buffers are the two fixed transport
// reassembly buffers of kMaxFragment bytes. At most kMaxPending requests wait for a response,
// each as a compact record (never a whole Transaction). Invalid input becomes an Anomaly and a
// counted resynchronisation on the next 0x05 0x64 whose header CRC holds; never an exception.
// For UDP, give each datagram to on_data and drop what it leaves unconsumed.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/timestamp.h"
#include "dissectors/core/transaction.h"
#include "dissectors/dnp3/dnp3_constants.h"
#include "dissectors/dnp3/dnp3_decoder.h"

namespace limen::dissect::dnp3 {

// Per-session counters; the owner sums them off the hot path.
struct Dnp3Stats {
  std::uint64_t frames = 0;            // link frames with good CRCs
  std::uint64_t link_only_frames = 0;  // link frames without user data (resets, status, acks)
  std::uint64_t crc_errors = 0;        // frames dropped for a bad data-block CRC
  std::uint64_t resyncs = 0;           // times framing was lost and a start was hunted for
  std::uint64_t skipped_bytes = 0;     // bytes skipped while hunting
  std::uint64_t gaps = 0;              // on_gap calls
  std::uint64_t transport_errors = 0;  // segments dropped: no FIR, out of sequence, oversize
  std::uint64_t fragments = 0;         // application fragments decoded
  std::uint64_t confirms = 0;          // application confirms (counted, not reported)
  std::uint64_t continuations = 0;     // non-first fragments of multi-fragment responses
  std::uint64_t unmatched_responses = 0;
  std::uint64_t unanswered_requests = 0;  // flushed without a response (close, retry, overflow)
  std::uint64_t transactions = 0;
};

class Dnp3Session {
 public:
  static constexpr std::size_t kMaxPending = 4;
  static constexpr std::size_t kPendingObjects = 8;

  // See dissectors/core/transaction.h for the contract of these three.
  std::size_t on_data(Direction dir, std::span<const std::uint8_t> bytes, Timestamp ts,
                      TransactionSink& sink);
  void on_gap(Direction dir, std::size_t length);
  void on_close(Timestamp ts, TransactionSink& sink);

  [[nodiscard]] const Dnp3Stats& stats() const { return stats_; }

 private:
  // Link addresses and control of the first segment of a fragment.
  struct Origin {
    std::uint16_t src = 0;
    std::uint16_t dst = 0;
    std::uint8_t link_control = 0;
  };
  struct Stream {
    std::array<std::uint8_t, kMaxFragment> buffer{};
    std::size_t used = 0;
    bool active = false;        // a FIR segment was seen and FIN not yet
    std::uint8_t next_seq = 0;  // transport sequence expected next
    Origin origin;
    bool out_of_sync = false;   // hunting for the next valid frame
    bool seen_frame = false;    // a valid frame was seen in this direction
  };
  // What a request leaves behind while it waits for its response.
  struct Pending {
    std::uint64_t order = 0;  // arrival number; 0 marks a free slot
    Origin origin;
    std::uint8_t function = 0;
    std::uint8_t control = 0;
    std::uint8_t object_count = 0;
    bool incomplete = false;
    std::array<std::uint16_t, kPendingObjects> objects{};
    std::array<std::uint32_t, kPendingObjects> counts{};
  };

  void on_frame(Direction dir, const LinkFrame& frame, TransactionSink& sink);
  void on_fragment(Direction dir, std::span<const std::uint8_t> fragment, const Origin& origin,
                   TransactionSink& sink);
  void on_request(const Pending& request, TransactionSink& sink);
  void on_response(const AppMessage& m, const Origin& origin, TransactionSink& sink);
  Pending* find_pending(std::uint8_t seq, bool auth);
  void flush(Pending& p, TransactionSink& sink);
  void emit(const Pending* request, const AppMessage* response, const Origin& origin,
            TransactionSink& sink);
  void anomaly(Direction dir, std::string_view reason, bool violation, TransactionSink& sink);

  std::array<Stream, 2> streams_{};
  std::array<Pending, kMaxPending> pending_{};
  std::uint64_t next_order_ = 1;
  Dnp3Stats stats_;
};

}  // namespace limen::dissect::dnp3
