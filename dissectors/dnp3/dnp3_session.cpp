#include "dissectors/dnp3/dnp3_session.h"

#include <algorithm>

#include "dissectors/dnp3/dnp3_fields.h"

namespace limen::dissect::dnp3 {
namespace {

constexpr bool is_auth(std::uint8_t function) { return function == 32 || function == 33; }

// Offset of the first 0x05 0x64 in `bytes`; a trailing 0x05 is kept as a possible start.
std::size_t find_start(std::span<const std::uint8_t> bytes) {
  for (std::size_t i = 0; i + 1 < bytes.size(); ++i)
    if (bytes[i] == kStart0 && bytes[i + 1] == kStart1) return i;
  if (!bytes.empty() && bytes.back() == kStart0) return bytes.size() - 1;
  return bytes.size();
}

// "device_restart,need_time": the names of the IIN bits set, IIN1 first.
std::string_view iin_text(std::uint16_t iin, std::array<char, 400>& storage) {
  std::size_t used = 0;
  for (std::size_t bit = 16; bit-- > 0;) {
    if ((iin & (1U << bit)) == 0) continue;
    const std::string_view name = kIinNames[bit];
    if (used + name.size() + 1 > storage.size()) break;
    if (used > 0) storage[used++] = ',';
    std::copy(name.begin(), name.end(), storage.begin() + static_cast<std::ptrdiff_t>(used));
    used += name.size();
  }
  return {storage.data(), used};
}

}  // namespace

std::size_t Dnp3Session::on_data(Direction dir, std::span<const std::uint8_t> bytes,
                                 Timestamp /*ts*/, TransactionSink& sink) {
  Stream& s = streams_[static_cast<std::size_t>(dir)];
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    if (s.out_of_sync) {
      const std::size_t skip = find_start(bytes.subspan(pos));
      stats_.skipped_bytes += skip;
      pos += skip;
      if (bytes.size() - pos < 2) break;
    }
    const auto rest = bytes.subspan(pos);
    const LinkResult r = decode_link_frame(rest);
    if (r.status == Status::NeedMore) break;
    if (r.status == Status::Ok) {
      s.out_of_sync = false;
      s.seen_frame = true;
      pos += r.frame.wire.size();
      on_frame(dir, r.frame, sink);
      continue;
    }
    if (r.header_valid) {
      // The header CRC held, so the length is trustworthy: drop exactly this frame.
      ++stats_.crc_errors;
      s.out_of_sync = false;
      s.seen_frame = true;
      pos += r.frame.wire.size();
      anomaly(dir, r.reason, false, sink);
      continue;
    }
    if (!s.out_of_sync) {
      ++stats_.resyncs;
      anomaly(dir, r.reason, !s.seen_frame, sink);
      s.out_of_sync = true;
    }
    ++stats_.skipped_bytes;
    ++pos;  // not a frame start after all: hunt past it
  }
  return pos;
}

void Dnp3Session::on_gap(Direction dir, std::size_t /*length*/) {
  Stream& s = streams_[static_cast<std::size_t>(dir)];
  ++stats_.gaps;
  s.active = false;
  s.used = 0;
  // Capture loss is not a protocol anomaly: hunt silently for the next frame.
  s.out_of_sync = true;
}

void Dnp3Session::on_close(Timestamp /*ts*/, TransactionSink& sink) {
  for (;;) {
    Pending* oldest = nullptr;
    for (Pending& p : pending_)
      if (p.order != 0 && (oldest == nullptr || p.order < oldest->order)) oldest = &p;
    if (oldest == nullptr) break;
    flush(*oldest, sink);
  }
  for (Stream& s : streams_) {
    s.active = false;
    s.used = 0;
  }
}

