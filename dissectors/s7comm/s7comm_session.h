#pragma once
// S7commSession: one per TCP flow on port 102. Frames TPKT/COTP per direction, reassembles COTP
// DT segments up to EOT (bounded), decodes S7comm and recognises S7comm-plus, pairs each job with
// its ack/ack_data (and userdata and S7comm-plus requests with their responses) and reports one
// Transaction per pair to the sink.
//
// Invariants: the session never buffers stream bytes (unconsumed bytes stay with the TCP
// reassembler, so a TSDU split over DT frames is consumed only once its EOT frame is there, up
// to kMaxTsduBytes); requests waiting for an answer keep a compact Summary, at most kMaxPending
// (the oldest is reported without response when a new one needs room); per-item lists are cut
// at kMaxItems. Bad framing is an anomaly and puts the direction out of sync until a plausible
// TPKT header is found again. Fixed size, no allocation.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/timestamp.h"
#include "dissectors/core/transaction.h"

namespace limen::dissect::s7comm {

struct Pdu;
struct PlusPdu;

class S7commSession {
 public:
  static constexpr std::size_t kMaxPending = 8;      // S7 negotiates at most a few parallel jobs
  static constexpr std::size_t kMaxItems = 8;        // per-item lists kept per transaction
  static constexpr std::size_t kMaxPiName = 16;      // PI service names are <= 10 characters
  static constexpr std::size_t kMaxTsduBytes = 65536;
  static constexpr std::size_t kMaxDtFrames = 64;
  // Segmented TSDUs are gathered here (on the stack); S7comm PDUs are at most 960 bytes and only
  // the head of an S7comm-plus PDU is read, so a longer TSDU is decoded from its first bytes.
  static constexpr std::size_t kAssemblyBytes = 4096;

  struct Counters {
    std::uint64_t frames = 0;          // TPKT frames consumed
    std::uint64_t pdus = 0;            // S7comm PDUs decoded
    std::uint64_t plus_pdus = 0;       // S7comm-plus PDUs recognised
    std::uint64_t segmented = 0;       // TSDUs reassembled from several DT frames
    std::uint64_t transactions = 0;
    std::uint64_t anomalies = 0;
    std::uint64_t resyncs = 0;         // times a direction went out of sync
    std::uint64_t skipped_bytes = 0;   // bytes skipped while out of sync or discarding
    std::uint64_t unmatched_responses = 0;
    std::uint64_t evicted_requests = 0;
    std::uint64_t gaps = 0;
    std::uint64_t plus_continuations = 0;  // S7comm-plus fragments after the first
  };

  std::size_t on_data(Direction dir, std::span<const std::uint8_t> bytes, Timestamp ts,
                      TransactionSink& sink);
  void on_gap(Direction dir, std::size_t length);
  void on_close(Timestamp ts, TransactionSink& sink);

  [[nodiscard]] const Counters& counters() const { return counters_; }

 private:
  enum class Kind : std::uint8_t { Job, Userdata, Plus };
  enum class Sync : std::uint8_t { InSync, OutOfSync, Discarding };

  // What one PDU contributes to a transaction: small enough to keep per pending request.
  struct Summary {
    bool used = false;
    Kind kind = Kind::Job;
    Direction dir = Direction::ToServer;
    std::uint16_t key = 0;  // PDU reference, or the S7comm-plus sequence number
    std::uint64_t age = 0;
    std::uint8_t protocol_id = 0;
    std::uint8_t rosctr = 0;
    bool has_function = false;
    std::uint8_t function = 0;
    bool has_error = false;
    std::uint8_t error_class = 0;
    std::uint8_t error_code = 0;
    std::uint8_t item_count = 0;
    std::uint8_t stored_items = 0;
    std::uint8_t stored_returns = 0;
    std::array<std::uint8_t, kMaxItems> areas{};
    std::array<std::uint16_t, kMaxItems> dbs{};
    std::array<std::uint32_t, kMaxItems> addresses{};
    std::array<std::uint16_t, kMaxItems> lengths{};
    std::array<std::uint8_t, kMaxItems> return_codes{};
    std::uint16_t pdu_size = 0;
    bool has_block = false;
    std::uint8_t block_type = 0;
    std::uint32_t block_number = 0;
    std::uint8_t pi_length = 0;
    std::array<char, kMaxPiName> pi_service{};
    std::uint8_t ud_type = 0;
    std::uint8_t ud_group = 0;
    std::uint8_t ud_subfunction = 0;
    std::uint16_t ud_error = 0;
    bool has_szl = false;
    std::uint16_t szl_id = 0;
    std::uint16_t szl_index = 0;
    std::uint8_t plus_version = 0;
    std::uint8_t plus_opcode = 0;
    bool plus_has_function = false;
    std::uint16_t plus_function = 0;
    bool plus_integrity = false;
  };

  static Summary summarize(Direction dir, const Pdu& pdu);
  static Summary summarize(Direction dir, const PlusPdu& pdu);
  std::size_t resync(Direction dir, std::span<const std::uint8_t> bytes);
  void on_tsdu(Direction dir, std::span<const std::uint8_t> tsdu, bool cut, TransactionSink& sink);
  void on_request(const Summary& s, TransactionSink& sink);
  void on_response(const Summary& s, TransactionSink& sink);
  void emit(const Summary* request, const Summary* response, TransactionSink& sink);
  void anomaly(Direction dir, std::string_view reason, bool violation, TransactionSink& sink);
  Sync& sync(Direction dir) { return sync_[static_cast<std::size_t>(dir)]; }

  std::array<Sync, 2> sync_{};
  std::array<bool, 2> plus_more_{};  // an S7comm-plus PDU continues in the next TSDU
  std::array<Summary, kMaxPending> pending_{};
  std::uint64_t next_age_ = 0;
  Counters counters_;
};

}  // namespace limen::dissect::s7comm
