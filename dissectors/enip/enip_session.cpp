#include "dissectors/enip/enip_session.h"

#include <algorithm>

#include "dissectors/enip/enip_constants.h"
#include "dissectors/enip/enip_fields.h"

namespace limen::dissect::enip {
namespace {

using Summary = EnipSession::Summary;

enum : std::uint16_t {
  kHasConnection = 1U << 0,
  kHasSequence = 1U << 1,
  kHasCip = 1U << 2,
  kHasClass = 1U << 3,
  kHasInstance = 1U << 4,
  kHasAttribute = 1U << 5,
  kRouted = 1U << 6,
  kHasProtocolVersion = 1U << 7,
  kHasExtendedStatus = 1U << 8,
  kIsMultiple = 1U << 9,
};

void set_flag(Summary& s, bool on, std::uint16_t bit) {
  if (on) s.flags = static_cast<std::uint16_t>(s.flags | bit);
}
bool has(const Summary& s, std::uint16_t bit) { return (s.flags & bit) != 0; }

void put(Transaction& t, EnipField f, std::uint64_t v) { t.set_uint(field_index(f), v); }
void put_text(Transaction& t, EnipField f, std::string_view v) { t.set_text(field_index(f), v); }
std::string_view as_text(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};  // NOLINT: char view
}

void copy_path(const CipMessage& m, Summary& s) {
  set_flag(s, m.has_class, kHasClass);
  set_flag(s, m.has_instance, kHasInstance);
  set_flag(s, m.has_attribute, kHasAttribute);
  s.class_id = m.class_id;
  s.instance = m.instance;
  s.attribute = m.attribute;
  s.symbol_length = static_cast<std::uint8_t>(std::min(m.symbol.size(), EnipSession::kMaxSymbol));
  std::copy_n(m.symbol.begin(), s.symbol_length, s.symbol.begin());
}

std::uint32_t class_of(const Summary& s) { return has(s, kHasClass) ? s.class_id : kNoClass; }

// Plausible start of a message at the front of `b` (at least 24 bytes): a known command other
// than nop (zero fill would otherwise look like nops), a length in range and zero options.
bool plausible_header(std::span<const std::uint8_t> b) {
  const auto command = static_cast<std::uint16_t>(b[0] | b[1] << 8);
  const auto length = static_cast<unsigned>(b[2] | b[3] << 8);
  return command != 0 && known_command(command) && length <= kMaxLength && b[20] == 0 &&
         b[21] == 0 && b[22] == 0 && b[23] == 0;
}

}  // namespace

std::size_t EnipSession::on_data(Direction dir, std::span<const std::uint8_t> bytes,
                                 Timestamp /*ts*/, TransactionSink& sink) {
  const auto d = static_cast<std::size_t>(dir);
  std::size_t used = 0;
  while (used < bytes.size()) {
    auto rest = bytes.subspan(used);
    if (out_of_sync_[d]) {
      used += resync(dir, rest);
      if (out_of_sync_[d]) break;  // no header yet: wait for more bytes
      continue;
    }
    Message msg;
    const DecodeResult r = decode_message(rest, msg);
    if (r.status == DecodeStatus::NeedMore) break;
    if (r.status == DecodeStatus::Invalid) {
      ++counters_.out_of_sync;
      out_of_sync_[d] = true;
      anomaly(dir, r.reason, !known_command(msg.header.command), sink);
      continue;
    }
    used += r.size;
    if (r.status == DecodeStatus::Malformed) {
      // Still reported with what the header gave: a bad item must not hide the command.
      ++counters_.malformed;
      anomaly(dir, r.reason, false, sink);
    }
    if (msg.header.options != 0) anomaly(dir, "encapsulation options not zero", false, sink);
    Summary s;
    summarize(dir, msg, s, sink);
    if (dir == Direction::ToServer) {
      on_request(s, sink);
    } else {
      on_response(s, msg, sink);
    }
  }
  return used;
}

void EnipSession::summarize(Direction dir, const Message& msg, Summary& s, TransactionSink& sink) {
  s.command = msg.header.command;
  s.session = msg.header.session;
  s.encap_status = msg.header.status;
  s.context = msg.header.sender_context;
  set_flag(s, msg.has_connection_id, kHasConnection);
  s.connection_id = msg.connection_id;
  set_flag(s, msg.has_sequence, kHasSequence);
  s.sequence = msg.sequence;
  set_flag(s, msg.has_protocol_version, kHasProtocolVersion);
  s.protocol_version = msg.protocol_version;
  s.operation = command_operation(s.command);
  if (msg.has_cip) summarize_cip(dir, msg.cip, s, sink);
}