void Dnp3Session::on_frame(Direction dir, const LinkFrame& frame, TransactionSink& sink) {
  ++stats_.frames;
  const LinkHeader& h = frame.header;
  const auto fn = static_cast<LinkPrimary>(h.function());
  const bool user_data = h.primary() && (fn == LinkPrimary::ConfirmedUserData ||
                                         fn == LinkPrimary::UnconfirmedUserData);
  if (!user_data || h.user_data_size() == 0) {
    ++stats_.link_only_frames;
    // Stations ignore data under other link functions; a payload there is worth a look.
    if (h.user_data_size() > 0)
      anomaly(dir, "user data under a non-data link function", false, sink);
    return;
  }
  std::array<std::uint8_t, kMaxUserData> data{};
  const std::size_t n = copy_user_data(frame, data);
  const TransportHeader th = decode_transport(data[0]);
  const std::span<const std::uint8_t> payload(data.data() + 1, n - 1);
  Stream& s = streams_[static_cast<std::size_t>(dir)];
  if (th.fir) {
    if (s.active) {
      ++stats_.transport_errors;
      anomaly(dir, "transport FIR before the previous FIN", false, sink);
    }
    s.active = true;
    s.used = 0;
    s.origin = Origin{h.src, h.dst, h.control};
  } else if (!s.active) {
    ++stats_.transport_errors;
    anomaly(dir, "transport segment without FIR", false, sink);
    return;
  } else if (th.seq != s.next_seq) {
    ++stats_.transport_errors;
    s.active = false;
    anomaly(dir, "transport sequence out of order", false, sink);
    return;
  }
  s.next_seq = static_cast<std::uint8_t>((th.seq + 1) & kTransportSeqMask);
  if (payload.size() > s.buffer.size() - s.used) {
    ++stats_.transport_errors;
    s.active = false;
    anomaly(dir, "application fragment over 2048 bytes", false, sink);
    return;
  }
  std::copy(payload.begin(), payload.end(),
            s.buffer.begin() + static_cast<std::ptrdiff_t>(s.used));
  s.used += payload.size();
  if (!th.fin) return;
  s.active = false;
  on_fragment(dir, std::span<const std::uint8_t>(s.buffer.data(), s.used), s.origin, sink);
}

void Dnp3Session::on_fragment(Direction dir, std::span<const std::uint8_t> fragment,
                              const Origin& origin, TransactionSink& sink) {
  const AppResult r = decode_application(fragment);
  if (r.status != Status::Ok) {
    anomaly(dir, "application header truncated", false, sink);
    return;
  }
  ++stats_.fragments;
  const AppMessage& m = r.message;
  if (m.objects_stop == ObjectStop::Malformed) anomaly(dir, m.objects_reason, false, sink);
  if (m.function == static_cast<std::uint8_t>(Function::Confirm)) {
    // Confirms only acknowledge; reporting each would double the events of every exchange.
    ++stats_.confirms;
    if (m.object_count > 0) anomaly(dir, "confirm carries objects", false, sink);
    return;
  }
  if (is_response_function(m.function)) {
    on_response(m, origin, sink);
    return;
  }
  if (m.function >= kRequestFunctionNames.size())
    anomaly(dir, "unknown application function code", false, sink);
  Pending p;
  p.origin = origin;
  p.function = m.function;
  p.control = m.control;
  p.incomplete = m.objects_stop != ObjectStop::Complete || m.object_count > kPendingObjects;
  p.object_count = static_cast<std::uint8_t>(std::min(m.object_count, kPendingObjects));
  for (std::size_t i = 0; i < p.object_count; ++i) {
    p.objects[i] = m.objects[i].type();
    p.counts[i] = m.objects[i].count;
  }
  on_request(p, sink);
}

void Dnp3Session::on_request(const Pending& request, TransactionSink& sink) {
  if (expects_no_response(request.function) || request.function >= kRequestFunctionNames.size()) {
    emit(&request, nullptr, request.origin, sink);
    return;
  }
  // A request reusing the sequence number of one still waiting replaces it (a retry, or the
  // master gave up on the response): report the old one unanswered.
  const std::uint8_t seq = request.control & kAppSeqMask;
  if (Pending* old = find_pending(seq, is_auth(request.function))) flush(*old, sink);
  Pending* slot = nullptr;
  for (Pending& p : pending_) {
    if (p.order == 0) {
      slot = &p;
      break;
    }
    if (slot == nullptr || p.order < slot->order) slot = &p;
  }
  if (slot->order != 0) flush(*slot, sink);
  *slot = request;
  slot->order = next_order_++;
}

