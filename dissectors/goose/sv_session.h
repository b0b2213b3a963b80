#pragma once
// SvSession: one per Sampled Values publisher stream (the caller keys it by source MAC, APPID
// and the first ASDU's svID). SV runs at thousands of frames per second, so the session reports
// one Transaction per svID stream start only, and anomalies for: smpCnt jumps (lost samples),
// smpCnt regressions or repeats, confRev changes and loss of sample synchronisation (smpSynch
// falling to 0). A wrap of smpCnt to 0 is accepted (it wraps at the sample rate, unknown here).
//
// Invariants: no payload is kept; at most kMaxStreams svIDs are tracked per session, each by a
// 64-bit hash of its svID and a few scalars. ASDUs of further svIDs are counted, not checked.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/timestamp.h"
#include "dissectors/core/transaction.h"
#include "dissectors/goose/goose_decoder.h"

namespace limen::dissect::goose {

struct SvCounters {
  std::uint64_t frames = 0;
  std::uint64_t asdus = 0;
  std::uint64_t streams = 0;    // svIDs started (one transaction each)
  std::uint64_t untracked = 0;  // ASDUs of svIDs beyond kMaxStreams
  std::uint64_t lost_samples = 0;  // sum of smpCnt jumps
  std::uint64_t anomalies = 0;
  std::uint64_t invalid = 0;
  std::uint64_t gaps = 0;
};

class SvSession {
 public:
  static constexpr std::size_t kMaxStreams = 8;

  // `frame` is the bytes after the Ethertype; returns frame.size() (a frame is always whole).
  std::size_t on_data(Direction dir, std::span<const std::uint8_t> frame, Timestamp ts,
                      TransactionSink& sink);
  void on_gap(Direction dir, std::size_t length);
  void on_close(Timestamp ts, TransactionSink& sink);

  [[nodiscard]] const SvCounters& counters() const { return counters_; }

 private:
  struct Stream {
    std::uint64_t id_hash = 0;
    std::uint16_t smp_cnt = 0;
    std::uint32_t conf_rev = 0;
    std::uint8_t smp_synch = 0;
  };

  void check(Direction dir, Stream& s, const SvAsdu& a, TransactionSink& sink);
  void report(Direction dir, const SvPdu& pdu, const SvAsdu& a, TransactionSink& sink);
  void anomaly(Direction dir, std::string_view reason, bool violation, TransactionSink& sink);

  std::array<Stream, kMaxStreams> streams_{};
  std::size_t stream_count_ = 0;
  SvCounters counters_;
};

}  // namespace limen::dissect::goose
