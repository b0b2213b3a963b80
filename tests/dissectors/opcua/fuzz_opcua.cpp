// libFuzzer target for the OPC UA session (driver and invariants: tests/support/session_fuzz.h).
// The session consumes each chunk once its 64 KiB window is present: it leaves less. Pieces go
// up to 512 bytes so that large chunks are reached.
#include "dissectors/opcua/opcua_constants.h"
#include "dissectors/opcua/opcua_fields.h"
#include "dissectors/opcua/opcua_session.h"
#include "tests/support/session_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace opcua = limen::dissect::opcua;
  return limen::testing::fuzz_session_in_chunks<opcua::OpcuaSession>(
      data, size, {opcua::field_index(opcua::OpcuaField::MessageType), opcua::kMaxChunk, 512});
}
