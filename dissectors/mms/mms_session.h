#pragma once
// MmsSession: one per TCP flow on port 102 once the first DT payload looks like MMS
// (looks_like_mms). Frames TPKT/COTP per direction (the framing shared with S7comm), reassembles
// COTP DT runs up to EOT (bounded), decodes session/presentation/ACSE/MMS, pairs confirmed
// requests with their response, error or reject by invoke id (initiate, conclude and release
// pair in order) and reports one Transaction per pair to the sink.
//
// Invariants: the session never buffers stream bytes (a TSDU split over DT frames is consumed
// only once its EOT frame is there, up to kMaxTsduBytes; only its first kAssemblyBytes are
// decoded); requests waiting for an answer keep a compact Summary with names cut at kMaxName,
// at most kMaxPending (the oldest is reported without response when a new one needs room). Bad
// framing is an anomaly and puts the direction out of sync until a plausible TPKT header is
// found again. Fixed size, no allocation.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/timestamp.h"
#include "dissectors/core/transaction.h"

namespace limen::dissect::mms {

struct Pdu;

class MmsSession {
 public:
  static constexpr std::size_t kMaxPending = 16;  // outstanding confirmed requests kept
  static constexpr std::size_t kMaxName = 64;     // domain/item/file bytes kept per summary
  static constexpr std::size_t kMaxTsduBytes = 1U << 20;
  static constexpr std::size_t kMaxDtFrames = 256;
  // Segmented TSDUs are gathered here (on the stack); only the head of a large PDU (a read
  // response with many values) is needed to name its service.
  static constexpr std::size_t kAssemblyBytes = 16384;

  struct Counters {
    std::uint64_t frames = 0;          // TPKT frames consumed
    std::uint64_t pdus = 0;            // TSDUs decoded (session SPDUs, with or without MMS)
    std::uint64_t segmented = 0;       // TSDUs reassembled from several DT frames
    std::uint64_t transactions = 0;
    std::uint64_t anomalies = 0;
    std::uint64_t resyncs = 0;         // times a direction went out of sync
    std::uint64_t skipped_bytes = 0;   // bytes skipped while out of sync or discarding
    std::uint64_t unmatched_responses = 0;
    std::uint64_t evicted_requests = 0;
    std::uint64_t gaps = 0;
  };

  std::size_t on_data(Direction dir, std::span<const std::uint8_t> bytes, Timestamp ts,
                      TransactionSink& sink);
  void on_gap(Direction dir, std::size_t length);
  void on_close(Timestamp ts, TransactionSink& sink);

  [[nodiscard]] const Counters& counters() const { return counters_; }
  // Requests waiting for an answer.
  [[nodiscard]] std::size_t outstanding() const;

 private:
  enum class Kind : std::uint8_t { Confirmed, Initiate, Conclude, Cancel, Release, Lone };
  enum class Sync : std::uint8_t { InSync, OutOfSync, Discarding };

  struct Name {
    std::uint8_t length = 0;
    std::array<char, kMaxName> text{};
    void assign(std::span<const std::uint8_t> bytes);
    [[nodiscard]] std::string_view view() const { return {text.data(), length}; }
  };

  // What one PDU contributes to a transaction: small enough to keep per pending request.
  struct Summary {
    bool used = false;
    Kind kind = Kind::Lone;
    Direction dir = Direction::ToServer;
    std::uint32_t key = 0;  // invoke id for confirmed and cancel PDUs
    std::uint64_t age = 0;
    std::uint8_t spdu = 0;
    std::uint8_t acse = 0;
    bool has_mms = false;
    std::uint8_t type = 0;
    bool has_invoke_id = false;
    std::uint32_t invoke_id = 0;
    bool has_service = false;
    std::uint32_t service = 0;
    bool has_error = false;
    std::uint32_t error_class = 0;
    std::uint32_t error_code = 0;
    bool has_reject = false;
    std::uint32_t reject_type = 0;
    std::uint32_t reject_code = 0;
    Name domain;
    Name item;
    Name file;
  };

  static Summary summarize(Direction dir, const Pdu& pdu);
  std::size_t resync(Direction dir, std::span<const std::uint8_t> bytes);
  void on_tsdu(Direction dir, std::span<const std::uint8_t> tsdu, bool cut, TransactionSink& sink);
  void on_request(const Summary& s, TransactionSink& sink);
  bool on_response(const Summary& s, TransactionSink& sink);
  void emit(const Summary* request, const Summary* response, TransactionSink& sink);
  void anomaly(Direction dir, std::string_view reason, bool violation, TransactionSink& sink);
  Sync& sync(Direction dir) { return sync_[static_cast<std::size_t>(dir)]; }

  std::array<Sync, 2> sync_{};
  std::array<Summary, kMaxPending> pending_{};
  std::uint64_t next_age_ = 0;
  Counters counters_;
};

}  // namespace limen::dissect::mms
