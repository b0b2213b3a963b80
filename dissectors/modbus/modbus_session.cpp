#include "dissectors/modbus/modbus_session.h"

#include <algorithm>

#include "dissectors/modbus/modbus_constants.h"
#include "dissectors/modbus/modbus_fields.h"

namespace limen::dissect::modbus {
namespace {

using Summary = ModbusSession::Summary;

enum : std::uint16_t {
  kHasAddress = 1U << 0,
  kHasQuantity = 1U << 1,
  kHasReadRange = 1U << 2,
  kHasSubFunction = 1U << 3,
  kHasMei = 1U << 4,
  kHasByteCount = 1U << 5,
  kHasMasks = 1U << 6,
  kHasFile = 1U << 7,
  kHasDeviceId = 1U << 8,
};

// Written values are kept for requests and for the echo of a single write; read values in
// responses are not listed (the schema's modbus.values means "written").
Summary summarize(const Pdu& pdu, bool request) {
  Summary s;
  s.transaction_id = pdu.mbap.transaction_id;
  s.unit_id = pdu.mbap.unit_id;
  s.function_code = pdu.function_code;
  const auto flag = [&s](bool on, std::uint16_t bit) {
    if (on) s.flags = static_cast<std::uint16_t>(s.flags | bit);
  };
  flag(pdu.has_address, kHasAddress);
  flag(pdu.has_quantity, kHasQuantity);
  flag(pdu.has_read_range, kHasReadRange);
  flag(pdu.has_sub_function, kHasSubFunction);
  flag(pdu.has_mei, kHasMei);
  flag(pdu.has_byte_count, kHasByteCount);
  flag(pdu.has_masks, kHasMasks);
  flag(pdu.has_file, kHasFile);
  flag(request && pdu.has_mei && pdu.mei_type == 14, kHasDeviceId);
  s.start_address = pdu.start_address;
  s.quantity = pdu.quantity;
  s.read_address = pdu.read_address;
  s.read_quantity = pdu.read_quantity;
  s.sub_function = pdu.sub_function;
  s.byte_count = pdu.byte_count;
  s.and_mask = pdu.and_mask;
  s.or_mask = pdu.or_mask;
  s.file_number = pdu.file_number;
  s.record_number = pdu.record_number;
  s.record_length = pdu.record_length;
  s.mei_type = pdu.mei_type;
  s.device_id_code = pdu.device_id_code;
  s.object_id = pdu.object_id;
  const bool written = request || pdu.function_code == 5 || pdu.function_code == 6;
  if (written && pdu.value_kind != ValueKind::None) {
    s.value_count = pdu.value_count;
    s.kept_values = static_cast<std::uint8_t>(
        std::min<std::size_t>(pdu.value_count, ModbusSession::kMaxKeptValues));
    for (std::size_t i = 0; i < s.kept_values; ++i) s.values[i] = value_at(pdu, i);
  }
  return s;
}

void put(Transaction& t, ModbusField f, std::uint64_t v) { t.set_uint(field_index(f), v); }
void put_text(Transaction& t, ModbusField f, std::string_view v) {
  t.set_text(field_index(f), v);
}
std::string_view as_text(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};  // NOLINT: char view
}

void fill(Transaction& t, const Summary& s) {
  put(t, ModbusField::TransactionId, s.transaction_id);
  put(t, ModbusField::UnitId, s.unit_id);
  put(t, ModbusField::FunctionCode, s.function_code);
  put_text(t, ModbusField::Function, function_name(s.function_code));
  if ((s.flags & kHasReadRange) != 0) {
    put(t, ModbusField::ReadStartAddress, s.read_address);
    put(t, ModbusField::ReadQuantity, s.read_quantity);
  }
  if ((s.flags & kHasAddress) != 0) put(t, ModbusField::StartAddress, s.start_address);
  if ((s.flags & kHasQuantity) != 0) put(t, ModbusField::Quantity, s.quantity);
  if ((s.flags & kHasByteCount) != 0) put(t, ModbusField::ByteCount, s.byte_count);
  if ((s.flags & kHasSubFunction) != 0) {
    put(t, ModbusField::SubFunction, s.sub_function);
    put_text(t, ModbusField::Diagnostic, diagnostic_name(s.sub_function));
  }
  if ((s.flags & kHasMei) != 0) {
    put(t, ModbusField::MeiType, s.mei_type);
    put_text(t, ModbusField::Mei, mei_name(s.mei_type));
  }
  if ((s.flags & kHasDeviceId) != 0) {
    put(t, ModbusField::DeviceIdCode, s.device_id_code);
    put(t, ModbusField::ObjectId, s.object_id);
  }
  if ((s.flags & kHasMasks) != 0) {
    put(t, ModbusField::AndMask, s.and_mask);
    put(t, ModbusField::OrMask, s.or_mask);
  }
  if ((s.flags & kHasFile) != 0) {
    put(t, ModbusField::FileNumber, s.file_number);
    put(t, ModbusField::RecordNumber, s.record_number);
    put(t, ModbusField::RecordLength, s.record_length);
  }
  for (std::size_t i = 0; i < s.kept_values; ++i)
    t.append(field_index(ModbusField::Values), s.values[i]);
  if (s.value_count > s.kept_values) t.set_bool(field_index(ModbusField::ValuesTruncated), true);
}

// The response byte count a read request's quantity implies, or 0 when it implies none.
std::size_t expected_read_bytes(const Summary& s) {
  switch (s.function_code) {
    case 1: case 2: return (std::size_t{s.quantity} + 7) / 8;
    case 3: case 4: return std::size_t{s.quantity} * 2;
    case 23: return std::size_t{s.read_quantity} * 2;
    default: return 0;
  }
}

// Plausible start of an ADU at the front of `b` (at least 8 bytes): protocol id 0, a length in
// range and a non-zero function code.
bool plausible_header(std::span<const std::uint8_t> b) {
  const unsigned length = static_cast<unsigned>(b[4] << 8 | b[5]);
  return b[2] == 0 && b[3] == 0 && length >= kMinLength && length <= kMaxLength &&
         (b[7] & 0x7FU) != 0;
}

}  // namespace