void EnipSession::summarize_cip(Direction dir, std::span<const std::uint8_t> cip, Summary& s,
                                TransactionSink& sink) {
  const bool response = dir == Direction::ToClient;
  CipMessage m;
  if (const CipResult r = decode_cip(cip, response, m); r.status != CipStatus::Ok) {
    ++counters_.malformed;
    anomaly(dir, r.reason, false, sink);
    return;
  }
  if (!m.path_anomaly.empty()) anomaly(dir, m.path_anomaly, false, sink);
  set_flag(s, true, kHasCip);
  s.general_status = m.general_status;
  set_flag(s, m.has_extended_status, kHasExtendedStatus);
  s.extended_status = m.extended_status;
  if (!response && m.service == 0x52 && m.class_id == 0x06) {
    // Report what is routed, not the envelope: a stop sent through a gateway is a stop.
    CipMessage embedded;
    if (const CipResult r = unwrap_unconnected_send(m, embedded); r.status == CipStatus::Ok) {
      if (!embedded.path_anomaly.empty()) anomaly(dir, embedded.path_anomaly, false, sink);
      m = embedded;
      set_flag(s, true, kRouted);
    } else {
      ++counters_.malformed;
      anomaly(dir, r.reason, false, sink);
    }
  }
  s.service = m.service;
  if (!response) copy_path(m, s);
  s.operation = operation_of(s.service, class_of(s));
  if (m.service != 0x0A) return;
  set_flag(s, true, kIsMultiple);
  std::uint16_t count = 0;
  if (const CipResult r = multiple_service_count(m, count); r.status != CipStatus::Ok) {
    ++counters_.malformed;
    anomaly(dir, r.reason, false, sink);
    return;
  }
  s.member_count = count;
  Operation op = Operation::Unknown;
  const auto walk = static_cast<std::uint16_t>(std::min<std::size_t>(count, kMaxMembers));
  for (std::uint16_t i = 0; i < walk; ++i) {
    CipMessage member;
    if (const CipResult r = multiple_service_member(m, i, member); r.status != CipStatus::Ok) {
      ++counters_.malformed;
      anomaly(dir, r.reason, false, sink);
      break;
    }
    s.members[s.kept_members++] = member.service;
    const Operation member_op = operation_of(member.service, member.class_id);
    if (operation_rank(member_op) > operation_rank(op)) op = member_op;
  }
  s.operation = op;
}

std::size_t EnipSession::resync(Direction dir, std::span<const std::uint8_t> bytes) {
  std::size_t i = 0;
  for (; i + kHeaderBytes <= bytes.size(); ++i) {
    if (plausible_header(bytes.subspan(i, kHeaderBytes))) {
      out_of_sync_[static_cast<std::size_t>(dir)] = false;
      break;
    }
  }
  counters_.skipped_bytes += i;
  return i;
}

void EnipSession::on_gap(Direction dir, std::size_t length) {
  if (length == 0) return;
  ++counters_.gaps;
  out_of_sync_[static_cast<std::size_t>(dir)] = true;  // the next byte may be mid-message
}

void EnipSession::on_close(Timestamp /*ts*/, TransactionSink& sink) {
  std::sort(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(pending_count_),
            [](const Pending& a, const Pending& b) { return a.order < b.order; });
  for (std::size_t i = 0; i < pending_count_; ++i) {
    ++counters_.unanswered;
    report(&pending_[i].request, nullptr, nullptr, sink);
  }
  pending_count_ = 0;
}

void EnipSession::on_request(const Summary& s, TransactionSink& sink) {
  ++counters_.requests;
  const bool connected = s.command == 0x0070 && has(s, kHasSequence) && has(s, kHasCip);
  if (!command_has_reply(s.command) && !connected) {
    report(&s, nullptr, nullptr, sink);
    return;
  }
  if (pending_count_ == kMaxOutstanding) {
    const auto oldest = std::min_element(
        pending_.begin(), pending_.end(),
        [](const Pending& a, const Pending& b) { return a.order < b.order; });
    ++counters_.evicted;
    ++counters_.unanswered;
    const Summary evicted = oldest->request;
    *oldest = pending_[--pending_count_];
    report(&evicted, nullptr, nullptr, sink);
  }
  pending_[pending_count_++] = Pending{s, next_order_++};
}

