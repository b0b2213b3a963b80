#pragma once
// BacnetSession: one per BACnet/IP UDP flow (a pair of endpoints). Each on_data call is one
// datagram, i.e. one whole BVLC message. Confirmed requests are paired with their answer
// (simple/complex ack, error, reject, abort) by the requester's direction and invoke id; BBMD
// management requests with the BVLC-Result or table ack coming back; unconfirmed requests and
// network-layer messages are reported alone. One Transaction per pair, lone request or lone
// answer goes to the caller's sink.
//
// Invariants: the session never buffers payload (a datagram is always consumed whole). At most
// kMaxOutstanding confirmed requests wait, each as a compact Summary, never a whole Transaction;
// the oldest is reported unanswered when a new one does not fit. Bad datagrams become anomalies
// (violations when the bytes are not BACnet) and counters; the next datagram starts afresh,
// so there is no out-of-sync state to recover from.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/timestamp.h"
#include "dissectors/bacnet/bacnet_decoder.h"
#include "dissectors/core/transaction.h"

namespace limen::dissect::bacnet {

struct SessionCounters {
  std::uint64_t datagrams = 0;
  std::uint64_t requests = 0;             // confirmed requests and BBMD management requests
  std::uint64_t responses = 0;            // answers to either
  std::uint64_t unconfirmed = 0;          // unconfirmed requests
  std::uint64_t network_messages = 0;
  std::uint64_t transactions = 0;         // reported to the sink, paired or not
  std::uint64_t unanswered = 0;           // requests reported without an answer
  std::uint64_t unmatched_responses = 0;  // answers with no pending request
  std::uint64_t evicted = 0;              // requests pushed out by kMaxOutstanding
  std::uint64_t segments = 0;             // later segments and segment acks (not reported)
  std::uint64_t invalid = 0;              // datagrams that did not decode
  std::uint64_t anomalies = 0;            // every anomaly and violation reported
  std::uint64_t gaps = 0;
};

class BacnetSession {
 public:
  static constexpr std::size_t kMaxOutstanding = 32;

  // `bytes` is one UDP payload; the return value is always bytes.size().
  std::size_t on_data(Direction dir, std::span<const std::uint8_t> bytes, Timestamp ts,
                      TransactionSink& sink);
  void on_gap(Direction dir, std::size_t length);
  void on_close(Timestamp ts, TransactionSink& sink);

  [[nodiscard]] const SessionCounters& counters() const { return counters_; }
  [[nodiscard]] std::size_t outstanding() const;

  // The scalar part of a request (or of an answer seen without one), kept while it waits.
  struct Summary {
    Direction dir = Direction::ToServer;
    std::uint16_t flags = 0;  // which optional fields are present (kHas* in the .cpp)
    std::uint8_t bvlc_function = 0;
    std::uint8_t pdu_type = 0;
    std::uint8_t invoke_id = 0;
    std::uint8_t service = 0;
    std::uint8_t message_type = 0;
    std::uint8_t hop_count = 0;
    std::uint16_t dnet = 0, snet = 0;
    std::uint16_t object_type = 0;
    std::uint32_t object_instance = 0;
    std::uint32_t property = 0;
    std::uint32_t state = 0;
  };

 private:
  struct Pending {
    Summary request;
    std::uint64_t order = 0;  // arrival order: the oldest is evicted first
    bool used = false;
  };

  void on_confirmed(const Message& m, Direction dir, TransactionSink& sink);
  void on_answer(const Message& m, Direction dir, TransactionSink& sink);
  void on_bvlc(const Message& m, Direction dir, TransactionSink& sink);
  void report(const Summary* request, const Message* response, TransactionSink& sink);
  void anomaly(Direction dir, std::string_view reason, bool violation, TransactionSink& sink);

  std::array<Pending, kMaxOutstanding> pending_{};
  std::array<Pending, 2> bvlc_pending_{};  // one BBMD request per direction awaits its result
  std::uint64_t next_order_ = 0;
  SessionCounters counters_;
};

}  // namespace limen::dissect::bacnet
