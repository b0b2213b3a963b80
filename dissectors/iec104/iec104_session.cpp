#include "dissectors/iec104/iec104_session.h"

#include "dissectors/iec104/iec104_constants.h"
#include "dissectors/iec104/iec104_fields.h"

namespace limen::dissect::iec104 {
namespace {

constexpr std::size_t kProbeBytes = 6;  // start, length, control field

// A plausible APCI at the front of `b` (at least kProbeBytes): the start octet, a length in
// range and a control field of the format that length allows.
bool plausible_apci(std::span<const std::uint8_t> b) {
  if (b[0] != kStart || b[1] < kMinLength || b[1] > kMaxLength) return false;
  if ((b[2] & 0x01U) == 0) return b[1] >= kMinLength + kAsduHeader && (b[4] & 0x01U) == 0;
  if (b[1] != kMinLength || b[3] != 0) return false;
  if ((b[2] & 0x03U) == 0x01) return b[2] == 0x01;
  return u_function_name(static_cast<std::uint8_t>(b[2] & 0xFCU)) != "unknown";
}

void put(Transaction& t, Iec104Field f, std::uint64_t v) { t.set_uint(field_index(f), v); }
void put_text(Transaction& t, Iec104Field f, std::string_view v) {
  t.set_text(field_index(f), v);
}
void put_bool(Transaction& t, Iec104Field f, bool v) { t.set_bool(field_index(f), v); }

bool is_select_command(std::uint8_t type_id) {
  return (type_id >= 45 && type_id <= 50) || (type_id >= 58 && type_id <= 63);
}

}  // namespace

std::size_t Iec104Session::on_data(Direction dir, std::span<const std::uint8_t> bytes,
                                   Timestamp /*ts*/, TransactionSink& sink) {
  DirectionState& state = dir_[static_cast<std::size_t>(dir)];
  std::size_t used = 0;
  while (used < bytes.size()) {
    const auto rest = bytes.subspan(used);
    if (state.out_of_sync) {
      used += resync(state, rest);
      if (state.out_of_sync) break;  // no APCI yet: wait for more bytes
      continue;
    }
    Apdu apdu;
    const DecodeResult r = decode_apdu(rest, apdu);
    if (r.status == DecodeStatus::NeedMore) break;
    if (r.status == DecodeStatus::Invalid) {
      ++counters_.out_of_sync;
      state.out_of_sync = true;
      state.seq_known = false;
      // A wrong start octet says the bytes are probably not IEC 104 at all.
      anomaly(dir, r.reason, rest[0] != kStart, sink);
      continue;
    }
    used += r.size;
    if (r.status == DecodeStatus::Malformed) {
      ++counters_.malformed;
      anomaly(dir, r.reason, false, sink);
      continue;
    }
    on_apdu(dir, apdu, sink);
  }
  return used;
}

std::size_t Iec104Session::resync(DirectionState& state, std::span<const std::uint8_t> bytes) {
  std::size_t i = 0;
  for (; i + kProbeBytes <= bytes.size(); ++i) {
    if (plausible_apci(bytes.subspan(i, kProbeBytes))) {
      state.out_of_sync = false;
      break;
    }
  }
  counters_.skipped_bytes += i;
  return i;
}

void Iec104Session::on_gap(Direction dir, std::size_t length) {
  if (length == 0) return;
  ++counters_.gaps;
  DirectionState& state = dir_[static_cast<std::size_t>(dir)];
  state.out_of_sync = true;
  state.seq_known = false;  // I frames were lost with the bytes
}

void Iec104Session::on_close(Timestamp /*ts*/, TransactionSink& /*sink*/) {
  dir_ = {};
}

void Iec104Session::on_apdu(Direction dir, const Apdu& apdu, TransactionSink& sink) {
  if (apdu.format == Format::S) {
    ++counters_.s_frames;
    return;
  }
  Transaction t(Protocol::Iec104, iec104_schema());
  t.has_request = dir == Direction::ToServer;
  t.has_response = dir == Direction::ToClient;
  if (apdu.format == Format::U) {
    ++counters_.u_frames;
    put_text(t, Iec104Field::Frame, "u");
    put_text(t, Iec104Field::UFunction, u_function_name(apdu.u_function));
    t.operation = u_operation(apdu.u_function);
  } else {
    ++counters_.i_frames;
    DirectionState& state = dir_[static_cast<std::size_t>(dir)];
    if (state.seq_known && apdu.tx_seq != state.next_tx) {
      ++counters_.sequence_errors;
      anomaly(dir, "I frame send sequence number out of order", false, sink);
    }
    state.seq_known = true;
    state.next_tx = static_cast<std::uint16_t>((apdu.tx_seq + 1U) & 0x7FFFU);
    const Asdu& a = apdu.asdu;
    if (!a.objects_consistent)
      anomaly(dir, "ASDU length does not match its type and object count", false, sink);
    put_text(t, Iec104Field::Frame, "i");
    put(t, Iec104Field::TxSeq, apdu.tx_seq);
    put(t, Iec104Field::RxSeq, apdu.rx_seq);
    put(t, Iec104Field::TypeId, a.type_id);
    put_text(t, Iec104Field::Type, type_name(a.type_id));
    put_text(t, Iec104Field::Category, category_of(a.type_id));
    put_bool(t, Iec104Field::Sq, a.sq);
    put(t, Iec104Field::Objects, a.count);
    put(t, Iec104Field::Cot, a.cot);
    put_text(t, Iec104Field::Cause, cause_name(a.cot));
    put_bool(t, Iec104Field::Negative, a.negative);
    put_bool(t, Iec104Field::Test, a.test);
    put(t, Iec104Field::Originator, a.originator);
    put(t, Iec104Field::CommonAddress, a.common_address);
    std::uint8_t qualifier = 0;
    if (qualifier_at(a, 0, qualifier)) {
      put(t, Iec104Field::Qualifier, qualifier);
      if (is_select_command(a.type_id))
        put_bool(t, Iec104Field::Select, (qualifier & 0x80U) != 0);
    }
    std::size_t listed = 0;
    std::uint32_t ioa = 0;
    for (; listed < a.count && listed < kMaxListedIoas && ioa_at(a, listed, ioa); ++listed)
      t.append(field_index(Iec104Field::Ioa), ioa);
    if (listed < a.count) put_bool(t, Iec104Field::IoaTruncated, true);
    t.operation = operation_of(a.type_id, a.cot);
  }
  ++counters_.transactions;
  sink.on_transaction(t);
}

void Iec104Session::anomaly(Direction dir, std::string_view reason, bool violation,
                            TransactionSink& sink) {
  ++counters_.anomalies;
  sink.on_anomaly(Anomaly{Protocol::Iec104, dir, reason, violation});
}

}  // namespace limen::dissect::iec104