void Dnp3Session::on_response(const AppMessage& m, const Origin& origin,
                              TransactionSink& sink) {
  if (m.function == static_cast<std::uint8_t>(Function::UnsolicitedResponse)) {
    emit(nullptr, &m, origin, sink);
    return;
  }
  if (!m.fir()) {
    // Later fragments of a multi-fragment response: the exchange was reported at the first.
    ++stats_.continuations;
    return;
  }
  const std::uint8_t seq = m.seq();
  Pending* match = nullptr;
  if (m.function == static_cast<std::uint8_t>(Function::AuthenticationResponse)) {
    match = find_pending(seq, true);
    // A challenge to an ordinary request: report it alone, the request keeps waiting.
    if (match == nullptr && find_pending(seq, false) != nullptr) {
      emit(nullptr, &m, origin, sink);
      return;
    }
  } else {
    match = find_pending(seq, false);
    if (match != nullptr) {
      // The authentication reply that unlocked this request answered nothing by itself.
      if (Pending* auth = find_pending(seq, true)) flush(*auth, sink);
    } else {
      match = find_pending(seq, true);
    }
  }
  if (match == nullptr) {
    ++stats_.unmatched_responses;
    emit(nullptr, &m, origin, sink);
    return;
  }
  emit(match, &m, match->origin, sink);
  match->order = 0;
}

Dnp3Session::Pending* Dnp3Session::find_pending(std::uint8_t seq, bool auth) {
  for (Pending& p : pending_)
    if (p.order != 0 && (p.control & kAppSeqMask) == seq && is_auth(p.function) == auth) return &p;
  return nullptr;
}

void Dnp3Session::flush(Pending& p, TransactionSink& sink) {
  ++stats_.unanswered_requests;
  emit(&p, nullptr, p.origin, sink);
  p.order = 0;
}

void Dnp3Session::emit(const Pending* request, const AppMessage* response, const Origin& origin,
                       TransactionSink& sink) {
  Transaction t(Protocol::Dnp3, kFields);
  const std::uint8_t function = request != nullptr ? request->function : response->function;
  const std::uint8_t control = request != nullptr ? request->control : response->control;
  t.operation = function_operation(function);
  t.has_request = request != nullptr;
  t.has_response = response != nullptr;
  const bool primary = (origin.link_control & kLinkPrm) != 0;
  const auto link_fn = static_cast<std::uint8_t>(origin.link_control & 0x0F);
  t.set_uint(field_id(Dnp3Field::FunctionCode), function);
  t.set_text(field_id(Dnp3Field::Function), function_name(function));
  t.set_uint(field_id(Dnp3Field::Src), origin.src);
  t.set_uint(field_id(Dnp3Field::Dst), origin.dst);
  t.set_uint(field_id(Dnp3Field::LinkFunctionCode), link_fn);
  t.set_text(field_id(Dnp3Field::LinkFunction), link_function_name(primary, link_fn));
  t.set_uint(field_id(Dnp3Field::AppSeq), control & kAppSeqMask);
  const bool unsolicited =
      request == nullptr &&
      (response->uns() || response->function == static_cast<std::uint8_t>(
                                                     Function::UnsolicitedResponse));
  t.set_bool(field_id(Dnp3Field::Unsolicited), unsolicited);
  bool incomplete = false;
  if (request != nullptr) {
    for (std::size_t i = 0; i < request->object_count; ++i)
      t.append(field_id(Dnp3Field::Objects), request->objects[i]);
    for (std::size_t i = 0; i < request->object_count; ++i)
      t.append(field_id(Dnp3Field::ObjectCounts), request->counts[i]);
    incomplete = request->incomplete;
  }
  if (response != nullptr) {
    t.set_uint(field_id(Dnp3Field::ResponseFunctionCode), response->function);
    t.set_uint(field_id(Dnp3Field::Iin), response->iin);
    std::array<char, 400> text{};
    t.set_text(field_id(Dnp3Field::IinFlags), iin_text(response->iin, text));
    for (std::size_t i = 0; i < response->object_count; ++i)
      t.append(field_id(Dnp3Field::ResponseObjects), response->objects[i].type());
    incomplete = incomplete || response->objects_stop != ObjectStop::Complete;
  }
  t.set_bool(field_id(Dnp3Field::ObjectsIncomplete), incomplete);
  ++stats_.transactions;
  sink.on_transaction(t);
}

void Dnp3Session::anomaly(Direction dir, std::string_view reason, bool violation,
                          TransactionSink& sink) {
  sink.on_anomaly(Anomaly{Protocol::Dnp3, dir, reason, violation});
}

}  // namespace limen::dissect::dnp3
