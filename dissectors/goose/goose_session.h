#pragma once
// GooseSession: one per GOOSE publisher stream (the caller keys it by source MAC, APPID and
// gocbRef from decode_goose). Each frame is one on_data call. It reports one Transaction per
// STATE CHANGE (stNum change, and the first frame of the stream), counts heartbeats (repeats of
// a state) without reporting them, and checks the publisher's sequencing:
//   stNum regression, stNum skipped, stNum change without sqNum reset to 0/1, sqNum regression
//   or repeat within one state, timeAllowedToLive exceeded between consecutive frames (a missed
//   heartbeat), confRev change, reserved header bits, and bursts of state changes (more than
//   `burst_changes` within `burst_window_usec`; reported once per burst).
// Each finding is an Anomaly with a static reason (a violation only when the frame does not
// decode as GOOSE at all).
//
// Invariants: no payload is kept; the per-stream state is a few scalars and a fixed ring of
// burst timestamps. Counters wrap as IEC 61850-8-1 says (4294967295 -> 1 is not a regression).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/timestamp.h"
#include "dissectors/core/transaction.h"
#include "dissectors/goose/goose_decoder.h"

namespace limen::dissect::goose {

struct GooseConfig {
  static constexpr std::uint32_t kMaxBurstChanges = 63;
  std::uint32_t burst_changes = 10;             // more than this many state changes ...
  std::int64_t burst_window_usec = kUsecPerSecond;  // ... within this window is a burst
};

struct GooseCounters {
  std::uint64_t frames = 0;
  std::uint64_t state_changes = 0;  // stNum changes (the first frame not included)
  std::uint64_t heartbeats = 0;     // frames repeating the current state
  std::uint64_t transactions = 0;
  std::uint64_t anomalies = 0;
  std::uint64_t invalid = 0;  // frames that did not decode (cut or malformed)
  std::uint64_t bursts = 0;
  std::uint64_t gaps = 0;
};

class GooseSession {
 public:
  GooseSession() = default;
  explicit GooseSession(const GooseConfig& config);

  // `frame` is the bytes after the Ethertype; returns frame.size() (a frame is always whole).
  std::size_t on_data(Direction dir, std::span<const std::uint8_t> frame, Timestamp ts,
                      TransactionSink& sink);
  void on_gap(Direction dir, std::size_t length);
  void on_close(Timestamp ts, TransactionSink& sink);

  [[nodiscard]] const GooseCounters& counters() const { return counters_; }

 private:
  void check_sequence(Direction dir, const GoosePdu& pdu, Timestamp ts, TransactionSink& sink);
  void check_burst(Direction dir, Timestamp ts, TransactionSink& sink);
  void report(Direction dir, const GoosePdu& pdu, TransactionSink& sink);
  void anomaly(Direction dir, std::string_view reason, bool violation, TransactionSink& sink);

  GooseConfig config_;
  bool started_ = false;
  std::uint32_t st_num_ = 0;
  std::uint32_t sq_num_ = 0;
  std::uint32_t conf_rev_ = 0;
  std::uint64_t time_allowed_to_live_ms_ = 0;
  Timestamp last_ts_;
  std::uint64_t heartbeats_since_change_ = 0;
  std::array<std::int64_t, GooseConfig::kMaxBurstChanges + 1> changes_{};  // ring of usec
  std::size_t changes_head_ = 0;
  std::size_t changes_count_ = 0;
  bool in_burst_ = false;
  GooseCounters counters_;
};

}  // namespace limen::dissect::goose
