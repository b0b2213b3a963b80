#pragma once
// OpcuaSession: one per OPC UA binary (UA TCP) flow. Frames each direction's stream into chunks,
// tracks the secure channel's security mode from OpenSecureChannel, pairs HEL with ACK/ERR and
// OPN/MSG requests with their responses by request id, and reports one Transaction per pair
// (or per lone message) to the caller's sink.
//
// Invariants: the session never buffers payload. on_data consumes whole chunks, or, for a chunk
// larger than kMaxChunk, its first kMaxChunk bytes and then skips the rest as it arrives, so the
// reassembler never holds more than kMaxChunk bytes of one direction. The body of a MSG (the
// service) is read only while the channel is known to run in security mode None; otherwise the
// transaction says `opcua.encrypted` and names no service: it never guesses. At most
// kMaxOutstanding requests wait, each as a compact Summary (scalars and a short text), never a
// whole Transaction; the oldest is reported unanswered when a new one does not fit. Bad framing
// puts a direction out of sync: bytes are skipped (and counted) until a plausible header.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/timestamp.h"
#include "dissectors/core/transaction.h"
#include "dissectors/opcua/opcua_decoder.h"

namespace limen::dissect::opcua {

struct SessionCounters {
  std::uint64_t requests = 0;
  std::uint64_t responses = 0;
  std::uint64_t transactions = 0;         // reported to the sink, paired or not
  std::uint64_t unanswered = 0;           // requests reported without a response
  std::uint64_t unmatched_responses = 0;  // responses with no pending request
  std::uint64_t evicted = 0;              // requests pushed out by kMaxOutstanding
  std::uint64_t continuation_chunks = 0;  // chunks after the first of a message
  std::uint64_t aborted = 0;              // messages ended by an abort chunk
  std::uint64_t hidden = 0;               // requests whose body was not visible
  std::uint64_t malformed = 0;            // framed chunks whose content ran past the chunk
  std::uint64_t anomalies = 0;            // every anomaly and violation reported
  std::uint64_t out_of_sync = 0;          // times a direction lost framing
  std::uint64_t skipped_bytes = 0;        // bytes skipped while out of sync
  std::uint64_t gaps = 0;
};

class OpcuaSession {
 public:
  static constexpr std::size_t kMaxOutstanding = 16;
  static constexpr std::size_t kMaxText = 128;  // kept bytes of an endpoint URL or policy URI

  std::size_t on_data(Direction dir, std::span<const std::uint8_t> bytes, Timestamp ts,
                      TransactionSink& sink);
  void on_gap(Direction dir, std::size_t length);
  void on_close(Timestamp ts, TransactionSink& sink);

  [[nodiscard]] const SessionCounters& counters() const { return counters_; }
  [[nodiscard]] std::size_t outstanding() const { return pending_count_; }

  // What is kept of a request (or of a message reported alone) until it is reported.
  struct Summary {
    MessageType type = MessageType::Hello;
    char chunk_type = 'F';
    std::uint16_t flags = 0;   // which optional fields are present (kHas* in the .cpp)
    std::uint16_t chunks = 1;  // chunks of the message seen so far
    std::uint32_t secure_channel_id = 0, token_id = 0, sequence_number = 0, request_id = 0;
    std::uint32_t service_id = 0;
    std::uint32_t security_mode = 0, request_type = 0, identity_token = 0;
    std::uint32_t protocol_version = 0, receive_buffer_size = 0, send_buffer_size = 0;
    std::uint32_t max_message_size = 0, max_chunk_count = 0;
    std::uint8_t text_length = 0;  // endpoint URL (HEL) or security policy URI (OPN)
    std::array<char, kMaxText> text{};
  };

 private:
  enum class ChannelMode : std::uint8_t { Unknown, None, Secured };
  struct Pending {
    Summary request;
    std::uint64_t order = 0;  // arrival order: the oldest is matched and evicted first
  };

  void on_chunk(Direction dir, const Chunk& chunk, TransactionSink& sink);
  void on_request(const Chunk& chunk, TransactionSink& sink);
  void on_reply(const Chunk& chunk, TransactionSink& sink);
  Pending* find_pending(MessageType type, std::uint32_t request_id);
  void take(Pending* p);
  [[nodiscard]] Summary summarize(const Chunk& chunk) const;
  std::size_t resync(Direction dir, std::span<const std::uint8_t> bytes);
  void report(const Summary* request, const Chunk* response, TransactionSink& sink);
  void anomaly(Direction dir, std::string_view reason, bool violation, TransactionSink& sink);

  std::array<Pending, kMaxOutstanding> pending_{};
  std::size_t pending_count_ = 0;
  std::uint64_t next_order_ = 0;
  ChannelMode mode_ = ChannelMode::Unknown;
  std::array<bool, 2> out_of_sync_{};
  std::array<bool, 2> framed_{};      // a valid chunk was seen in this direction
  std::array<bool, 2> in_message_{};  // an intermediate chunk was seen: more follow
  std::array<std::uint32_t, 2> message_request_id_{};
  std::array<std::size_t, 2> skip_{};  // bytes of an oversized chunk still to skip
  SessionCounters counters_;
};

}  // namespace limen::dissect::opcua
