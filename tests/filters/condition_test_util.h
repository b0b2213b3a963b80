#pragma once
// Fake protocol schemas (Modbus-, DNP3- and MQTT-like, with the FieldSpec shape
// the dissectors publish) and helpers to compile rules with conditions and
// build transactions against them.

#include <array>
#include <string>
#include <string_view>

#include "dissectors/core/transaction.h"
#include "tests/filters/rules_test_util.h"

namespace limen::rules::test {

using dissect::FieldSpec;
using dissect::FieldType;
using dissect::Protocol;
using dissect::Transaction;

// Field indices of the fake schemas.
enum : std::uint16_t {
  kMbCode,
  kMbName,
  kMbUnit,
  kMbRegisters,
  kMbException,
  kMbOffset
};
inline constexpr std::array<FieldSpec, 6> kModbus{{
    {"modbus.function_code", FieldType::Uint, "function code"},
    {"modbus.function", FieldType::Text, "function name"},
    {"modbus.unit_id", FieldType::Uint, "unit"},
    {"modbus.registers", FieldType::UintList, "register addresses"},
    {"modbus.exception", FieldType::Bool, "an exception response"},
    {"modbus.offset", FieldType::Int, "a signed value"},
}};
enum : std::uint16_t { kDnpCode, kDnpName, kDnpGroups };
inline constexpr std::array<FieldSpec, 3> kDnp3{{
    {"dnp3.function_code", FieldType::Uint, "application function code"},
    {"dnp3.function", FieldType::Text, "function name"},
    {"dnp3.groups", FieldType::UintList, "object groups"},
}};
enum : std::uint16_t { kMqttTopic };
inline constexpr std::array<FieldSpec, 1> kMqtt{{
    {"mqtt.topic", FieldType::Text, "topic"},
}};

inline CompileOptions schema_options() {
  CompileOptions o = options();
  o.schemas = {{Protocol::Modbus, kModbus},
               {Protocol::Dnp3, kDnp3},
               {Protocol::Mqtt, kMqtt}};
  return o;
}

// Four zones on lines 1-4, so the first rule of `rules` is on line 5.
inline constexpr std::string_view kZones =
    "zone plc critical 10.20.1.0/24\n"
    "zone scada critical 10.20.0.0/24\n"
    "zone vendor third-party 192.168.50.0/24\n"
    "zone corp other 10.0.0.0/8 except 10.20.0.0/16\n";

inline CompileResult compile_with_schemas(std::string_view rules) {
  return compile_text(std::string(kZones) + std::string(rules), "t.rules",
                      schema_options());
}

inline Transaction modbus(std::uint64_t code, std::string_view name,
                          dissect::Operation op = dissect::Operation::Read) {
  Transaction t(Protocol::Modbus, kModbus);
  t.operation = op;
  t.set_uint(kMbCode, code);
  t.set_text(kMbName, name);
  return t;
}

inline Transaction dnp3(std::uint64_t code, std::string_view name,
                        dissect::Operation op) {
  Transaction t(Protocol::Dnp3, kDnp3);
  t.operation = op;
  t.set_uint(kDnpCode, code);
  t.set_text(kDnpName, name);
  return t;
}

inline Transaction mqtt(std::string_view topic) {
  Transaction t(Protocol::Mqtt, kMqtt);
  t.operation = dissect::Operation::Write;
  t.set_text(kMqttTopic, topic);
  return t;
}

} // namespace limen::rules::test
