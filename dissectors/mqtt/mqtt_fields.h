#pragma once
// The MQTT field schema: every field an MQTT transaction may carry, by full name, type and
// meaning. The rule engine and the JSON writer read transactions through this table only.
// Invariant: MqttField values index kMqttFields (checked at compile time in the .cpp). The
// password is never a field: only its presence is.

#include <array>
#include <cstdint>
#include <span>

#include "dissectors/core/transaction.h"

namespace limen::dissect::mqtt {

enum class MqttField : std::uint16_t {
  PacketType,
  Packet,
  ProtocolName,
  ProtocolLevel,
  ClientId,
  Username,
  PasswordPresent,
  CleanSession,
  KeepAlive,
  WillTopic,
  WillQos,
  WillRetain,
  SessionPresent,
  ReturnCode,
  Topic,
  Topics,
  TopicCount,
  RequestedQos,
  ReturnCodes,
  Qos,
  Retain,
  Dup,
  PacketId,
  PayloadLength,
  Count,
};

inline constexpr std::array<FieldSpec, static_cast<std::size_t>(MqttField::Count)> kMqttFields{{
    {"mqtt.packet_type", FieldType::Uint, "control packet type (1..15) of the request"},
    {"mqtt.packet", FieldType::Text, "control packet name, e.g. publish"},
    {"mqtt.protocol_name", FieldType::Text, "CONNECT protocol name: MQTT or MQIsdp"},
    {"mqtt.protocol_level", FieldType::Uint, "CONNECT protocol level: 3 (3.1), 4 (3.1.1), 5"},
    {"mqtt.client_id", FieldType::Text, "CONNECT client identifier"},
    {"mqtt.username", FieldType::Text, "CONNECT user name"},
    {"mqtt.password_present", FieldType::Bool, "CONNECT carried a password (never reported)"},
    {"mqtt.clean_session", FieldType::Bool, "CONNECT clean session (clean start in 5.0)"},
    {"mqtt.keep_alive", FieldType::Uint, "CONNECT keep alive, seconds"},
    {"mqtt.will_topic", FieldType::Text, "CONNECT will topic"},
    {"mqtt.will_qos", FieldType::Uint, "CONNECT will QoS"},
    {"mqtt.will_retain", FieldType::Bool, "CONNECT will retain"},
    {"mqtt.session_present", FieldType::Bool, "CONNACK session present"},
    {"mqtt.return_code", FieldType::Uint, "CONNACK return code or 5.0 reason code of the reply"},
    {"mqtt.topic", FieldType::Text, "PUBLISH topic name"},
    {"mqtt.topics", FieldType::Text, "(UN)SUBSCRIBE topic filters, comma-joined, bounded"},
    {"mqtt.topic_count", FieldType::Uint, "(UN)SUBSCRIBE number of topic filters"},
    {"mqtt.requested_qos", FieldType::UintList, "SUBSCRIBE requested QoS per filter (bounded)"},
    {"mqtt.return_codes", FieldType::UintList, "SUBACK/UNSUBACK codes per filter (bounded)"},
    {"mqtt.qos", FieldType::Uint, "PUBLISH QoS (0..2)"},
    {"mqtt.retain", FieldType::Bool, "PUBLISH retain flag"},
    {"mqtt.dup", FieldType::Bool, "PUBLISH duplicate delivery flag"},
    {"mqtt.packet_id", FieldType::Uint, "packet identifier pairing a request with its ack"},
    {"mqtt.payload_length", FieldType::Uint, "PUBLISH application payload bytes"},
}};

// The schema as the Transaction constructor takes it.
std::span<const FieldSpec> mqtt_schema();

constexpr std::uint16_t field_index(MqttField f) { return static_cast<std::uint16_t>(f); }

}  // namespace limen::dissect::mqtt