std::size_t ModbusSession::on_data(Direction dir, std::span<const std::uint8_t> bytes,
                                   Timestamp /*ts*/, TransactionSink& sink) {
  const auto d = static_cast<std::size_t>(dir);
  std::size_t used = 0;
  while (used < bytes.size()) {
    auto rest = bytes.subspan(used);
    if (out_of_sync_[d]) {
      const std::size_t skipped = resync(dir, rest);
      used += skipped;
      if (out_of_sync_[d]) break;  // no header yet: wait for more bytes
      continue;
    }
    Pdu pdu;
    const DecodeResult r =
        dir == Direction::ToServer ? decode_request(rest, pdu) : decode_response(rest, pdu);
    if (r.status == DecodeStatus::NeedMore) break;
    if (r.status == DecodeStatus::Invalid) {
      ++counters_.out_of_sync;
      out_of_sync_[d] = true;
      anomaly(dir, r.reason, pdu.mbap.protocol_id != 0, sink);
      continue;
    }
    used += r.size;
    if (r.status == DecodeStatus::Malformed) {
      // Still reported, with the fields framing established: hiding an operation behind a
      // bad byte count must not hide the operation.
      ++counters_.malformed;
      anomaly(dir, r.reason, false, sink);
    }
    if (!pdu.range_anomaly.empty()) anomaly(dir, pdu.range_anomaly, false, sink);
    if (dir == Direction::ToServer) {
      on_request(pdu, sink);
    } else {
      on_response(pdu, sink);
    }
  }
  return used;
}

std::size_t ModbusSession::resync(Direction dir, std::span<const std::uint8_t> bytes) {
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); ++i) {
    if (plausible_header(bytes.subspan(i, 8))) {
      out_of_sync_[static_cast<std::size_t>(dir)] = false;
      break;
    }
  }
  counters_.skipped_bytes += i;
  return i;
}

