#include "dissectors/s7comm/s7comm_operation.h"

#include "dissectors/s7comm/s7comm_constants.h"

namespace limen::dissect::s7comm {

Operation job_operation(std::uint8_t function, std::string_view pi_service) {
  switch (static_cast<Function>(function)) {
    case Function::ReadVar: return Operation::Read;
    case Function::WriteVar: return Operation::Write;
    case Function::SetupCommunication: return Operation::Session;
    // Uploading logic copies the PLC's program off the device: access to the program itself,
    // as sensitive as a download for intellectual property and attack preparation.
    case Function::RequestDownload:
    case Function::DownloadBlock:
    case Function::DownloadEnded:
    case Function::StartUpload:
    case Function::Upload:
    case Function::EndUpload:
      return Operation::Program;
    case Function::PlcStop: return Operation::Stop;
    case Function::PiService:
      // P_PROGRAM through the PI service is the (warm/cold) start; _INSE activates a downloaded
      // block, _DELE deletes blocks, _MODU copies RAM to ROM, _GARB compresses the load memory:
      // all change the stored program.
      if (pi_service == "P_PROGRAM") return Operation::Start;
      if (pi_service == "_INSE" || pi_service == "_DELE" || pi_service == "_MODU" ||
          pi_service == "_GARB")
        return Operation::Program;
      // Other services (NC "_N_..." and unknown names) still command the controller.
      return Operation::Control;
    case Function::CpuServices: return Operation::Unknown;
  }
  return Operation::Unknown;
}

Operation userdata_operation(std::uint8_t type, std::uint8_t group, std::uint8_t subfunction) {
  if (type == static_cast<std::uint8_t>(UserdataType::Push) &&
      group != static_cast<std::uint8_t>(UserdataGroup::ProgrammerCommands))
    return Operation::Report;
  switch (static_cast<UserdataGroup>(group)) {
    case UserdataGroup::ModeTransition: return Operation::Report;
    case UserdataGroup::ProgrammerCommands:
      // Forces overwrite process values; erase removes blocks; the rest is online diagnosis
      // (variable tables, diagnostic data) on behalf of the engineering station.
      if (subfunction == 0x10) return Operation::Write;
      if (subfunction == 0x0C) return Operation::Program;
      return Operation::Diagnostic;
    case UserdataGroup::CyclicData: return Operation::Read;
    case UserdataGroup::BlockFunctions:
      return subfunction == 0x03 ? Operation::Read : Operation::Discovery;
    case UserdataGroup::CpuFunctions:
      switch (subfunction) {
        case 0x01: return Operation::Diagnostic;  // read_szl
        case 0x02: return Operation::Session;     // message service: alarm registration
        case 0x07:
        case 0x08:
        case 0x0B: return Operation::Control;     // alarm lock/unlock/acknowledge
        case 0x13: return Operation::Read;        // alarm query
        default: return Operation::Report;        // indications the CPU sends on its own
      }
    case UserdataGroup::Security: return Operation::Auth;
    case UserdataGroup::PbcBsend: return Operation::Write;
    case UserdataGroup::TimeFunctions:
      return (subfunction == 0x02 || subfunction == 0x04) ? Operation::Write : Operation::Read;
    case UserdataGroup::NcProgramming: return Operation::Program;
  }
  return Operation::Unknown;
}

Operation plus_operation(std::uint8_t opcode, std::uint16_t function) {
  if (opcode == static_cast<std::uint8_t>(PlusOpcode::Notification)) return Operation::Report;
  switch (function) {
    case 0x04BB: return Operation::Discovery;  // explore
    case 0x04CA:                               // create_object (sessions, subscriptions)
    case 0x04D4:                               // delete_object
    case 0x0556:                               // begin_sequence
    case 0x0560:                               // end_sequence
    case 0x059A:                               // abort
      return Operation::Session;
    case 0x04F2:  // set_variable
    case 0x0542:  // set_multi_variables
    case 0x057C:  // set_var_sub_streamed
    case 0x0506:  // add_link
    case 0x051A:  // remove_link
      return Operation::Write;
    case 0x04FC:  // get_variable
    case 0x0524:  // get_link
    case 0x054C:  // get_multi_variables
    case 0x0586:  // get_var_sub_streamed
    case 0x0590:  // get_variables_address
      return Operation::Read;
    case 0x056B: return Operation::Control;  // invoke
    case 0x05B3: return Operation::Auth;     // init_ssl
    default: return Operation::Unknown;
  }
}

}  // namespace limen::dissect::s7comm
