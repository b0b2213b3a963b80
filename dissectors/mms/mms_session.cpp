#include "dissectors/mms/mms_session.h"

#include <algorithm>

#include "dissectors/mms/mms_constants.h"
#include "dissectors/mms/mms_decoder.h"
#include "dissectors/mms/mms_fields.h"
#include "dissectors/s7comm/tpkt_cotp.h"

namespace limen::dissect::mms {

namespace {

Direction opposite(Direction dir) {
  return dir == Direction::ToServer ? Direction::ToClient : Direction::ToServer;
}

constexpr auto u8(PduType t) { return static_cast<std::uint8_t>(t); }

// Bytes kept when no plausible frame start is found: a header may begin in them.
constexpr std::size_t kResyncKeep = 5;

}  // namespace

void MmsSession::Name::assign(std::span<const std::uint8_t> bytes) {
  length = static_cast<std::uint8_t>(std::min(bytes.size(), kMaxName));
  std::transform(bytes.begin(), bytes.begin() + length, text.begin(),
                 [](std::uint8_t c) { return static_cast<char>(c); });
}

std::size_t MmsSession::on_data(Direction dir, std::span<const std::uint8_t> bytes,
                                Timestamp /*ts*/, TransactionSink& sink) {
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const auto rest = bytes.subspan(pos);
    if (sync(dir) == Sync::OutOfSync) {
      pos += resync(dir, rest);
      if (sync(dir) == Sync::OutOfSync) break;
      continue;
    }
    const cotp::TpktResult frame = cotp::decode_tpkt(rest);
    if (frame.status == cotp::Status::NeedMore) break;
    if (frame.status == cotp::Status::Invalid) {
      anomaly(dir, frame.reason, true, sink);
      sync(dir) = Sync::OutOfSync;
      ++counters_.resyncs;
      continue;
    }
    const cotp::TpduResult tpdu = cotp::decode_tpdu(frame.tpdu);
    if (tpdu.status != cotp::Status::Ok) {
      // The TPKT length still delimits the frame: skip just this one.
      anomaly(dir, tpdu.reason, true, sink);
      pos += frame.frame_bytes;
      ++counters_.frames;
      continue;
    }
    const cotp::Tpdu& t = tpdu.tpdu;
    if (t.code != cotp::TpduCode::Dt || sync(dir) == Sync::Discarding) {
      // Connection management carries no MMS; a discarded TSDU ends at its EOT (or at any
      // other TPDU, which could not belong to it).
      if (sync(dir) == Sync::Discarding) {
        counters_.skipped_bytes += frame.frame_bytes;
        if (t.code != cotp::TpduCode::Dt || t.eot) sync(dir) = Sync::InSync;
      }
      pos += frame.frame_bytes;
      ++counters_.frames;
      continue;
    }
    if (t.eot) {
      on_tsdu(dir, t.user_data, false, sink);
      pos += frame.frame_bytes;
      ++counters_.frames;
      continue;
    }
    const cotp::DtRun run = cotp::scan_dt_run(rest, kMaxTsduBytes, kMaxDtFrames);
    if (run.status == cotp::Status::NeedMore) break;
    if (run.status == cotp::Status::Invalid) {
      anomaly(dir, run.reason, false, sink);
      pos += run.frame_bytes;
      counters_.frames += run.frames;
      counters_.skipped_bytes += run.frame_bytes;
      // Over the limit, the rest of the TSDU is still coming: drop it up to its EOT.
      if (run.over_limit) sync(dir) = Sync::Discarding;
      continue;
    }
    std::array<std::uint8_t, kAssemblyBytes> buffer;
    const std::size_t n = cotp::gather_dt_run(rest, run.frames, buffer);
    ++counters_.segmented;
    on_tsdu(dir, std::span<const std::uint8_t>(buffer.data(), n), n < run.user_bytes, sink);
    pos += run.frame_bytes;
    counters_.frames += run.frames;
  }
  return pos;
}

std::size_t MmsSession::resync(Direction dir, std::span<const std::uint8_t> bytes) {
  for (std::size_t i = 0; i + 6 <= bytes.size(); ++i) {
    if (cotp::plausible_frame_start(bytes.subspan(i))) {
      sync(dir) = Sync::InSync;
      counters_.skipped_bytes += i;
      return i;
    }
  }
  const std::size_t skip = bytes.size() > kResyncKeep ? bytes.size() - kResyncKeep : 0;
  counters_.skipped_bytes += skip;
  return skip;
}

