#pragma once
// The mapping from S7comm functions, PI services, userdata groups/subfunctions and S7comm-plus
// functions to the shared Operation vocabulary. The table and its reasons are in README.md.

#include <cstdint>
#include <string_view>

#include "dissectors/core/operation.h"

namespace limen::dissect::s7comm {

// Job / ack_data function; `pi_service` is the PI name of a pi_service job ("" when unknown).
Operation job_operation(std::uint8_t function, std::string_view pi_service);
// Userdata by type (0 push, 4 request, 8 response), function group and subfunction.
Operation userdata_operation(std::uint8_t type, std::uint8_t group, std::uint8_t subfunction);
// S7comm-plus by opcode and function code.
Operation plus_operation(std::uint8_t opcode, std::uint16_t function);

}  // namespace limen::dissect::s7comm
