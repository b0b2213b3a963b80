#pragma once
// MqttSession: one per MQTT flow (TCP 1883). Frames each direction's stream into control
// packets, pairs CONNECT/CONNACK, (UN)SUBSCRIBE/(UN)SUBACK and PUBLISH QoS 1/2 with PUBACK or
// PUBREC (and PUBREL with PUBCOMP) by packet id, PINGREQ with PINGRESP, and reports one
// Transaction per pair (or per lone packet) to the caller's sink.
//
// Invariants: the session never buffers payload: on_data consumes whole packets only, so the
// reassembler holds at most one partial packet of at most kMaxPacket bytes; a larger packet is
// reported as an anomaly and its bytes are consumed (skipped) as they arrive. At most
// kMaxOutstanding requests wait for a reply, each a compact summary with bounded text copies
// (never a whole Transaction); the oldest is reported unanswered when a new one does not fit.
// Bad framing puts that direction out of sync: bytes are skipped (and counted) until a small
// packet that decodes cleanly, so garbage can neither crash nor stall the session.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/timestamp.h"
#include "dissectors/core/transaction.h"
#include "dissectors/mqtt/mqtt_decoder.h"

namespace limen::dissect::mqtt {

struct SessionCounters {
  std::uint64_t packets = 0;           // framed packets, both directions
  std::uint64_t transactions = 0;      // reported to the sink, paired or not
  std::uint64_t unanswered = 0;        // requests reported without a reply
  std::uint64_t unmatched_replies = 0; // replies with no pending request
  std::uint64_t evicted = 0;           // requests pushed out by kMaxOutstanding (in unanswered)
  std::uint64_t malformed = 0;         // framed packets whose body was inconsistent
  std::uint64_t too_large = 0;         // packets over kMaxPacket, skipped
  std::uint64_t anomalies = 0;         // every anomaly and violation reported
  std::uint64_t out_of_sync = 0;       // times a direction lost framing
  std::uint64_t skipped_bytes = 0;     // bytes skipped (out of sync or inside a too-large packet)
  std::uint64_t gaps = 0;
};

// A bounded copy of protocol text (client id, topic...), cut at N bytes.
template <std::size_t N>
struct KeptText {
  std::array<char, N> bytes{};
  std::uint16_t length = 0;
  void assign(std::span<const std::uint8_t> text) {
    length = 0;
    append(text);
  }
  void append(std::span<const std::uint8_t> text) {
    for (const std::uint8_t c : text) {
      if (length == N) return;
      bytes[length++] = static_cast<char>(c);
    }
  }
  void append(char c) {
    if (length < N) bytes[length++] = c;
  }
  [[nodiscard]] std::string_view view() const { return {bytes.data(), length}; }
};

class MqttSession {
 public:
  static constexpr std::size_t kMaxOutstanding = 16;
  static constexpr std::size_t kMaxKeptText = 128;  // a kept topic, or the joined filters
  static constexpr std::size_t kMaxIdText = 64;     // kept client id, user name, will topic
  static constexpr std::size_t kMaxKeptCodes = 16;  // requested QoS / return codes listed
  static constexpr std::size_t kMaxResyncPacket = 1024;  // a packet that ends a resync

  std::size_t on_data(Direction dir, std::span<const std::uint8_t> bytes, Timestamp ts,
                      TransactionSink& sink);
  void on_gap(Direction dir, std::size_t length);
  void on_close(Timestamp ts, TransactionSink& sink);

  [[nodiscard]] const SessionCounters& counters() const { return counters_; }
  // Requests waiting for a reply (CONNECT, PUBLISH, PUBREL, (UN)SUBSCRIBE and PINGREQ).
  [[nodiscard]] std::size_t outstanding() const {
    return pending_count_ + (connect_pending_ ? 1U : 0U) + pings_pending_;
  }
  // The level the last CONNECT announced; 3.1.1 until one is seen.
  [[nodiscard]] std::uint8_t protocol_level() const { return level_; }

  // A PUBLISH, PUBREL or (UN)SUBSCRIBE kept while it waits for its reply.
  struct Request {
    PacketType type = PacketType::Reserved;
    Direction dir = Direction::ToServer;
    bool has_packet_id = false;
    std::uint16_t packet_id = 0;
    std::uint8_t qos = 0;
    bool retain = false;
    bool dup = false;
    bool has_return_code = false;  // DISCONNECT / AUTH reason code (5.0), reported alone
    std::uint8_t return_code = 0;
    std::uint8_t kept_qos = 0;       // entries of requested_qos in use
    std::uint16_t topic_count = 0;
    std::uint32_t payload_length = 0;
    std::array<std::uint8_t, kMaxKeptCodes> requested_qos{};
    KeptText<kMaxKeptText> topics;  // PUBLISH topic or comma-joined filters
  };

  struct Connect {
    std::uint8_t level = 0;
    std::uint8_t flags = 0;
    std::uint16_t keep_alive = 0;
    bool has_username = false;
    bool password_present = false;
    KeptText<8> protocol_name;
    KeptText<kMaxIdText> client_id;
    KeptText<kMaxIdText> username;
    KeptText<kMaxIdText> will_topic;
  };

 private:
  struct Pending {
    Request request;
    std::uint64_t order = 0;  // arrival order: the oldest is evicted first
  };

  std::size_t resync(Direction dir, std::span<const std::uint8_t> bytes);
  void on_packet(Direction dir, const Packet& p, TransactionSink& sink);
  void on_reply(Direction dir, const Packet& p, PacketType request_type, TransactionSink& sink);
  void hold(const Request& request, TransactionSink& sink);
  void report(const Request* request, Direction reply_dir, const Packet* reply,
              TransactionSink& sink);
  void report_connect(const Connect* connect, const Packet* connack, TransactionSink& sink);
  void anomaly(Direction dir, std::string_view reason, bool violation, TransactionSink& sink);

  std::array<Pending, kMaxOutstanding> pending_{};
  std::size_t pending_count_ = 0;
  std::uint64_t next_order_ = 0;
  Connect connect_{};
  bool connect_pending_ = false;
  std::size_t pings_pending_ = 0;
  std::uint8_t level_ = kLevel311;
  std::array<bool, 2> out_of_sync_{};
  std::array<bool, 2> seen_packet_{};   // a clean packet was seen: later garbage is an anomaly
  std::array<std::size_t, 2> skip_{};   // bytes left of a too-large packet
  SessionCounters counters_;
};

}  // namespace limen::dissect::mqtt
