// libFuzzer target for the Modbus session (driver and invariants: tests/support/session_fuzz.h).
// The session consumes every whole ADU: what it leaves is less than one maximum ADU.
#include "dissectors/modbus/modbus_constants.h"
#include "dissectors/modbus/modbus_fields.h"
#include "dissectors/modbus/modbus_session.h"
#include "tests/support/session_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace modbus = limen::dissect::modbus;
  return limen::testing::fuzz_session_in_chunks<modbus::ModbusSession>(
      data, size, {modbus::field_index(modbus::ModbusField::FunctionCode), modbus::kMaxAdu});
}
