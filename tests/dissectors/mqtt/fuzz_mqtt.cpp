// libFuzzer target for the MQTT session (driver and invariants: tests/support/session_fuzz.h).
// The session consumes every whole packet and skips larger ones: what it leaves is less than one
// maximum packet.
#include "dissectors/mqtt/mqtt_constants.h"
#include "dissectors/mqtt/mqtt_fields.h"
#include "dissectors/mqtt/mqtt_session.h"
#include "tests/support/session_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace mqtt = limen::dissect::mqtt;
  return limen::testing::fuzz_session_in_chunks<mqtt::MqttSession>(
      data, size, {mqtt::field_index(mqtt::MqttField::PacketType), mqtt::kMaxPacket - 1});
}
