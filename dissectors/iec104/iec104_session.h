#pragma once
// Iec104Session: one per IEC 104 connection. Frames each direction's stream into APDUs and
// reports one Transaction per I frame (an ASDU) and per U frame (STARTDT/STOPDT/TESTFR);
// S frames only acknowledge and are counted, not reported.
//
// Invariants: the session never buffers payload (on_data consumes whole APDUs only; the TCP
// reassembler keeps the rest, at most one 255-byte APDU). Its state is a few integers per
// direction. Bad framing puts that direction out of sync: bytes are skipped (and counted) until
// a plausible APCI, so garbage can neither crash nor stall the session. Send sequence numbers
// are checked per direction; a jump is an anomaly (loss or injection), then followed.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/timestamp.h"
#include "dissectors/core/transaction.h"
#include "dissectors/iec104/iec104_decoder.h"

namespace limen::dissect::iec104 {

struct SessionCounters {
  std::uint64_t i_frames = 0;
  std::uint64_t s_frames = 0;
  std::uint64_t u_frames = 0;
  std::uint64_t transactions = 0;
  std::uint64_t malformed = 0;
  std::uint64_t anomalies = 0;      // every anomaly and violation reported
  std::uint64_t sequence_errors = 0;
  std::uint64_t out_of_sync = 0;    // times a direction lost framing
  std::uint64_t skipped_bytes = 0;  // bytes skipped while out of sync
  std::uint64_t gaps = 0;
};

class Iec104Session {
 public:
  static constexpr std::size_t kMaxListedIoas = 32;

  std::size_t on_data(Direction dir, std::span<const std::uint8_t> bytes, Timestamp ts,
                      TransactionSink& sink);
  void on_gap(Direction dir, std::size_t length);
  // Nothing waits for a response (every APDU is reported as it arrives): counters only.
  void on_close(Timestamp ts, TransactionSink& sink);

  [[nodiscard]] const SessionCounters& counters() const { return counters_; }

 private:
  struct DirectionState {
    bool out_of_sync = false;
    bool seq_known = false;
    std::uint16_t next_tx = 0;
  };

  std::size_t resync(DirectionState& state, std::span<const std::uint8_t> bytes);
  void on_apdu(Direction dir, const Apdu& apdu, TransactionSink& sink);
  void anomaly(Direction dir, std::string_view reason, bool violation, TransactionSink& sink);

  std::array<DirectionState, 2> dir_{};
  SessionCounters counters_;
};

}  // namespace limen::dissect::iec104
