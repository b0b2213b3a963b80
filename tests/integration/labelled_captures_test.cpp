// The labelled industrial captures in ../shared/pcaps/ics: each file's name says what happens in
// it (a PLC stop, a cold restart, a program download ...). The probe's events must say the same:
// an event of the protocol's type with that function and the normalised operation.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/integration/binaries.h"
#include "tests/support/process.h"

namespace limen::testing {
namespace {

struct Label {
  const char* file;      // under ics/
  const char* protocol;  // object holding the field ("cip" inside "enip" events)
  const char* function;  // value of <protocol>.<field>
  const char* operation;
  const char* field = "function";
};

// What the file name announces, not what the probe happens to print.
const Label kLabels[] = {
    {"s7/snap7_s300_stop.pcapng", "s7comm", "plc_stop", "stop"},
    {"s7/step7_s300_stop.pcapng", "s7comm", "plc_stop", "stop"},
    {"s7/step7_s300_download.pcapng", "s7comm", "request_download", "program"},
    {"s7/tia_s300_downloadOb1.pcapng", "s7comm", "download_block", "program"},
    {"s7/s7comm_downloading_block_db1.pcap", "s7comm", "download_block", "program"},
    {"s7/step7_s300_copyRamToRom.pcapng", "s7comm", "pi_service", "program"},
    {"s7/step7_s300_AuthPassword.pcapng", "s7comm", "plc_password", "auth",
     "userdata_subfunction_name"},
    {"s7/s7comm_reading_setting_plc_time.pcap", "s7comm", "set_clock", "write",
     "userdata_subfunction_name"},
    {"s7/s7comm_reading_setting_plc_time.pcap", "s7comm", "read_clock", "read",
     "userdata_subfunction_name"},
    {"s7/s7comm_reading_plc_status.pcap", "s7comm", "read_szl", "diagnostic",
     "userdata_subfunction_name"},
    {"s7/snap7_s300_readVar.pcapng", "s7comm", "read_var", "read"},
    {"s7/snap7_s300_setupCommunication.pcapng", "s7comm", "setup_communication", "session"},
    {"s7/s7comm_program_blocklist_onlineview.pcap", "s7comm", "list_blocks", "discovery",
     "userdata_subfunction_name"},
    {"dnp3/cold_restart_and_response.pcap", "dnp3", "cold_restart", "restart"},
    {"dnp3/warm_restart_and_response.pcap", "dnp3", "warm_restart", "restart"},
    {"dnp3/file_delete.pcap", "dnp3", "delete_file", "file"},
    {"bro/dnp3/dnp3_file_del.pcap", "dnp3", "delete_file", "file"},
    {"dnp3/file_read.pcap", "dnp3", "open_file", "file"},
    {"dnp3/file_write.pcap", "dnp3", "open_file", "file"},
    {"dnp3/assign_class.pcap", "dnp3", "assign_class", "write"},
    {"dnp3/enable_unsolicited_and_response.pcap", "dnp3", "enable_unsolicited", "write"},
    {"dnp3/disable_unsolcited_and_response.pcap", "dnp3", "disable_unsolicited", "write"},
    {"dnp3/direct_operate_analog_output.pcap", "dnp3", "direct_operate", "control"},
    {"dnp3/directoperate_and_response.pcap", "dnp3", "direct_operate", "control"},
    {"dnp3/direct_operate_no_ack_crob.pcap", "dnp3", "direct_operate_nr", "control"},
    {"dnp3/select_operate_and_responses.pcap", "dnp3", "select", "control"},
    {"dnp3/select_operate_and_responses.pcap", "dnp3", "operate", "control"},
    {"bro/dnp3/dnp3_select_operate.pcap", "dnp3", "operate", "control"},
    {"dnp3/immediate_freeze.pcap", "dnp3", "immediate_freeze", "control"},
    {"dnp3/read_and_response.pcap", "dnp3", "read", "read"},
    {"dnp3/unsolcited_response_and_confirm.pcap", "dnp3", "unsolicited_response", "report"},
    {"dnp3/auth_control_challenge_response.pcap", "dnp3", "authentication_request", "auth"},
    {"dnp3/write_binary_output.pcap", "dnp3", "write", "write"},
    {"EthernetIP/cip_stop_plc.pcap", "cip", "stop", "stop", "service_name"},
    {"EthernetIP/cip_start_plc.pcap", "cip", "start", "start", "service_name"},
    {"IEC61850/MMS - Specific Commands/mms-stopRequest.pcap", "mms", "stop", "stop", "service"},
    {"IEC61850/MMS - Specific Commands/mms-killRequest.pcap", "mms", "kill", "stop", "service"},
    {"IEC61850/MMS - Specific Commands/mms-resetRequest.pcap", "mms", "reset", "restart",
     "service"},
    {"IEC61850/MMS - Specific Commands/mms-resumeRequest.pcap", "mms", "resume", "start",
     "service"},
    {"IEC61850/MMS - Specific Commands/iec61850_write.pcap", "mms", "write", "write", "service"},
    {"IEC61850/MMS - Specific Commands/iec61850_read.pcap", "mms", "read", "read", "service"},
    {"IEC61850/MMS - Specific Commands/iec61850_get_name_list.pcap", "mms", "get_name_list",
     "discovery", "service"},
    {"IEC61850/MMS - Specific Commands/mms-initiateDownloadSequence.pcap", "mms",
     "initiate_download_sequence", "program", "service"},
    {"IEC61850/MMS - Specific Commands/mms-deleteProgramInvocation.pcap", "mms",
     "delete_program_invocation", "program", "service"},
    {"BACnet/bacnet_test.pcap", "bacnet", "read_property", "read", "service_name"},
    {"IEC61850/GOOSE/GOOSE.pcap", "goose", "GEDeviceF650/LLN0$GO$gcb01", "report", "gocb_ref"},
    {"IEC61850/GOOSE/Sample_File_GOOSE.pcap", "goose", "AA1C1Q01A1LD0/LLN0$GO$gcb_A", "report",
     "gocb_ref"},
};

class LabelledCaptures : public ::testing::TestWithParam<Label> {};

TEST_P(LabelledCaptures, EventsNameWhatTheFileNameSays) {
  LIMEN_REQUIRE_SHARED_PCAPS(shared);
  const Label& label = GetParam();
  const auto capture = shared / "ics" / label.file;
  auto r = run_process({probe_binary(), "-r", capture.string(), "--eve", "-", "--quiet",
                        "--no-flow-events", "--stats-interval", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::vector<std::string> seen;
  while (std::getline(lines, line)) {
    const auto e = nlohmann::json::parse(line);
    if (!e.contains("operation") || !e.contains(label.protocol)) continue;
    const auto& obj = e[label.protocol];
    const std::string value = obj.contains(label.field) ? obj[label.field].get<std::string>() : "";
    if (value == label.function) {
      EXPECT_EQ(e["operation"], label.operation) << label.file << ": " << line;
      return;
    }
    if (seen.size() < 12) seen.push_back(e["operation"].get<std::string>() + "/" + value);
  }
  std::string got;
  for (const auto& s : seen) got += " " + s;
  FAIL() << label.file << ": no " << label.protocol << " event with " << label.field << " "
         << label.function << "; saw:" << got;
}

INSTANTIATE_TEST_SUITE_P(Ics, LabelledCaptures, ::testing::ValuesIn(kLabels),
                         [](const ::testing::TestParamInfo<Label>& p) {
                           std::string name = std::string(p.param.file) + "_" +
                                              p.param.function;
                           for (auto& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

}  // namespace
}  // namespace limen::testing
