// libFuzzer target for the EtherNet/IP session (driver and invariants:
// tests/support/session_fuzz.h). The session consumes every whole message: what it leaves is
// less than one maximum message.
#include "dissectors/enip/enip_constants.h"
#include "dissectors/enip/enip_fields.h"
#include "dissectors/enip/enip_session.h"
#include "tests/support/session_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace enip = limen::dissect::enip;
  return limen::testing::fuzz_session_in_chunks<enip::EnipSession>(
      data, size, {enip::field_index(enip::EnipField::Command), enip::kMaxFrame});
}