void MmsSession::on_gap(Direction dir, std::size_t /*length*/) {
  ++counters_.gaps;
  ++counters_.resyncs;
  sync(dir) = Sync::OutOfSync;
}

std::size_t MmsSession::outstanding() const {
  return static_cast<std::size_t>(
      std::count_if(pending_.begin(), pending_.end(), [](const Summary& s) { return s.used; }));
}

void MmsSession::on_close(Timestamp /*ts*/, TransactionSink& sink) {
  // Oldest first, so the report order follows the requests.
  while (true) {
    Summary* oldest = nullptr;
    for (Summary& s : pending_)
      if (s.used && (oldest == nullptr || s.age < oldest->age)) oldest = &s;
    if (oldest == nullptr) break;
    const Summary request = *oldest;
    oldest->used = false;
    emit(&request, nullptr, sink);
  }
}

void MmsSession::on_tsdu(Direction dir, std::span<const std::uint8_t> tsdu, bool cut,
                         TransactionSink& sink) {
  if (tsdu.empty()) return;  // an empty DT carries nothing
  Pdu pdu;
  const DecodeResult r = decode(tsdu, pdu, cut);
  if (r.status == DecodeStatus::NeedMore) {
    anomaly(dir, "MMS TSDU shorter than its session or BER lengths", false, sink);
    return;
  }
  if (r.status == DecodeStatus::Invalid) {
    anomaly(dir, r.reason, r.violation, sink);
    return;
  }
  ++counters_.pdus;
  Summary s = summarize(dir, pdu);
  bool request = false;
  if (!pdu.has_mms) {
    if (pdu.acse == static_cast<std::uint8_t>(Acse::Rlrq)) {
      s.kind = Kind::Release;
      request = true;
    } else if (pdu.acse == static_cast<std::uint8_t>(Acse::Rlre)) {
      s.kind = Kind::Release;
    }
  } else {
    switch (static_cast<PduType>(pdu.type)) {
      case PduType::ConfirmedRequest: request = true; [[fallthrough]];
      case PduType::ConfirmedResponse:
      case PduType::ConfirmedError: s.kind = Kind::Confirmed; break;
      case PduType::CancelRequest: request = true; [[fallthrough]];
      case PduType::CancelResponse:
      case PduType::CancelError: s.kind = Kind::Cancel; break;
      case PduType::InitiateRequest: request = true; [[fallthrough]];
      case PduType::InitiateResponse:
      case PduType::InitiateError: s.kind = Kind::Initiate; break;
      case PduType::ConcludeRequest: request = true; [[fallthrough]];
      case PduType::ConcludeResponse:
      case PduType::ConcludeError: s.kind = Kind::Conclude; break;
      case PduType::Reject:
        // A reject naming its request's invoke id answers it.
        if (pdu.has_invoke_id) s.kind = Kind::Confirmed;
        break;
      case PduType::Unconfirmed: break;
    }
  }
  if (s.kind == Kind::Lone) {
    // Reports and rejects: what the server sends counts as its answer side.
    if (dir == Direction::ToServer) {
      emit(&s, nullptr, sink);
    } else {
      emit(nullptr, &s, sink);
    }
  } else if (request) {
    on_request(s, sink);
  } else if (!on_response(s, sink)) {
    ++counters_.unmatched_responses;
    emit(nullptr, &s, sink);
  }
}

MmsSession::Summary MmsSession::summarize(Direction dir, const Pdu& pdu) {
  Summary s;
  s.dir = dir;
  s.key = pdu.invoke_id;
  s.spdu = pdu.spdu;
  s.acse = pdu.acse;
  s.has_mms = pdu.has_mms;
  s.type = pdu.type;
  s.has_invoke_id = pdu.has_invoke_id;
  s.invoke_id = pdu.invoke_id;
  s.has_service = pdu.has_service;
  s.service = pdu.service;
  s.has_error = pdu.has_error;
  s.error_class = pdu.error_class;
  s.error_code = pdu.error_code;
  s.has_reject = pdu.has_reject;
  s.reject_type = pdu.reject_type;
  s.reject_code = pdu.reject_code;
  s.domain.assign(pdu.domain);
  s.item.assign(pdu.item);
  s.file.assign(pdu.file);
  return s;
}

