#include "dissectors/s7comm/s7comm_session.h"

#include <algorithm>

#include "dissectors/s7comm/s7comm_constants.h"
#include "dissectors/s7comm/s7comm_decoder.h"
#include "dissectors/s7comm/s7comm_fields.h"
#include "dissectors/s7comm/s7comm_operation.h"
#include "dissectors/s7comm/tpkt_cotp.h"

namespace limen::dissect::s7comm {

namespace {

Direction opposite(Direction dir) {
  return dir == Direction::ToServer ? Direction::ToClient : Direction::ToServer;
}

constexpr auto u8(Rosctr r) { return static_cast<std::uint8_t>(r); }

// Bytes kept when no plausible frame start is found: a header may begin in them.
constexpr std::size_t kResyncKeep = 5;

}  // namespace

std::size_t S7commSession::on_data(Direction dir, std::span<const std::uint8_t> bytes,
                                   Timestamp /*ts*/, TransactionSink& sink) {
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const auto rest = bytes.subspan(pos);
    if (sync(dir) == Sync::OutOfSync) {
      const std::size_t skipped = resync(dir, rest);
      pos += skipped;
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
      // Connection management carries nothing to report; a discarded TSDU ends at its EOT (or
      // at any other TPDU, which could not belong to it).
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

std::size_t S7commSession::resync(Direction dir, std::span<const std::uint8_t> bytes) {
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

void S7commSession::on_gap(Direction dir, std::size_t /*length*/) {
  ++counters_.gaps;
  plus_more_[static_cast<std::size_t>(dir)] = false;
  ++counters_.resyncs;
  sync(dir) = Sync::OutOfSync;
}

void S7commSession::on_close(Timestamp /*ts*/, TransactionSink& sink) {
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

void S7commSession::on_tsdu(Direction dir, std::span<const std::uint8_t> tsdu, bool cut,
                            TransactionSink& sink) {
  if (tsdu.empty()) return;  // an empty DT (keep-alive) carries no PDU
  if (tsdu[0] == kProtocolId) {
    Pdu pdu;
    const DecodeResult r = decode_pdu(tsdu, pdu);
    if (r.status == DecodeStatus::NeedMore) {
      anomaly(dir, cut ? "S7comm PDU larger than the reassembly buffer"
                       : "S7comm PDU shorter than its parameter and data lengths",
              false, sink);
      return;
    }
    if (r.status == DecodeStatus::Invalid) {
      // Before the ROSCTR is known the bytes are probably not S7comm at all.
      anomaly(dir, r.reason, pdu.rosctr == 0, sink);
      return;
    }
    ++counters_.pdus;
    const Summary s = summarize(dir, pdu);
    const bool request = pdu.rosctr == u8(Rosctr::Job) ||
                         (pdu.rosctr == u8(Rosctr::Userdata) &&
                          pdu.ud_type == static_cast<std::uint8_t>(UserdataType::Request));
    const bool response = pdu.rosctr == u8(Rosctr::Ack) || pdu.rosctr == u8(Rosctr::AckData) ||
                          (pdu.rosctr == u8(Rosctr::Userdata) &&
                           pdu.ud_type == static_cast<std::uint8_t>(UserdataType::Response));
    if (request) {
      on_request(s, sink);
    } else if (response) {
      on_response(s, sink);
    } else {
      emit(&s, nullptr, sink);  // userdata push: nothing answers it
    }
    return;
  }
  if (tsdu[0] == kPlusProtocolId) {
    bool& more = plus_more_[static_cast<std::size_t>(dir)];
    if (more) {
      // A continuation carries raw data after its header: never decoded as a new PDU.
      ++counters_.plus_continuations;
      if (cut || plus_has_trailer(tsdu)) more = false;
      return;
    }
    PlusPdu plus;
    const DecodeResult r = decode_plus(tsdu, plus);
    if (r.status != DecodeStatus::Ok) {
      // Reported as what it is: S7comm-plus we cannot read. Nothing is guessed from it.
      anomaly(dir, r.status == DecodeStatus::NeedMore ? "S7comm-plus unparseable: truncated"
                                                      : r.reason,
              false, sink);
      return;
    }
    ++counters_.plus_pdus;
    // A cut TSDU hides its end; assuming it complete keeps one loss from spreading.
    more = !cut && !plus.keep_alive && !plus.has_trailer;
    const Summary s = summarize(dir, plus);
    if (plus.has_function && plus.opcode == static_cast<std::uint8_t>(PlusOpcode::Request)) {
      on_request(s, sink);
    } else if (plus.has_function) {
      on_response(s, sink);
    } else {
      emit(&s, nullptr, sink);  // notification or keep-alive
    }
    return;
  }
  anomaly(dir, "COTP payload is neither S7comm (0x32) nor S7comm-plus (0x72)", true, sink);
}

S7commSession::Summary S7commSession::summarize(Direction dir, const Pdu& pdu) {
  Summary s;
  s.kind = pdu.rosctr == u8(Rosctr::Userdata) ? Kind::Userdata : Kind::Job;
  s.dir = dir;
  s.key = pdu.pdu_ref;
  s.protocol_id = kProtocolId;
  s.rosctr = pdu.rosctr;
  s.has_function = pdu.has_function;
  s.function = pdu.function;
  s.has_error = pdu.has_error;
  s.error_class = pdu.error_class;
  s.error_code = pdu.error_code;
  s.item_count = pdu.item_count;
  if (!pdu.items.empty()) {
    ItemIterator items(pdu);
    VarItem item;
    while (s.stored_items < kMaxItems && items.next(item)) {
      s.areas[s.stored_items] = item.area;
      s.dbs[s.stored_items] = item.db;
      s.addresses[s.stored_items] = item.address >> 3;
      s.lengths[s.stored_items] = item.length;
      ++s.stored_items;
    }
  }
  if (pdu.rosctr == u8(Rosctr::AckData) && pdu.item_count > 0 &&
      (pdu.function == static_cast<std::uint8_t>(Function::ReadVar) ||
       pdu.function == static_cast<std::uint8_t>(Function::WriteVar))) {
    ReturnCodeIterator codes(pdu);
    std::uint8_t code = 0;
    while (s.stored_returns < kMaxItems && codes.next(code))
      s.return_codes[s.stored_returns++] = code;
  }
  s.pdu_size = pdu.pdu_size;
  s.has_block = pdu.has_block;
  s.block_type = pdu.block_type;
  s.block_number = pdu.block_number;
  s.pi_length = static_cast<std::uint8_t>(std::min(pdu.pi_service.size(), kMaxPiName));
  std::transform(pdu.pi_service.begin(), pdu.pi_service.begin() + s.pi_length,
                 s.pi_service.begin(), [](std::uint8_t c) { return static_cast<char>(c); });
  s.ud_type = pdu.ud_type;
  s.ud_group = pdu.ud_group;
  s.ud_subfunction = pdu.ud_subfunction;
  s.ud_error = pdu.ud_error;
  s.has_szl = pdu.has_szl;
  s.szl_id = pdu.szl_id;
  s.szl_index = pdu.szl_index;
  return s;
}

S7commSession::Summary S7commSession::summarize(Direction dir, const PlusPdu& pdu) {
  Summary s;
  s.kind = Kind::Plus;
  s.dir = dir;
  s.key = pdu.sequence;
  s.protocol_id = kPlusProtocolId;
  s.plus_version = pdu.version;
  s.plus_opcode = pdu.opcode;
  s.plus_has_function = pdu.has_function;
  s.plus_function = pdu.function;
  s.plus_integrity = pdu.integrity_protected;
  return s;
}

void S7commSession::on_request(const Summary& s, TransactionSink& sink) {
  Summary* slot = nullptr;
  Summary* oldest = nullptr;
  for (Summary& p : pending_) {
    if (p.used && p.kind == s.kind && p.dir == s.dir && p.key == s.key) {
      // The reference is reused before an answer came: the earlier request went unanswered.
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

void S7commSession::on_response(const Summary& s, TransactionSink& sink) {
  const Direction request_dir = opposite(s.dir);
  for (Summary& p : pending_) {
    if (p.used && p.kind == s.kind && p.dir == request_dir && p.key == s.key) {
      const Summary request = p;
      p.used = false;
      emit(&request, &s, sink);
      return;
    }
  }
  ++counters_.unmatched_responses;
  emit(nullptr, &s, sink);
}

void S7commSession::emit(const Summary* request, const Summary* response,
                         TransactionSink& sink) {
  const Summary& a = request != nullptr ? *request : *response;
  const Summary& b = response != nullptr ? *response : *request;
  Transaction t(Protocol::S7comm, schema());
  t.has_request = request != nullptr;
  t.has_response = response != nullptr;
  t.set_uint(field(S7Field::ProtocolId), a.protocol_id);

  if (a.kind == Kind::Plus) {
    t.operation = plus_operation(a.plus_opcode, a.plus_function);
    t.set_uint(field(S7Field::PlusVersion), a.plus_version);
    if (a.plus_version != 0xFE) {
      t.set_uint(field(S7Field::PlusOpcode), a.plus_opcode);
      t.set_text(field(S7Field::PlusOpcodeName), plus_opcode_name(a.plus_opcode));
    }
    if (a.plus_has_function) {
      t.set_uint(field(S7Field::PlusFunctionCode), a.plus_function);
      t.set_text(field(S7Field::PlusFunction), plus_function_name(a.plus_function));
      t.set_uint(field(S7Field::PlusSequence), a.key);
    }
    t.set_bool(field(S7Field::PlusIntegrityProtected), a.plus_integrity || b.plus_integrity);
    ++counters_.transactions;
    sink.on_transaction(t);
    return;
  }

  t.set_uint(field(S7Field::Rosctr), a.rosctr);
  t.set_text(field(S7Field::RosctrName), rosctr_name(a.rosctr));
  t.set_uint(field(S7Field::PduRef), a.key);
  const std::string_view pi(a.pi_service.data(), a.pi_length);
  if (a.kind == Kind::Job) {
    const bool has_function = a.has_function || b.has_function;
    const std::uint8_t function = a.has_function ? a.function : b.function;
    if (has_function) {
      t.operation = job_operation(function, pi);
      t.set_uint(field(S7Field::FunctionCode), function);
      t.set_text(field(S7Field::Function), function_name(function));
    }
  } else {
    t.operation = userdata_operation(a.ud_type, a.ud_group, a.ud_subfunction);
    t.set_uint(field(S7Field::UserdataType), a.ud_type);
    t.set_uint(field(S7Field::UserdataGroup), a.ud_group);
    t.set_text(field(S7Field::UserdataGroupName), userdata_group_name(a.ud_group));
    t.set_uint(field(S7Field::UserdataSubfunction), a.ud_subfunction);
    t.set_text(field(S7Field::UserdataSubfunctionName),
               userdata_subfunction_name(a.ud_group, a.ud_subfunction));
    if (b.ud_error != 0) t.set_uint(field(S7Field::UserdataError), b.ud_error);
    const Summary& szl = a.has_szl ? a : b;
    if (szl.has_szl) {
      t.set_uint(field(S7Field::SzlId), szl.szl_id);
      t.set_uint(field(S7Field::SzlIndex), szl.szl_index);
    }
  }
  if (b.has_error) {
    t.set_uint(field(S7Field::ErrorClass), b.error_class);
    t.set_uint(field(S7Field::ErrorCode), b.error_code);
    t.set_text(field(S7Field::ErrorName), error_class_name(b.error_class));
  }
  if (a.item_count > 0 || b.item_count > 0)
    t.set_uint(field(S7Field::Items), a.item_count > 0 ? a.item_count : b.item_count);
  // Each list is appended whole before the next begins (Transaction::append's rule).
  for (std::size_t i = 0; i < a.stored_items; ++i) t.append(field(S7Field::Areas), a.areas[i]);
  for (std::size_t i = 0; i < a.stored_items; ++i) t.append(field(S7Field::Db), a.dbs[i]);
  for (std::size_t i = 0; i < a.stored_items; ++i)
    t.append(field(S7Field::Addresses), a.addresses[i]);
  for (std::size_t i = 0; i < a.stored_items; ++i) t.append(field(S7Field::Lengths), a.lengths[i]);
  for (std::size_t i = 0; i < b.stored_returns; ++i)
    t.append(field(S7Field::ReturnCodes), b.return_codes[i]);
  // The negotiated PDU size is the answer's; a lone request shows what was asked.
  const std::uint16_t pdu_size = b.pdu_size != 0 ? b.pdu_size : a.pdu_size;
  if (pdu_size != 0) t.set_uint(field(S7Field::PduSize), pdu_size);
  if (a.has_block) {
    t.set_uint(field(S7Field::BlockType), a.block_type);
    t.set_text(field(S7Field::BlockTypeName), block_type_name(a.block_type));
    t.set_uint(field(S7Field::BlockNumber), a.block_number);
  }
  if (!pi.empty()) t.set_text(field(S7Field::PiService), pi);
  ++counters_.transactions;
  sink.on_transaction(t);
}

void S7commSession::anomaly(Direction dir, std::string_view reason, bool violation,
                            TransactionSink& sink) {
  ++counters_.anomalies;
  sink.on_anomaly(Anomaly{Protocol::S7comm, dir, reason, violation});
}

}  // namespace limen::dissect::s7comm
