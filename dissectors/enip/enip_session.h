#pragma once
// EnipSession: one per EtherNet/IP flow (TCP 44818, or one UDP 44818 conversation). Frames each
// direction's stream into encapsulation messages, decodes the CIP message inside (unwrapping
// Unconnected Send, listing Multiple Service Packet members), pairs requests with replies and
// reports one Transaction per pair (or per lone request or reply) to the caller's sink.
//
// Invariants: the session never buffers payload (on_data consumes whole messages only; the
// reassembler keeps the rest, at most one kMaxFrame message). Pairing: send_rr_data and the
// list/register commands by command + sender context (the target echoes it); send_unit_data by
// the connected sequence count. At most kMaxOutstanding requests wait, each as a compact Summary
// (never a whole Transaction); the oldest is reported unanswered when a new one does not fit.
// Bad framing puts that direction out of sync: bytes are skipped (and counted) until a
// plausible header, so garbage can neither crash nor stall the session.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/timestamp.h"
#include "dissectors/core/transaction.h"
#include "dissectors/enip/cip_decoder.h"
#include "dissectors/enip/enip_decoder.h"

namespace limen::dissect::enip {

struct SessionCounters {
  std::uint64_t requests = 0;
  std::uint64_t responses = 0;
  std::uint64_t transactions = 0;         // reported to the sink, paired or not
  std::uint64_t unanswered = 0;           // requests reported without a reply
  std::uint64_t unmatched_responses = 0;  // replies with no pending request
  std::uint64_t evicted = 0;              // requests pushed out by kMaxOutstanding
  std::uint64_t malformed = 0;            // framed messages whose content was inconsistent
  std::uint64_t anomalies = 0;            // every anomaly and violation reported
  std::uint64_t out_of_sync = 0;          // times a direction lost framing
  std::uint64_t skipped_bytes = 0;        // bytes skipped while out of sync
  std::uint64_t gaps = 0;
};

class EnipSession {
 public:
  static constexpr std::size_t kMaxOutstanding = 16;
  static constexpr std::size_t kMaxMembers = 16;  // Multiple Service Packet members listed
  static constexpr std::size_t kMaxSymbol = 40;   // tag name bytes kept while pending

  std::size_t on_data(Direction dir, std::span<const std::uint8_t> bytes, Timestamp ts,
                      TransactionSink& sink);
  void on_gap(Direction dir, std::size_t length);
  void on_close(Timestamp ts, TransactionSink& sink);

  [[nodiscard]] const SessionCounters& counters() const { return counters_; }
  [[nodiscard]] std::size_t outstanding() const { return pending_count_; }

  // What one message said, kept compactly while a request waits for its reply.
  struct Summary {
    std::uint16_t command = 0;
    std::uint16_t flags = 0;  // kHas* in the .cpp
    std::uint32_t session = 0;
    std::uint32_t encap_status = 0;
    std::uint64_t context = 0;
    std::uint32_t connection_id = 0;
    std::uint16_t sequence = 0;
    std::uint16_t protocol_version = 0;
    std::uint8_t service = 0;
    std::uint8_t general_status = 0;
    std::uint16_t extended_status = 0;
    std::uint32_t class_id = 0, instance = 0, attribute = 0;
    Operation operation = Operation::Unknown;
    std::uint8_t symbol_length = 0;
    std::uint8_t kept_members = 0;
    std::uint16_t member_count = 0;  // members the packet declared (may exceed kept_members)
    std::array<char, kMaxSymbol> symbol{};
    std::array<std::uint8_t, kMaxMembers> members{};
  };

 private:
  struct Pending {
    Summary request;
    std::uint64_t order = 0;  // arrival order: the oldest is matched and evicted first
  };

  std::size_t resync(Direction dir, std::span<const std::uint8_t> bytes);
  void summarize(Direction dir, const Message& msg, Summary& s, TransactionSink& sink);
  void summarize_cip(Direction dir, std::span<const std::uint8_t> cip, Summary& s,
                     TransactionSink& sink);
  void on_request(const Summary& s, TransactionSink& sink);
  void on_response(const Summary& s, const Message& msg, TransactionSink& sink);
  void report(const Summary* request, const Summary* response, const Message* reply,
              TransactionSink& sink);
  void anomaly(Direction dir, std::string_view reason, bool violation, TransactionSink& sink);

  std::array<Pending, kMaxOutstanding> pending_{};
  std::size_t pending_count_ = 0;
  std::uint64_t next_order_ = 0;
  std::array<bool, 2> out_of_sync_{};
  SessionCounters counters_;
};

}  // namespace limen::dissect::enip