void ModbusSession::on_gap(Direction dir, std::size_t length) {
  if (length == 0) return;
  ++counters_.gaps;
  // The next byte may fall anywhere inside an ADU: find a header again.
  out_of_sync_[static_cast<std::size_t>(dir)] = true;
}

void ModbusSession::on_close(Timestamp /*ts*/, TransactionSink& sink) {
  // Oldest first, so the report order is the order the requests were sent.
  std::sort(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(pending_count_),
            [](const Pending& a, const Pending& b) { return a.order < b.order; });
  for (std::size_t i = 0; i < pending_count_; ++i) {
    ++counters_.unanswered;
    report(&pending_[i].request, nullptr, sink);
  }
  pending_count_ = 0;
}

void ModbusSession::on_request(const Pdu& pdu, TransactionSink& sink) {
  ++counters_.requests;
  if (pending_count_ == kMaxOutstanding) {
    const auto oldest = std::min_element(
        pending_.begin(), pending_.end(),
        [](const Pending& a, const Pending& b) { return a.order < b.order; });
    ++counters_.evicted;
    ++counters_.unanswered;
    const Summary evicted = oldest->request;
    *oldest = pending_[--pending_count_];
    report(&evicted, nullptr, sink);
  }
  pending_[pending_count_++] = Pending{summarize(pdu, true), next_order_++};
}

void ModbusSession::on_response(const Pdu& pdu, TransactionSink& sink) {
  ++counters_.responses;
  Pending* match = nullptr;
  for (std::size_t i = 0; i < pending_count_; ++i) {
    Pending& p = pending_[i];
    if (p.request.transaction_id == pdu.mbap.transaction_id &&
        (match == nullptr || p.order < match->order))
      match = &p;
  }
  if (match == nullptr) {
    ++counters_.unmatched_responses;
    report(nullptr, &pdu, sink);
    return;
  }
  const Summary request = match->request;
  *match = pending_[--pending_count_];
  if (request.function_code != pdu.function_code) {
    anomaly(Direction::ToClient, "response function differs from request", false, sink);
    ++counters_.unanswered;
    ++counters_.unmatched_responses;
    report(&request, nullptr, sink);
    report(nullptr, &pdu, sink);
    return;
  }
  if (request.unit_id != pdu.mbap.unit_id)
    anomaly(Direction::ToClient, "response unit id differs from request", false, sink);
  const std::size_t expected = expected_read_bytes(request);
  if (!pdu.exception && expected != 0 && pdu.byte_count != expected)
    anomaly(Direction::ToClient, "response byte count does not match quantity", false, sink);
  report(&request, &pdu, sink);
}

void ModbusSession::report(const Summary* request, const Pdu* response, TransactionSink& sink) {
  Transaction t(Protocol::Modbus, modbus_schema());
  t.has_request = request != nullptr;
  t.has_response = response != nullptr;
  const Summary s = request != nullptr ? *request : summarize(*response, false);
  fill(t, s);
  std::uint16_t detail = s.sub_function;
  if ((s.flags & kHasMei) != 0) detail = s.mei_type;
  t.operation = operation_of(s.function_code, detail);
  if (response != nullptr) {
    if (response->exception) {
      put(t, ModbusField::ExceptionCode, response->exception_code);
      put_text(t, ModbusField::Exception, exception_name(response->exception_code));
    }
    if (!response->vendor_name.empty())
      put_text(t, ModbusField::VendorName, as_text(response->vendor_name));
    if (!response->product_code.empty())
      put_text(t, ModbusField::ProductCode, as_text(response->product_code));
    if (!response->revision.empty())
      put_text(t, ModbusField::Revision, as_text(response->revision));
  }
  ++counters_.transactions;
  sink.on_transaction(t);
}

void ModbusSession::anomaly(Direction dir, std::string_view reason, bool violation,
                            TransactionSink& sink) {
  ++counters_.anomalies;
  sink.on_anomaly(Anomaly{Protocol::Modbus, dir, reason, violation});
}

}  // namespace limen::dissect::modbus
