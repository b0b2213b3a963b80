#include "dissectors/goose/sv_session.h"

#include "dissectors/goose/goose_fields.h"

namespace limen::dissect::goose {
namespace {

// FNV-1a: svIDs are compared by hash so a stream costs no string storage; a collision can only
// merge two streams' sequence checks, never read out of bounds.
std::uint64_t hash_id(std::span<const std::uint8_t> id) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const auto b : id) h = (h ^ b) * 0x100000001b3ULL;
  return h;
}

}  // namespace

std::size_t SvSession::on_data(Direction dir, std::span<const std::uint8_t> frame,
                               Timestamp /*ts*/, TransactionSink& sink) {
  ++counters_.frames;
  SvPdu pdu;
  const DecodeResult result = decode_sv(frame, pdu);
  if (result.status != DecodeStatus::Ok) {
    ++counters_.invalid;
    if (result.status == DecodeStatus::NeedMore)
      anomaly(dir, "SV frame shorter than its length", false, sink);
    else
      anomaly(dir, result.reason, true, sink);
    return frame.size();
  }
  for (const SvAsdu& a : pdu.asdu_list()) {
    ++counters_.asdus;
    const std::uint64_t id = hash_id(a.sv_id);
    Stream* s = nullptr;
    for (std::size_t i = 0; i < stream_count_ && s == nullptr; ++i)
      if (streams_[i].id_hash == id) s = &streams_[i];
    if (s != nullptr) {
      check(dir, *s, a, sink);
    } else if (stream_count_ == kMaxStreams) {
      ++counters_.untracked;
      continue;
    } else {
      s = &streams_[stream_count_++];
      s->id_hash = id;
      ++counters_.streams;
      report(dir, pdu, a, sink);
    }
    s->smp_cnt = a.smp_cnt;
    s->conf_rev = a.conf_rev;
    s->smp_synch = a.smp_synch;
  }
  return frame.size();
}

void SvSession::check(Direction dir, Stream& s, const SvAsdu& a, TransactionSink& sink) {
  const auto expected = static_cast<std::uint16_t>(s.smp_cnt + 1U);
  if (a.smp_cnt != expected && a.smp_cnt != 0) {
    if (a.smp_cnt <= s.smp_cnt) {
      anomaly(dir, "SV smpCnt regression", false, sink);
    } else {
      counters_.lost_samples += static_cast<std::uint64_t>(a.smp_cnt - expected);
      anomaly(dir, "SV smpCnt jump: samples lost", false, sink);
    }
  }
  if (a.conf_rev != s.conf_rev) anomaly(dir, "SV confRev changed", false, sink);
  if (s.smp_synch != 0 && a.smp_synch == 0)
    anomaly(dir, "SV sample synchronisation lost", false, sink);
}

void SvSession::report(Direction dir, const SvPdu& pdu, const SvAsdu& a, TransactionSink& sink) {
  Transaction t(Protocol::Sv, sv_schema());
  // Sampled values are measurements the merging unit streams on its own: a report.
  t.operation = Operation::Report;
  t.has_request = dir == Direction::ToServer;
  t.has_response = dir == Direction::ToClient;
  t.set_uint(field_index(SvField::Appid), pdu.header.appid);
  t.set_text(field_index(SvField::SvId), as_text(a.sv_id));
  t.set_uint(field_index(SvField::SmpCnt), a.smp_cnt);
  t.set_uint(field_index(SvField::ConfRev), a.conf_rev);
  t.set_uint(field_index(SvField::Asdus), pdu.no_asdu);
  t.set_uint(field_index(SvField::SmpSynch), a.smp_synch);
  sink.on_transaction(t);
}

void SvSession::on_gap(Direction /*dir*/, std::size_t /*length*/) { ++counters_.gaps; }

// Nothing waits for an answer: a sample stream stands alone.
void SvSession::on_close(Timestamp /*ts*/, TransactionSink& /*sink*/) {}

void SvSession::anomaly(Direction dir, std::string_view reason, bool violation,
                        TransactionSink& sink) {
  ++counters_.anomalies;
  sink.on_anomaly(Anomaly{Protocol::Sv, dir, reason, violation});
}

}  // namespace limen::dissect::goose
