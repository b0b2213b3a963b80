#include "dissectors/mqtt/mqtt_fields.h"

#include <string_view>

namespace limen::dissect::mqtt {
namespace {

// Every entry is named under "mqtt." and no name repeats: checked once, at compile time.
constexpr bool schema_is_well_formed() {
  for (std::size_t i = 0; i < kMqttFields.size(); ++i) {
    if (!kMqttFields[i].name.starts_with("mqtt.")) return false;
    for (std::size_t j = i + 1; j < kMqttFields.size(); ++j)
      if (kMqttFields[i].name == kMqttFields[j].name) return false;
  }
  return true;
}
static_assert(schema_is_well_formed());
static_assert(kMqttFields[field_index(MqttField::PayloadLength)].name == "mqtt.payload_length");

}  // namespace

std::span<const FieldSpec> mqtt_schema() { return kMqttFields; }

}  // namespace limen::dissect::mqtt
