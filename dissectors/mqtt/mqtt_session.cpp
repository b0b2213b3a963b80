#include "dissectors/mqtt/mqtt_session.h"

#include <algorithm>

#include "dissectors/mqtt/mqtt_constants.h"
#include "dissectors/mqtt/mqtt_fields.h"

namespace limen::dissect::mqtt {
namespace {

using Request = MqttSession::Request;

Direction opposite(Direction d) {
  return d == Direction::ToServer ? Direction::ToClient : Direction::ToServer;
}

void put(Transaction& t, MqttField f, std::uint64_t v) { t.set_uint(field_index(f), v); }
void put_bool(Transaction& t, MqttField f, bool v) { t.set_bool(field_index(f), v); }
void put_text(Transaction& t, MqttField f, std::string_view v) { t.set_text(field_index(f), v); }

// The packets only a client sends, and those only a server sends (3.1.1 section 2.2.1).
bool client_only(PacketType t) {
  return t == PacketType::Connect || t == PacketType::Subscribe ||
         t == PacketType::Unsubscribe || t == PacketType::Pingreq;
}
bool server_only(PacketType t) {
  return t == PacketType::Connack || t == PacketType::Suback || t == PacketType::Unsuback ||
         t == PacketType::Pingresp;
}

Request ping_request() {
  Request r;
  r.type = PacketType::Pingreq;
  return r;
}

Request summarize(Direction dir, const Packet& p) {
  Request r;
  r.type = p.header.type;
  r.dir = dir;
  r.has_packet_id = p.has_packet_id;
  r.packet_id = p.packet_id;
  r.qos = p.qos;
  r.retain = p.retain;
  r.dup = p.dup;
  r.has_return_code = p.has_return_code;
  r.return_code = p.return_code;
  r.payload_length = static_cast<std::uint32_t>(p.payload_length);  // <= kMaxPacket
  if (p.header.type == PacketType::Publish) r.topics.assign(p.topic);
  if (!p.topic_list.empty()) {
    TopicCursor cursor(p.topic_list, p.header.type == PacketType::Subscribe);
    TopicEntry e;
    while (cursor.next(e)) {
      if (r.topic_count > 0) r.topics.append(',');
      r.topics.append(e.filter);
      if (p.header.type == PacketType::Subscribe && r.kept_qos < MqttSession::kMaxKeptCodes)
        r.requested_qos[r.kept_qos++] = static_cast<std::uint8_t>(e.options & 0x03U);
      ++r.topic_count;
    }
  }
  return r;
}

void fill_request(Transaction& t, const Request& r) {
  put(t, MqttField::PacketType, static_cast<std::uint8_t>(r.type));
  put_text(t, MqttField::Packet, packet_name(static_cast<std::uint8_t>(r.type)));
  if (r.has_packet_id) put(t, MqttField::PacketId, r.packet_id);
  if (r.has_return_code) put(t, MqttField::ReturnCode, r.return_code);
  if (r.type == PacketType::Publish) {
    put_text(t, MqttField::Topic, r.topics.view());
    put(t, MqttField::Qos, r.qos);
    put_bool(t, MqttField::Retain, r.retain);
    put_bool(t, MqttField::Dup, r.dup);
    put(t, MqttField::PayloadLength, r.payload_length);
  } else if (r.type == PacketType::Subscribe || r.type == PacketType::Unsubscribe) {
    put_text(t, MqttField::Topics, r.topics.view());
    put(t, MqttField::TopicCount, r.topic_count);
    for (std::size_t i = 0; i < r.kept_qos; ++i)
      t.append(field_index(MqttField::RequestedQos), r.requested_qos[i]);
  }
}

void fill_reply(Transaction& t, const Packet& p) {
  if (p.has_return_code) put(t, MqttField::ReturnCode, p.return_code);
  if (p.header.type == PacketType::Connack)
    put_bool(t, MqttField::SessionPresent, p.session_present);
  const std::size_t codes = std::min(p.return_codes.size(), MqttSession::kMaxKeptCodes);
  for (std::size_t i = 0; i < codes; ++i)
    t.append(field_index(MqttField::ReturnCodes), p.return_codes[i]);
}

// A candidate packet at the front of `b` to end a resync: a valid fixed header for a small
// packet. Returns 1 when it decodes cleanly, 0 when it does not, -1 when more bytes are needed.
int candidate(std::span<const std::uint8_t> b, std::uint8_t level) {
  FixedHeader h;
  const DecodeResult r = decode_fixed_header(b, h);
  if (r.status == DecodeStatus::NeedMore) return -1;
  if (r.status != DecodeStatus::Ok || r.size > MqttSession::kMaxResyncPacket) return 0;
  if (b.size() < r.size) return -1;
  Packet p;
  return decode_packet(b, level, p).status == DecodeStatus::Ok ? 1 : 0;
}

}  // namespace

std::size_t MqttSession::on_data(Direction dir, std::span<const std::uint8_t> bytes,
                                 Timestamp /*ts*/, TransactionSink& sink) {
  const auto d = static_cast<std::size_t>(dir);
  std::size_t used = 0;
  while (used < bytes.size()) {
    const auto rest = bytes.subspan(used);
    if (skip_[d] > 0) {
      const std::size_t n = std::min(skip_[d], rest.size());
      skip_[d] -= n;
      used += n;
      counters_.skipped_bytes += n;
      continue;
    }
    if (out_of_sync_[d]) {
      used += resync(dir, rest);
      if (out_of_sync_[d]) break;  // no clean packet yet: wait for more bytes
      continue;
    }
    Packet p;
    const DecodeResult r = decode_packet(rest, level_, p);
    if (r.status == DecodeStatus::NeedMore) break;
    if (r.status == DecodeStatus::Invalid) {
      ++counters_.out_of_sync;
      out_of_sync_[d] = true;
      anomaly(dir, r.reason, !seen_packet_[d], sink);
      continue;
    }
    if (r.status == DecodeStatus::TooLarge) {
      ++counters_.too_large;
      anomaly(dir, r.reason, false, sink);
      skip_[d] = r.size;
      continue;
    }
    used += r.size;
    ++counters_.packets;
    if (r.status == DecodeStatus::Malformed) {
      // Still reported with what decoded before the fault: a malformed publish is a write.
      ++counters_.malformed;
      anomaly(dir, r.reason, false, sink);
    } else {
      seen_packet_[d] = true;
    }
    on_packet(dir, p, sink);
  }
  return used;
}

std::size_t MqttSession::resync(Direction dir, std::span<const std::uint8_t> bytes) {
  std::size_t i = 0;
  for (; i < bytes.size(); ++i) {
    const int c = candidate(bytes.subspan(i), level_);
    if (c < 0) break;  // maybe a packet: wait for the rest
    if (c > 0) {
      out_of_sync_[static_cast<std::size_t>(dir)] = false;
      break;
    }
  }
  counters_.skipped_bytes += i;
  return i;
}

void MqttSession::on_gap(Direction dir, std::size_t length) {
  if (length == 0) return;
  ++counters_.gaps;
  const auto d = static_cast<std::size_t>(dir);
  // A hole inside a packet being skipped keeps framing; anywhere else, find a packet again.
  if (length <= skip_[d]) {
    skip_[d] -= length;
    counters_.skipped_bytes += length;
    return;
  }
  skip_[d] = 0;
  out_of_sync_[d] = true;
}

void MqttSession::on_close(Timestamp /*ts*/, TransactionSink& sink) {
  if (connect_pending_) {
    connect_pending_ = false;
    ++counters_.unanswered;
    report_connect(&connect_, nullptr, sink);
  }
  std::sort(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(pending_count_),
            [](const Pending& a, const Pending& b) { return a.order < b.order; });
  for (std::size_t i = 0; i < pending_count_; ++i) {
    ++counters_.unanswered;
    report(&pending_[i].request, Direction::ToClient, nullptr, sink);
  }
  pending_count_ = 0;
  for (; pings_pending_ > 0; --pings_pending_) {
    ++counters_.unanswered;
    const Request ping = ping_request();
    report(&ping, Direction::ToClient, nullptr, sink);
  }
}

void MqttSession::on_packet(Direction dir, const Packet& p, TransactionSink& sink) {
  const PacketType type = p.header.type;
  if ((dir == Direction::ToClient && client_only(type)) ||
      (dir == Direction::ToServer && server_only(type))) {
    anomaly(dir, "packet type sent in the wrong direction", false, sink);
    const Request lone = summarize(dir, p);
    report(&lone, opposite(dir), nullptr, sink);
    return;
  }
  switch (type) {
    case PacketType::Connect: {
      if (connect_pending_) {
        ++counters_.unanswered;
        report_connect(&connect_, nullptr, sink);
      }
      connect_ = Connect{};
      connect_.level = p.protocol_level;
      connect_.flags = p.connect_flags;
      connect_.keep_alive = p.keep_alive;
      connect_.has_username = p.has_username;
      connect_.password_present = p.password_present;
      connect_.protocol_name.assign(p.protocol_name);
      connect_.client_id.assign(p.client_id);
      connect_.username.assign(p.username);
      connect_.will_topic.assign(p.will_topic);
      connect_pending_ = true;
      // Only a level this decoder knows changes how later packets are read.
      if (p.protocol_level >= kLevel31 && p.protocol_level <= kLevel5) level_ = p.protocol_level;
      return;
    }
    case PacketType::Connack:
      if (connect_pending_) {
        connect_pending_ = false;
        report_connect(&connect_, &p, sink);
      } else {
        ++counters_.unmatched_replies;
        report_connect(nullptr, &p, sink);
      }
      return;
    case PacketType::Publish:
      if (p.qos == 0 || !p.has_packet_id) break;  // nothing will acknowledge it
      hold(summarize(dir, p), sink);
      return;
    case PacketType::Pubrel:
    case PacketType::Subscribe:
    case PacketType::Unsubscribe:
      hold(summarize(dir, p), sink);
      return;
    case PacketType::Puback:
    case PacketType::Pubrec: on_reply(dir, p, PacketType::Publish, sink); return;
    case PacketType::Pubcomp: on_reply(dir, p, PacketType::Pubrel, sink); return;
    case PacketType::Suback: on_reply(dir, p, PacketType::Subscribe, sink); return;
    case PacketType::Unsuback: on_reply(dir, p, PacketType::Unsubscribe, sink); return;
    case PacketType::Pingreq:
      if (pings_pending_ < kMaxOutstanding) {
        ++pings_pending_;
        return;
      }
      ++counters_.evicted;
      ++counters_.unanswered;
      break;  // reported alone
    case PacketType::Pingresp:
      if (pings_pending_ > 0) {
        --pings_pending_;
        const Request ping = ping_request();
        report(&ping, dir, &p, sink);
      } else {
        ++counters_.unmatched_replies;
        report(nullptr, dir, &p, sink);
      }
      return;
    case PacketType::Disconnect:
    case PacketType::Auth:
    case PacketType::Reserved: break;
  }
  const Request lone = summarize(dir, p);
  report(&lone, opposite(dir), nullptr, sink);
}

void MqttSession::hold(const Request& request, TransactionSink& sink) {
  for (std::size_t i = 0; i < pending_count_; ++i) {
    Pending& p = pending_[i];
    if (p.request.type == request.type && p.request.dir == request.dir &&
        p.request.packet_id == request.packet_id) {
      // The id is reused before its reply (a retransmission or a lost ack): report the first.
      ++counters_.unanswered;
      const Request old = p.request;
      p = Pending{request, next_order_++};
      report(&old, opposite(old.dir), nullptr, sink);
      return;
    }
  }
  if (pending_count_ == kMaxOutstanding) {
    const auto oldest = std::min_element(
        pending_.begin(), pending_.end(),
        [](const Pending& a, const Pending& b) { return a.order < b.order; });
    ++counters_.evicted;
    ++counters_.unanswered;
    const Request evicted = oldest->request;
    *oldest = pending_[--pending_count_];
    report(&evicted, opposite(evicted.dir), nullptr, sink);
  }
  pending_[pending_count_++] = Pending{request, next_order_++};
}

void MqttSession::on_reply(Direction dir, const Packet& p, PacketType request_type,
                           TransactionSink& sink) {
  for (std::size_t i = 0; i < pending_count_; ++i) {
    if (pending_[i].request.type == request_type && pending_[i].request.dir != dir &&
        pending_[i].request.packet_id == p.packet_id) {
      const Request request = pending_[i].request;
      pending_[i] = pending_[--pending_count_];
      if (request.type == PacketType::Publish &&
          (request.qos == 1) != (p.header.type == PacketType::Puback))
        anomaly(dir, "acknowledgement does not match the publish qos", false, sink);
      report(&request, dir, &p, sink);
      return;
    }
  }
  ++counters_.unmatched_replies;
  report(nullptr, dir, &p, sink);
}

void MqttSession::report(const Request* request, Direction reply_dir, const Packet* reply,
                         TransactionSink& sink) {
  Transaction t(Protocol::Mqtt, mqtt_schema());
  t.has_request = request != nullptr;
  t.has_response = reply != nullptr;
  if (request != nullptr) {
    fill_request(t, *request);
    t.operation = operation_of(request->type, request->dir, false);
  } else {
    const auto type = static_cast<std::uint8_t>(reply->header.type);
    put(t, MqttField::PacketType, type);
    put_text(t, MqttField::Packet, packet_name(type));
    if (reply->has_packet_id) put(t, MqttField::PacketId, reply->packet_id);
    t.operation = operation_of(reply->header.type, reply_dir, false);
  }
  if (reply != nullptr) fill_reply(t, *reply);
  ++counters_.transactions;
  sink.on_transaction(t);
}

void MqttSession::report_connect(const Connect* connect, const Packet* connack,
                                 TransactionSink& sink) {
  Transaction t(Protocol::Mqtt, mqtt_schema());
  t.has_request = connect != nullptr;
  t.has_response = connack != nullptr;
  put(t, MqttField::PacketType, static_cast<std::uint8_t>(PacketType::Connect));
  put_text(t, MqttField::Packet, packet_name(static_cast<std::uint8_t>(PacketType::Connect)));
  t.operation = Operation::Session;
  if (connect != nullptr) {
    const Connect& c = *connect;
    t.operation = operation_of(PacketType::Connect, Direction::ToServer, c.has_username);
    put_text(t, MqttField::ProtocolName, c.protocol_name.view());
    put(t, MqttField::ProtocolLevel, c.level);
    put_text(t, MqttField::ClientId, c.client_id.view());
    if (c.has_username) put_text(t, MqttField::Username, c.username.view());
    put_bool(t, MqttField::PasswordPresent, c.password_present);
    put_bool(t, MqttField::CleanSession, (c.flags & 0x02U) != 0);
    put(t, MqttField::KeepAlive, c.keep_alive);
    if ((c.flags & 0x04U) != 0) {
      put_text(t, MqttField::WillTopic, c.will_topic.view());
      put(t, MqttField::WillQos, (c.flags >> 3) & 0x03U);
      put_bool(t, MqttField::WillRetain, (c.flags & 0x20U) != 0);
    }
  }
  if (connack != nullptr) fill_reply(t, *connack);
  ++counters_.transactions;
  sink.on_transaction(t);
}

void MqttSession::anomaly(Direction dir, std::string_view reason, bool violation,
                          TransactionSink& sink) {
  ++counters_.anomalies;
  sink.on_anomaly(Anomaly{Protocol::Mqtt, dir, reason, violation});
}

}  // namespace limen::dissect::mqtt
