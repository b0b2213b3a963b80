#pragma once
// Pure MQTT decoder: one control packet at the front of a byte span, decoded into a value type
// whose variable parts (client id, topics, user name...) are spans into that input. No state,
// no I/O, no allocation. The caller supplies the protocol level (3, 4 or 5) a CONNECT announced,
// because only MQTT 5.0 carries properties; a CONNECT carries its own.
//
// Invariants: every length is hostile. The remaining length is a variable byte integer of at
// most 4 bytes; a longer one, a reserved packet type or fixed-header flags the type forbids
// mean the bytes are not MQTT framing (Invalid). A packet larger than kMaxPacket is TooLarge:
// its size is known, so a session skips it without buffering. Inside a framed packet, a string
// or property length running past the packet, a QoS of 3 or a missing field make it Malformed:
// the size is still known, so a session skips exactly that packet and stays in sync.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dissectors/mqtt/mqtt_constants.h"

namespace limen::dissect::mqtt {

enum class DecodeStatus : std::uint8_t {
  Ok,         // `size` bytes form one packet, decoded into the Packet
  NeedMore,   // `size` is the number of bytes needed (the whole packet once the header is known)
  Malformed,  // framed (`size` bytes) but the body contradicts itself; `reason` says how.
              // The Packet keeps the fixed header and what was decoded before the fault.
  TooLarge,   // framed, `size` bytes, over kMaxPacket: skip it
  Invalid,    // not an MQTT fixed header: framing is lost; `reason` says why
};

struct DecodeResult {
  DecodeStatus status = DecodeStatus::Invalid;
  std::size_t size = 0;
  std::string_view reason;  // static text; empty when Ok or NeedMore
};

struct FixedHeader {
  PacketType type = PacketType::Reserved;
  std::uint8_t flags = 0;             // low nibble of the first byte
  std::uint32_t remaining_length = 0; // bytes after the fixed header
  std::uint8_t header_size = 0;       // 2..5
};

// One entry of a SUBSCRIBE (with its options byte) or UNSUBSCRIBE list.
struct TopicEntry {
  std::span<const std::uint8_t> filter;
  std::uint8_t options = 0;  // SUBSCRIBE only; requested QoS in bits 0-1
};

// Walks a topic list the decoder already validated (Packet::topic_list).
class TopicCursor {
 public:
  TopicCursor(std::span<const std::uint8_t> list, bool with_options)
      : list_(list), with_options_(with_options) {}
  // The next entry, false at the end (or, never for a decoded list, at a bad entry).
  bool next(TopicEntry& out);

 private:
  std::span<const std::uint8_t> list_;
  std::size_t offset_ = 0;
  bool with_options_;
};

struct Packet {
  FixedHeader header;
  std::uint8_t protocol_level = 0;  // the level the packet was decoded with

  // CONNECT
  std::span<const std::uint8_t> protocol_name;  // "MQTT" or "MQIsdp"
  std::uint8_t connect_flags = 0;
  std::uint16_t keep_alive = 0;
  std::span<const std::uint8_t> client_id;
  std::span<const std::uint8_t> will_topic;
  std::span<const std::uint8_t> username;
  bool has_username = false;
  bool password_present = false;  // the password itself is never exposed

  // CONNACK / acks / DISCONNECT / AUTH
  bool session_present = false;
  bool has_return_code = false;
  std::uint8_t return_code = 0;  // CONNACK return code (3.1.1) or reason code (5.0)

  // PUBLISH
  std::uint8_t qos = 0;
  bool retain = false;
  bool dup = false;
  std::span<const std::uint8_t> topic;
  std::size_t payload_length = 0;

  bool has_packet_id = false;
  std::uint16_t packet_id = 0;

  // SUBSCRIBE / UNSUBSCRIBE: the validated list, walked with TopicCursor
  std::span<const std::uint8_t> topic_list;
  std::uint16_t topic_count = 0;
  // SUBACK / UNSUBACK (5.0): one return/reason code per topic
  std::span<const std::uint8_t> return_codes;

  // CONNECT flag helpers (3.1.1 section 3.1.2.3)
  [[nodiscard]] bool clean_session() const { return (connect_flags & 0x02U) != 0; }
  [[nodiscard]] bool will_flag() const { return (connect_flags & 0x04U) != 0; }
  [[nodiscard]] std::uint8_t will_qos() const {
    return static_cast<std::uint8_t>((connect_flags >> 3) & 0x03U);
  }
  [[nodiscard]] bool will_retain() const { return (connect_flags & 0x20U) != 0; }
};

// The fixed header at the front of `bytes`. Ok: `size` is the whole packet's size (it may
// exceed `bytes`). NeedMore: the remaining length is not complete yet.
DecodeResult decode_fixed_header(std::span<const std::uint8_t> bytes, FixedHeader& out);

// One whole packet at the front of `bytes`, decoded with `protocol_level` (see above).
DecodeResult decode_packet(std::span<const std::uint8_t> bytes, std::uint8_t protocol_level,
                           Packet& out);

}  // namespace limen::dissect::mqtt
