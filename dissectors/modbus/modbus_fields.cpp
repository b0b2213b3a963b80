#include "dissectors/modbus/modbus_fields.h"

#include <string_view>

namespace limen::dissect::modbus {
namespace {

// Every entry is named under "modbus." and no name repeats: checked once, at compile time.
constexpr bool schema_is_well_formed() {
  for (std::size_t i = 0; i < kModbusFields.size(); ++i) {
    if (!kModbusFields[i].name.starts_with("modbus.")) return false;
    for (std::size_t j = i + 1; j < kModbusFields.size(); ++j)
      if (kModbusFields[i].name == kModbusFields[j].name) return false;
  }
  return true;
}
static_assert(schema_is_well_formed());
static_assert(kModbusFields[field_index(ModbusField::Revision)].name == "modbus.revision");

}  // namespace

std::span<const FieldSpec> modbus_schema() { return kModbusFields; }

}  // namespace limen::dissect::modbus
