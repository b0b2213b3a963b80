#include "dissectors/goose/goose_session.h"

#include <algorithm>
#include <limits>

#include "dissectors/goose/goose_constants.h"
#include "dissectors/goose/goose_fields.h"

namespace limen::dissect::goose {
namespace {

constexpr std::uint32_t kCounterMax = std::numeric_limits<std::uint32_t>::max();

// IEC 61850-8-1: stNum and sqNum roll over from 4294967295 to 1 (sqNum may restart at 0).
bool wrapped(std::uint32_t before, std::uint32_t now) { return before == kCounterMax && now <= 1; }

}  // namespace

GooseSession::GooseSession(const GooseConfig& config) : config_(config) {
  config_.burst_changes = std::clamp<std::uint32_t>(config_.burst_changes, 1,
                                                    GooseConfig::kMaxBurstChanges);
}

std::size_t GooseSession::on_data(Direction dir, std::span<const std::uint8_t> frame,
                                  Timestamp ts, TransactionSink& sink) {
  ++counters_.frames;
  GoosePdu pdu;
  const DecodeResult result = decode_goose(frame, pdu);
  if (result.status != DecodeStatus::Ok) {
    ++counters_.invalid;
    if (result.status == DecodeStatus::NeedMore)
      anomaly(dir, "GOOSE frame shorter than its length", false, sink);
    else
      anomaly(dir, result.reason, true, sink);
    return frame.size();
  }
  if ((pdu.header.reserved1 & ~kReservedSimulationBit) != 0 || pdu.header.reserved2 != 0)
    anomaly(dir, "GOOSE reserved header bits set", false, sink);
  if (!started_) {
    report(dir, pdu, sink);
  } else {
    check_sequence(dir, pdu, ts, sink);
  }
  started_ = true;
  st_num_ = pdu.st_num;
  sq_num_ = pdu.sq_num;
  conf_rev_ = pdu.conf_rev;
  time_allowed_to_live_ms_ = pdu.time_allowed_to_live;
  last_ts_ = std::max(last_ts_, ts);
  return frame.size();
}

void GooseSession::check_sequence(Direction dir, const GoosePdu& pdu, Timestamp ts,
                                  TransactionSink& sink) {
  // The publisher promised the next frame within timeAllowedToLive of this one.
  const auto allowed = static_cast<std::int64_t>(time_allowed_to_live_ms_) * 1000;
  if (ts > last_ts_ && ts.usec - last_ts_.usec > allowed)
    anomaly(dir, "GOOSE timeAllowedToLive exceeded", false, sink);
  if (pdu.conf_rev != conf_rev_) anomaly(dir, "GOOSE confRev changed", false, sink);
  if (pdu.st_num == st_num_) {
    ++counters_.heartbeats;
    ++heartbeats_since_change_;
    if (pdu.sq_num == sq_num_) {
      anomaly(dir, "GOOSE sqNum repeated", false, sink);
    } else if (pdu.sq_num < sq_num_ && !wrapped(sq_num_, pdu.sq_num)) {
      anomaly(dir, "GOOSE sqNum regression without stNum change", false, sink);
    }
    return;
  }
  ++counters_.state_changes;
  if (pdu.st_num < st_num_ && !wrapped(st_num_, pdu.st_num)) {
    anomaly(dir, "GOOSE stNum regression", false, sink);
  } else if (pdu.st_num != st_num_ + 1 && !wrapped(st_num_, pdu.st_num)) {
    anomaly(dir, "GOOSE stNum skipped: state changes missed", false, sink);
  }
  if (pdu.sq_num > 1) anomaly(dir, "GOOSE stNum change without sqNum reset", false, sink);
  check_burst(dir, ts, sink);
  report(dir, pdu, sink);
}

void GooseSession::check_burst(Direction dir, Timestamp ts, TransactionSink& sink) {
  // A ring of the last burst_changes + 1 change times: full and spanning no more than the
  // window means more than burst_changes changes within it.
  const std::size_t capacity = config_.burst_changes + 1U;
  changes_[changes_head_] = ts.usec;
  changes_head_ = (changes_head_ + 1) % capacity;
  changes_count_ = std::min(changes_count_ + 1, capacity);
  if (changes_count_ < capacity) return;
  const std::int64_t oldest = changes_[changes_head_];  // the slot written next is the oldest
  const bool burst = ts.usec - oldest <= config_.burst_window_usec;
  if (burst && !in_burst_) {
    ++counters_.bursts;
    anomaly(dir, "GOOSE state change burst", false, sink);
  }
  in_burst_ = burst;
}

void GooseSession::report(Direction dir, const GoosePdu& pdu, TransactionSink& sink) {
  Transaction t(Protocol::Goose, goose_schema());
  // A GOOSE state change is the publisher announcing new data on its own (a trip, a breaker
  // position, an interlock): the same class as unsolicited/spontaneous reports elsewhere.
  t.operation = Operation::Report;
  t.has_request = dir == Direction::ToServer;
  t.has_response = dir == Direction::ToClient;
  t.set_uint(field_index(GooseField::Appid), pdu.header.appid);
  t.set_text(field_index(GooseField::GocbRef), as_text(pdu.gocb_ref));
  t.set_text(field_index(GooseField::Dataset), as_text(pdu.dataset));
  if (pdu.has_go_id) t.set_text(field_index(GooseField::GoId), as_text(pdu.go_id));
  t.set_uint(field_index(GooseField::StNum), pdu.st_num);
  t.set_uint(field_index(GooseField::SqNum), pdu.sq_num);
  t.set_uint(field_index(GooseField::TimeAllowedToLive), pdu.time_allowed_to_live);
  t.set_uint(field_index(GooseField::ConfRev), pdu.conf_rev);
  t.set_bool(field_index(GooseField::Simulation),
             pdu.simulation || (pdu.header.reserved1 & kReservedSimulationBit) != 0);
  t.set_uint(field_index(GooseField::Entries), pdu.num_dat_set_entries);
  t.set_bool(field_index(GooseField::NdsCom), pdu.nds_com);
  t.set_uint(field_index(GooseField::DataCount), pdu.all_data_count);
  t.set_uint(field_index(GooseField::TimeUsec),
             static_cast<std::uint64_t>(utc_time_usec(pdu.utc_time)));
  t.set_uint(field_index(GooseField::Heartbeats), heartbeats_since_change_);
  heartbeats_since_change_ = 0;
  ++counters_.transactions;
  sink.on_transaction(t);
}

void GooseSession::on_gap(Direction /*dir*/, std::size_t /*length*/) { ++counters_.gaps; }

// Nothing waits for an answer: a publication stands alone.
void GooseSession::on_close(Timestamp /*ts*/, TransactionSink& /*sink*/) {}

void GooseSession::anomaly(Direction dir, std::string_view reason, bool violation,
                           TransactionSink& sink) {
  ++counters_.anomalies;
  sink.on_anomaly(Anomaly{Protocol::Goose, dir, reason, violation});
}

}  // namespace limen::dissect::goose
