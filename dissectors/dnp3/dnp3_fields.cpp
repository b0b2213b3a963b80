#include "dissectors/dnp3/dnp3_fields.h"

namespace limen::dissect::dnp3 {
namespace {

using enum Operation;
// Indexed by request function code 0..33; the reasons are in README.md.
constexpr std::array<Operation, 34> kRequestOperations{
    Session,                                   // 0 confirm
    Read,                                      // 1 read
    Write,                                     // 2 write
    Control, Control, Control, Control,        // 3..6 select, operate, direct_operate(_nr)
    Control, Control, Control, Control,        // 7..10 immediate_freeze(_nr), freeze_clear(_nr)
    Control, Control,                          // 11..12 freeze_at_time(_nr)
    Restart, Restart,                          // 13..14 cold_restart, warm_restart
    Restart, Restart,                          // 15..16 initialize_data, initialize_application
    Start, Stop,                               // 17..18 start_application, stop_application
    Program,                                   // 19 save_configuration
    Write, Write, Write,                       // 20..22 enable/disable_unsolicited, assign_class
    Diagnostic, Diagnostic,                    // 23..24 delay_measure, record_current_time
    File, File, File, File, File, File,        // 25..30 file functions
    Program,                                   // 31 activate_config
    Auth, Auth,                                // 32..33 authentication_request, _error
};

}  // namespace

Operation function_operation(std::uint8_t function) {
  if (function < kRequestOperations.size()) return kRequestOperations[function];
  if (function == 130) return Report;
  if (function == 131) return Auth;
  return Unknown;
}

}  // namespace limen::dissect::dnp3