void MmsSession::on_request(const Summary& s, TransactionSink& sink) {
  Summary* slot = nullptr;
  Summary* oldest = nullptr;
  for (Summary& p : pending_) {
    if (p.used && p.kind == s.kind && p.dir == s.dir && p.key == s.key) {
      // The key is reused before an answer came: the earlier request went unanswered.
      const Summary earlier = p;
      p.used = false;
      emit(&earlier, nullptr, sink);
    }
    if (!p.used && slot == nullptr) slot = &p;
    if (p.used && (oldest == nullptr || p.age < oldest->age)) oldest = &p;
  }
  if (slot == nullptr) {
    const Summary evicted = *oldest;
    oldest->used = false;
    ++counters_.evicted_requests;
    emit(&evicted, nullptr, sink);
    slot = oldest;
  }
  *slot = s;
  slot->used = true;
  slot->age = next_age_++;
}

bool MmsSession::on_response(const Summary& s, TransactionSink& sink) {
  const Direction request_dir = opposite(s.dir);
  for (Summary& p : pending_) {
    if (p.used && p.kind == s.kind && p.dir == request_dir && p.key == s.key) {
      const Summary request = p;
      p.used = false;
      emit(&request, &s, sink);
      return true;
    }
  }
  return false;
}

void MmsSession::emit(const Summary* request, const Summary* response, TransactionSink& sink) {
  const Summary& a = request != nullptr ? *request : *response;
  const Summary& b = response != nullptr ? *response : *request;
  Transaction t(Protocol::Mms, mms_schema());
  t.has_request = request != nullptr;
  t.has_response = response != nullptr;
  t.set_uint(field_index(MmsField::SpduCode), a.spdu);
  t.set_text(field_index(MmsField::Spdu), spdu_name(a.spdu));
  if (a.acse != 0) t.set_text(field_index(MmsField::Acse), acse_name(a.acse));
  if (a.has_mms) {
    t.set_uint(field_index(MmsField::PduCode), a.type);
    t.set_text(field_index(MmsField::Pdu), pdu_name(a.type));
  }
  if (request != nullptr && response != nullptr && b.has_mms) {
    t.set_uint(field_index(MmsField::ResponsePduCode), b.type);
    t.set_text(field_index(MmsField::ResponsePdu), pdu_name(b.type));
  }
  if (a.has_invoke_id) t.set_uint(field_index(MmsField::InvokeId), a.invoke_id);

  const bool unconfirmed = a.has_mms && a.type == u8(PduType::Unconfirmed);
  const bool confirmed = a.kind == Kind::Confirmed && !a.has_reject;
  // A lone response or error still names its service when it carries one.
  const Summary& with_service = a.has_service ? a : b;
  if (with_service.has_service && (confirmed || unconfirmed)) {
    t.set_uint(field_index(MmsField::ServiceCode), with_service.service);
    t.set_text(field_index(MmsField::Service), unconfirmed
                                                   ? unconfirmed_name(with_service.service)
                                                   : service_name(with_service.service));
  }
  if (unconfirmed) {
    t.operation = Operation::Report;
  } else if (confirmed) {
    // A confirmed PDU that names no service cannot be classed: Unknown, never guessed.
    t.operation = with_service.has_service ? service_operation(with_service.service)
                                           : Operation::Unknown;
  } else {
    // Initiate, conclude, cancel, release, reject, and session SPDUs without MMS.
    t.operation = Operation::Session;
  }
  const Summary& named = a.domain.length != 0 || a.file.length != 0 ? a : b;
  if (named.domain.length != 0) {
    t.set_text(field_index(MmsField::Domain), named.domain.view());
    t.set_text(field_index(MmsField::Item), named.item.view());
  }
  if (named.file.length != 0) t.set_text(field_index(MmsField::File), named.file.view());
  const Summary& failed = b.has_error ? b : a;
  if (failed.has_error) {
    t.set_uint(field_index(MmsField::ErrorClassCode), failed.error_class);
    t.set_text(field_index(MmsField::ErrorClass), error_class_name(failed.error_class));
    t.set_uint(field_index(MmsField::ErrorCode), failed.error_code);
  }
  const Summary& rejected = b.has_reject ? b : a;
  if (rejected.has_reject) {
    t.set_uint(field_index(MmsField::RejectType), rejected.reject_type);
    t.set_uint(field_index(MmsField::RejectCode), rejected.reject_code);
  }
  ++counters_.transactions;
  sink.on_transaction(t);
}

void MmsSession::anomaly(Direction dir, std::string_view reason, bool violation,
                         TransactionSink& sink) {
  ++counters_.anomalies;
  sink.on_anomaly(Anomaly{Protocol::Mms, dir, reason, violation});
}

}  // namespace limen::dissect::mms
