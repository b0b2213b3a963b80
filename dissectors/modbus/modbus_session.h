#pragma once
// ModbusSession: one per Modbus/TCP flow. Frames each direction's stream into ADUs, pairs
// requests with responses by MBAP transaction id and reports one Transaction per pair (or per
// lone request or response) to the caller's sink.
//
// Invariants: the session never buffers payload (on_data consumes whole ADUs only; the TCP
// reassembler keeps the rest, at most one 260-byte ADU). At most kMaxOutstanding requests wait
// for a response, each as a compact summary (scalars and at most kMaxKeptValues written values),
// never a whole Transaction; the oldest is reported unanswered when a new one does not fit.
// Bad framing puts that direction out of sync: bytes are skipped (and counted) until a
// plausible MBAP header, so garbage can neither crash nor stall the session.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/timestamp.h"
#include "dissectors/core/transaction.h"
#include "dissectors/modbus/modbus_decoder.h"

namespace limen::dissect::modbus {

struct SessionCounters {
  std::uint64_t requests = 0;
  std::uint64_t responses = 0;
  std::uint64_t transactions = 0;        // reported to the sink, paired or not
  std::uint64_t unanswered = 0;          // requests reported without a response
  std::uint64_t unmatched_responses = 0; // responses with no pending request
  std::uint64_t evicted = 0;             // requests pushed out by kMaxOutstanding (in unanswered)
  std::uint64_t malformed = 0;           // framed ADUs whose PDU was inconsistent
  std::uint64_t anomalies = 0;           // every anomaly and violation reported
  std::uint64_t out_of_sync = 0;         // times a direction lost framing
  std::uint64_t skipped_bytes = 0;       // bytes skipped while out of sync
  std::uint64_t gaps = 0;
};

class ModbusSession {
 public:
  static constexpr std::size_t kMaxOutstanding = 32;
  static constexpr std::size_t kMaxKeptValues = 32;

  std::size_t on_data(Direction dir, std::span<const std::uint8_t> bytes, Timestamp ts,
                      TransactionSink& sink);
  void on_gap(Direction dir, std::size_t length);
  void on_close(Timestamp ts, TransactionSink& sink);

  [[nodiscard]] const SessionCounters& counters() const { return counters_; }
  [[nodiscard]] std::size_t outstanding() const { return pending_count_; }

  // The scalar part of a request (or of a response seen without one), kept while it waits.
  struct Summary {
    std::uint16_t transaction_id = 0;
    std::uint8_t unit_id = 0;
    std::uint8_t function_code = 0;
    std::uint16_t flags = 0;  // which optional fields are present (kHas* in the .cpp)
    std::uint16_t start_address = 0, quantity = 0, read_address = 0, read_quantity = 0;
    std::uint16_t sub_function = 0, byte_count = 0, and_mask = 0, or_mask = 0;
    std::uint16_t file_number = 0, record_number = 0, record_length = 0;
    std::uint8_t mei_type = 0, device_id_code = 0, object_id = 0;
    std::uint8_t kept_values = 0;   // entries of `values` in use
    std::uint16_t value_count = 0;  // values the message carried (may exceed kept_values)
    std::array<std::uint16_t, kMaxKeptValues> values{};
  };

 private:
  struct Pending {
    Summary request;
    std::uint64_t order = 0;  // arrival order: the oldest is matched and evicted first
  };

  std::size_t resync(Direction dir, std::span<const std::uint8_t> bytes);
  void on_request(const Pdu& pdu, TransactionSink& sink);
  void on_response(const Pdu& pdu, TransactionSink& sink);
  void report(const Summary* request, const Pdu* response, TransactionSink& sink);
  void anomaly(Direction dir, std::string_view reason, bool violation, TransactionSink& sink);

  std::array<Pending, kMaxOutstanding> pending_{};
  std::size_t pending_count_ = 0;
  std::uint64_t next_order_ = 0;
  std::array<bool, 2> out_of_sync_{};
  SessionCounters counters_;
};

}  // namespace limen::dissect::modbus