void EnipSession::on_response(const Summary& s, const Message& msg, TransactionSink& sink) {
  ++counters_.responses;
  Pending* match = nullptr;
  for (std::size_t i = 0; i < pending_count_; ++i) {
    Pending& p = pending_[i];
    const bool same = s.command == 0x0070
                          ? p.request.command == 0x0070 && has(s, kHasSequence) &&
                                p.request.sequence == s.sequence
                          : p.request.command == s.command && p.request.context == s.context;
    if (same && (match == nullptr || p.order < match->order)) match = &p;
  }
  if (match == nullptr) {
    ++counters_.unmatched_responses;
    report(nullptr, &s, &msg, sink);
    return;
  }
  const Summary request = match->request;
  *match = pending_[--pending_count_];
  if (has(request, kHasCip) && has(s, kHasCip) && request.service != s.service &&
      !has(request, kRouted))
    anomaly(Direction::ToClient, "CIP reply service differs from request", false, sink);
  report(&request, &s, &msg, sink);
}

void EnipSession::report(const Summary* request, const Summary* response, const Message* reply,
                         TransactionSink& sink) {
  Transaction t(Protocol::Enip, enip_schema());
  t.has_request = request != nullptr;
  t.has_response = response != nullptr;
  const Summary& s = request != nullptr ? *request : *response;
  t.operation = s.operation;
  put(t, EnipField::Command, s.command);
  put_text(t, EnipField::CommandName, command_name(s.command));
  put(t, EnipField::Session, response != nullptr ? response->session : s.session);
  put(t, EnipField::SenderContext, s.context);
  if (has(s, kHasConnection)) put(t, EnipField::ConnectionId, s.connection_id);
  if (has(s, kHasSequence)) put(t, EnipField::Sequence, s.sequence);
  if (has(s, kHasProtocolVersion)) put(t, EnipField::ProtocolVersion, s.protocol_version);
  if (has(s, kHasCip)) {
    put(t, EnipField::Service, s.service);
    put_text(t, EnipField::ServiceName, service_name(s.service, class_of(s)));
    if (has(s, kHasClass)) put(t, EnipField::Class, s.class_id);
    if (has(s, kHasInstance)) put(t, EnipField::Instance, s.instance);
    if (has(s, kHasAttribute)) put(t, EnipField::Attribute, s.attribute);
    if (s.symbol_length > 0)
      put_text(t, EnipField::Symbol, std::string_view(s.symbol.data(), s.symbol_length));
    if (has(s, kRouted)) t.set_bool(field_index(EnipField::Routed), true);
  }
  if (has(s, kIsMultiple)) {
    for (std::size_t i = 0; i < s.kept_members; ++i)
      t.append(field_index(EnipField::Services), s.members[i]);
    if (s.member_count > s.kept_members)
      t.set_bool(field_index(EnipField::ServicesTruncated), true);
  }
  if (response != nullptr) {
    put(t, EnipField::Status, response->encap_status);
    if (has(*response, kHasCip)) {
      put(t, EnipField::CipStatus, response->general_status);
      put_text(t, EnipField::CipStatusName, general_status_name(response->general_status));
      if (has(*response, kHasExtendedStatus))
        put(t, EnipField::ExtendedStatus, response->extended_status);
    }
  }
  if (reply != nullptr && reply->has_identity) {
    const IdentityItem& id = reply->identity;
    put(t, EnipField::VendorId, id.vendor_id);
    put(t, EnipField::DeviceType, id.device_type);
    put(t, EnipField::ProductCode, id.product_code);
    put(t, EnipField::Revision, std::uint64_t{id.revision_major} << 8U | id.revision_minor);
    put(t, EnipField::Serial, id.serial);
    put_text(t, EnipField::ProductName, as_text(id.product_name));
  }
  ++counters_.transactions;
  sink.on_transaction(t);
}

void EnipSession::anomaly(Direction dir, std::string_view reason, bool violation,
                          TransactionSink& sink) {
  ++counters_.anomalies;
  sink.on_anomaly(Anomaly{Protocol::Enip, dir, reason, violation});
}

}  // namespace limen::dissect::enip
