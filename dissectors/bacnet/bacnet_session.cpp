#include "dissectors/bacnet/bacnet_session.h"

#include <algorithm>

#include "dissectors/bacnet/bacnet_constants.h"
#include "dissectors/bacnet/bacnet_fields.h"

namespace limen::dissect::bacnet {
namespace {

using Summary = BacnetSession::Summary;

enum : std::uint16_t {
  kHasNpdu = 1U << 0,
  kHasDnet = 1U << 1,
  kHasSnet = 1U << 2,
  kHasNetworkMessage = 1U << 3,
  kHasApdu = 1U << 4,
  kHasInvokeId = 1U << 5,
  kHasService = 1U << 6,
  kHasObject = 1U << 7,
  kHasProperty = 1U << 8,
  kHasState = 1U << 9,
  kForwarded = 1U << 10,
  kSegmented = 1U << 11,
};

Summary summarize(const Message& m, Direction dir) {
  Summary s;
  s.dir = dir;
  s.bvlc_function = m.bvlc_function;
  const auto flag = [&s](bool on, std::uint16_t bit) {
    if (on) s.flags = static_cast<std::uint16_t>(s.flags | bit);
  };
  flag(!m.origin.empty(), kForwarded);
  flag(m.has_npdu, kHasNpdu);
  if (m.has_npdu) {
    flag(m.npdu.has_dnet, kHasDnet);
    flag(m.npdu.has_snet, kHasSnet);
    flag(m.npdu.network_message, kHasNetworkMessage);
    s.dnet = m.npdu.dnet;
    s.snet = m.npdu.snet;
    s.hop_count = m.npdu.hop_count;
    s.message_type = m.npdu.message_type;
  }
  flag(m.has_apdu, kHasApdu);
  if (m.has_apdu) {
    const Apdu& a = m.apdu;
    flag(a.has_invoke_id, kHasInvokeId);
    flag(a.has_service, kHasService);
    flag(a.has_object, kHasObject);
    flag(a.has_property, kHasProperty);
    flag(a.has_state, kHasState);
    flag(a.segmented, kSegmented);
    s.pdu_type = a.pdu_type;
    s.invoke_id = a.invoke_id;
    s.service = a.service;
    s.object_type = a.object_type;
    s.object_instance = a.object_instance;
    s.property = a.property;
    s.state = a.state;
  }
  return s;
}

bool has(const Summary& s, std::uint16_t bit) { return (s.flags & bit) != 0; }

void put(Transaction& t, BacnetField f, std::uint64_t v) { t.set_uint(field_index(f), v); }
void put_text(Transaction& t, BacnetField f, std::string_view v) {
  t.set_text(field_index(f), v);
}

std::string_view service_name(std::uint8_t pdu_type, std::uint8_t service) {
  return pdu_type == static_cast<std::uint8_t>(PduType::UnconfirmedRequest)
             ? unconfirmed_name(service)
             : confirmed_name(service);
}

Operation operation_of(const Summary& s) {
  if (!has(s, kHasNpdu)) return bvlc_operation(s.bvlc_function);
  if (has(s, kHasNetworkMessage)) return network_message_operation(s.message_type);
  if (!has(s, kHasService)) return Operation::Unknown;  // a lone reject or abort
  return s.pdu_type == static_cast<std::uint8_t>(PduType::UnconfirmedRequest)
             ? unconfirmed_operation(s.service)
             : confirmed_operation(s.service);
}

void fill(Transaction& t, const Summary& s) {
  put(t, BacnetField::BvlcFunctionCode, s.bvlc_function);
  put_text(t, BacnetField::BvlcFunction, bvlc_name(s.bvlc_function));
  if (has(s, kForwarded)) t.set_bool(field_index(BacnetField::Forwarded), true);
  if (has(s, kHasDnet)) {
    put(t, BacnetField::Dnet, s.dnet);
    put(t, BacnetField::HopCount, s.hop_count);
  }
  if (has(s, kHasSnet)) put(t, BacnetField::Snet, s.snet);
  if (has(s, kHasNetworkMessage)) {
    put(t, BacnetField::NetworkMessageType, s.message_type);
    put_text(t, BacnetField::NetworkMessage, network_message_name(s.message_type));
  }
  if (!has(s, kHasApdu)) return;
  put(t, BacnetField::PduTypeCode, s.pdu_type);
  put_text(t, BacnetField::PduType, pdu_name(s.pdu_type));
  if (has(s, kHasInvokeId)) put(t, BacnetField::InvokeId, s.invoke_id);
  if (has(s, kHasService)) {
    put(t, BacnetField::Service, s.service);
    put_text(t, BacnetField::ServiceName, service_name(s.pdu_type, s.service));
  }
  if (has(s, kHasObject)) {
    put(t, BacnetField::ObjectTypeCode, s.object_type);
    put_text(t, BacnetField::ObjectType, object_type_name(s.object_type));
    put(t, BacnetField::ObjectInstance, s.object_instance);
  }
  if (has(s, kHasProperty)) put(t, BacnetField::Property, s.property);
  if (has(s, kHasState)) put(t, BacnetField::State, s.state);
}

bool is_answer(std::uint8_t pdu_type) {
  switch (static_cast<PduType>(pdu_type)) {
    case PduType::SimpleAck: case PduType::ComplexAck: case PduType::Error:
    case PduType::Reject: case PduType::Abort:
      return true;
    default:
      return false;
  }
}

Direction other(Direction d) {
  return d == Direction::ToServer ? Direction::ToClient : Direction::ToServer;
}

}  // namespace

std::size_t BacnetSession::outstanding() const {
  const auto busy = [](const Pending& p) { return p.used; };
  return static_cast<std::size_t>(std::count_if(pending_.begin(), pending_.end(), busy) +
                                  std::count_if(bvlc_pending_.begin(), bvlc_pending_.end(), busy));
}

std::size_t BacnetSession::on_data(Direction dir, std::span<const std::uint8_t> bytes,
                                   Timestamp /*ts*/, TransactionSink& sink) {
  ++counters_.datagrams;
  Message m;
  const DecodeResult r = decode(bytes, m);
  if (r.status == DecodeStatus::NeedMore) {
    ++counters_.invalid;
    anomaly(dir,
            bytes.size() < kBvlcHeader ? "datagram shorter than a BVLC header"
                                       : "datagram shorter than its BVLC length",
            false, sink);
    return bytes.size();
  }
  if (r.status == DecodeStatus::Invalid) {
    ++counters_.invalid;
    anomaly(dir, r.reason, r.violation, sink);
    return bytes.size();
  }
  if (!m.anomaly.empty()) anomaly(dir, m.anomaly, false, sink);
  if (!m.has_npdu) {
    on_bvlc(m, dir, sink);
  } else if (!m.has_apdu) {
    ++counters_.network_messages;
    const Summary s = summarize(m, dir);
    report(&s, nullptr, sink);
  } else if (m.apdu.pdu_type == static_cast<std::uint8_t>(PduType::ConfirmedRequest)) {
    on_confirmed(m, dir, sink);
  } else if (m.apdu.pdu_type == static_cast<std::uint8_t>(PduType::UnconfirmedRequest)) {
    ++counters_.unconfirmed;
    const Summary s = summarize(m, dir);
    report(&s, nullptr, sink);
  } else if (is_answer(m.apdu.pdu_type)) {
    on_answer(m, dir, sink);
  } else {
    ++counters_.segments;  // segment ack: flow control of a segmented transfer
  }
  return bytes.size();
}

void BacnetSession::on_gap(Direction /*dir*/, std::size_t length) {
  // Datagrams are self-contained: a lost one only leaves its request unanswered.
  if (length != 0) ++counters_.gaps;
}

void BacnetSession::on_close(Timestamp /*ts*/, TransactionSink& sink) {
  std::array<Pending*, kMaxOutstanding + 2> waiting{};
  std::size_t n = 0;
  for (auto& p : pending_)
    if (p.used) waiting[n++] = &p;
  for (auto& p : bvlc_pending_)
    if (p.used) waiting[n++] = &p;
  // Oldest first, so the report order is the order the requests were sent.
  std::sort(waiting.begin(), waiting.begin() + static_cast<std::ptrdiff_t>(n),
            [](const Pending* a, const Pending* b) { return a->order < b->order; });
  for (std::size_t i = 0; i < n; ++i) {
    waiting[i]->used = false;
    ++counters_.unanswered;
    report(&waiting[i]->request, nullptr, sink);
  }
}

void BacnetSession::on_confirmed(const Message& m, Direction dir, TransactionSink& sink) {
  if (m.apdu.segmented && m.apdu.sequence_number != 0) {
    ++counters_.segments;
    return;
  }
  ++counters_.requests;
  Pending* slot = nullptr;
  Pending* oldest = nullptr;
  for (auto& p : pending_) {
    if (!p.used) {
      if (slot == nullptr) slot = &p;
    } else if (p.request.dir == dir && p.request.invoke_id == m.apdu.invoke_id) {
      // The same invoke id again before an answer: a retry or a lost answer. Report the first.
      ++counters_.unanswered;
      p.used = false;
      report(&p.request, nullptr, sink);
      slot = &p;
      break;
    } else if (oldest == nullptr || p.order < oldest->order) {
      oldest = &p;
    }
  }
  if (slot == nullptr) {
    ++counters_.evicted;
    ++counters_.unanswered;
    oldest->used = false;
    report(&oldest->request, nullptr, sink);
    slot = oldest;
  }
  *slot = Pending{summarize(m, dir), next_order_++, true};
}

void BacnetSession::on_answer(const Message& m, Direction dir, TransactionSink& sink) {
  const Apdu& a = m.apdu;
  if (a.pdu_type == static_cast<std::uint8_t>(PduType::ComplexAck) && a.segmented &&
      a.sequence_number != 0) {
    ++counters_.segments;
    return;
  }
  ++counters_.responses;
  // An abort from the client (SRV = 0) ends the client's own request; every other answer
  // comes from the peer of the requester.
  const bool own = a.pdu_type == static_cast<std::uint8_t>(PduType::Abort) && !a.server;
  const Direction requester = own ? dir : other(dir);
  Pending* match = nullptr;
  for (auto& p : pending_)
    if (p.used && p.request.dir == requester && p.request.invoke_id == a.invoke_id) match = &p;
  if (match == nullptr) {
    ++counters_.unmatched_responses;
    report(nullptr, &m, sink);
    return;
  }
  match->used = false;
  if (a.has_service && a.service != match->request.service) {
    anomaly(dir, "answer service differs from request", false, sink);
    ++counters_.unanswered;
    ++counters_.unmatched_responses;
    report(&match->request, nullptr, sink);
    report(nullptr, &m, sink);
    return;
  }
  report(&match->request, &m, sink);
}

void BacnetSession::on_bvlc(const Message& m, Direction dir, TransactionSink& sink) {
  const auto f = static_cast<BvlcFunction>(m.bvlc_function);
  const bool answer = f == BvlcFunction::Result || f == BvlcFunction::ReadBdtAck ||
                      f == BvlcFunction::ReadFdtAck;
  if (f == BvlcFunction::SecureBvll) {
    const Summary s = summarize(m, dir);
    report(&s, nullptr, sink);
    return;
  }
  if (!answer) {
    ++counters_.requests;
    Pending& slot = bvlc_pending_[static_cast<std::size_t>(dir)];
    if (slot.used) {
      ++counters_.unanswered;
      report(&slot.request, nullptr, sink);
    }
    slot = Pending{summarize(m, dir), next_order_++, true};
    return;
  }
  ++counters_.responses;
  Pending& slot = bvlc_pending_[static_cast<std::size_t>(other(dir))];
  if (!slot.used) {
    ++counters_.unmatched_responses;
    report(nullptr, &m, sink);
    return;
  }
  slot.used = false;
  report(&slot.request, &m, sink);
}

void BacnetSession::report(const Summary* request, const Message* response,
                           TransactionSink& sink) {
  Transaction t(Protocol::Bacnet, bacnet_schema());
  t.has_request = request != nullptr;
  t.has_response = response != nullptr;
  // A lone answer is described by its own fields (an ack still names the acked service).
  const Summary s = request != nullptr ? *request : summarize(*response, Direction::ToClient);
  fill(t, s);
  t.operation = operation_of(s);
  if (response != nullptr) {
    if (response->has_bvlc_result) put(t, BacnetField::BvlcResult, response->bvlc_result);
    if (response->has_apdu) {
      const Apdu& a = response->apdu;
      if (request != nullptr) put_text(t, BacnetField::ResponsePduType, pdu_name(a.pdu_type));
      if (a.segmented && !has(s, kSegmented))
        t.set_bool(field_index(BacnetField::Segmented), true);
      if (a.has_error) {
        put(t, BacnetField::ErrorClassCode, a.error_class);
        put_text(t, BacnetField::ErrorClass, error_class_name(a.error_class));
        put(t, BacnetField::ErrorCode, a.error_code);
      }
      if (a.pdu_type == static_cast<std::uint8_t>(PduType::Reject))
        put(t, BacnetField::RejectReason, a.reason);
      if (a.pdu_type == static_cast<std::uint8_t>(PduType::Abort))
        put(t, BacnetField::AbortReason, a.reason);
    }
  }
  if (has(s, kSegmented)) t.set_bool(field_index(BacnetField::Segmented), true);
  ++counters_.transactions;
  sink.on_transaction(t);
}

void BacnetSession::anomaly(Direction dir, std::string_view reason, bool violation,
                            TransactionSink& sink) {
  ++counters_.anomalies;
  sink.on_anomaly(Anomaly{Protocol::Bacnet, dir, reason, violation});
}

}  // namespace limen::dissect::bacnet
