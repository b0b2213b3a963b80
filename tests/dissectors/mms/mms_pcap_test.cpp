// Capture-driven tests: the IEC 61850 MMS captures in ../shared/pcaps/ics/IEC61850 through the
// session. The confirmed-request service codes per file are the counts tshark 4.0 reports
// (`tshark -r FILE -Y mms.confirmedServiceRequest -T fields -e mms.confirmedServiceRequest`);
// the labelled files must name the operation their file name says.

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "dissectors/mms/mms_constants.h"
#include "dissectors/mms/mms_fields.h"
#include "dissectors/mms/mms_session.h"
#include "tests/dissectors/modbus/pcap_streams.h"
#include "tests/support/test_paths.h"

namespace limen::dissect::mms {
namespace {

struct Tally final : TransactionSink {
  void on_transaction(const Transaction& t) override {
    ++transactions;
    operations.insert(std::string(operation_name(t.operation)));
    const auto* pdu = t.find(field_index(MmsField::PduCode));
    const auto* service = t.find(field_index(MmsField::ServiceCode));
    if (t.has_request && pdu != nullptr && pdu->number == 0 && service != nullptr)
      ++requests[service->number];
    if (t.has_request && t.has_response) ++paired;
    if (const auto* p = t.find(field_index(MmsField::Pdu)); p != nullptr)
      pdus.insert(std::string(t.text(*p)));
    if (const auto* d = t.find(field_index(MmsField::Item)); d != nullptr)
      items.insert(std::string(t.text(*d)));
    if (const auto* e = t.find(field_index(MmsField::ErrorClass)); e != nullptr)
      errors.insert(std::string(t.text(*e)));
  }
  void on_anomaly(const Anomaly& a) override { anomalies.emplace_back(a.reason); }

  std::size_t transactions = 0;
  std::size_t paired = 0;
  std::map<std::uint64_t, int> requests;
  std::set<std::string> operations;
  std::set<std::string> pdus;
  std::set<std::string> items;
  std::set<std::string> errors;
  std::vector<std::string> anomalies;
};

Tally run(const std::filesystem::path& file) {
  Tally tally;
  for (const auto& conversation : testing::tcp_conversations(file, kPort)) {
    MmsSession session;
    testing::replay(conversation, session, tally);
    EXPECT_EQ(session.outstanding(), 0U);
  }
  return tally;
}

struct Labelled {
  const char* file;
  std::map<std::uint64_t, int> requests;  // tshark's confirmed-request service counts
  const char* operation;                  // what the file name says happened
};

const std::vector<Labelled>& labelled() {
  static const std::vector<Labelled> kFiles{
      {"iec61850_get_name_list.pcap", {{1, 1}}, "discovery"},
      {"iec61850_get_variable_access_attributes.pcap", {{6, 1}}, "read"},
      {"iec61850_read.pcap", {{4, 1}}, "read"},
      {"iec61850_write.pcap", {{5, 1}}, "write"},
      {"iec61850_release.pcap", {}, "session"},
      {"mms-cancelRequest.pcap", {}, "session"},
      {"mms-deleteProgramInvocation.pcap", {{39, 1}}, "program"},
      {"mms-getAlarmSummary.pcap", {{63, 1}}, "read"},
      {"mms-getDomainAttributes.pcap", {{37, 1}}, "read"},
      {"mms-initiateDownloadSequence.pcap", {{19, 1}, {26, 1}}, "program"},
      {"mms-initiateUploadSequence.pcap", {{29, 1}}, "program"},
      {"mms-killRequest.pcap", {{44, 1}}, "stop"},
      {"mms-readRequest.pcap", {{4, 1}}, "read"},
      {"mms-relinquishControl.pcap", {{19, 1}, {20, 1}}, "control"},
      {"mms-resetRequest.pcap", {{43, 1}}, "restart"},
      {"mms-resumeRequest.pcap", {{42, 1}}, "start"},
      {"mms-startRequest.pcap", {{40, 1}, {41, 1}}, "start"},
      {"mms-stopRequest.pcap", {{40, 1}, {41, 1}}, "stop"},
      {"mms-takeControl.pcap", {{19, 1}, {20, 1}}, "control"},
      {"mms-terminateUploadSequence.pcap", {{29, 1}, {31, 1}}, "program"},
  };
  return kFiles;
}

TEST(MmsPcap, SpecificCommandsMatchTsharkAndTheirLabels) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  const auto dir = pcaps / "ics" / "IEC61850" / "MMS - Specific Commands";
  for (const Labelled& l : labelled()) {
    SCOPED_TRACE(l.file);
    const Tally t = run(dir / l.file);
    EXPECT_EQ(t.requests, l.requests);
    EXPECT_TRUE(t.operations.contains(l.operation));
    EXPECT_TRUE(t.pdus.contains("initiate_request"));  // every file opens the association
  }
}

TEST(MmsPcap, AssociationsPairAndNameTheirVariables) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  const auto dir = pcaps / "ics" / "IEC61850";
  const Tally sample = run(dir / "Sample_File_MMS_and_GOOSE.pcap");
  EXPECT_EQ(sample.requests, (std::map<std::uint64_t, int>{{4, 1}, {6, 1}}));
  EXPECT_TRUE(sample.items.contains("LLN0$BR$rcb_B02"));
  EXPECT_TRUE(sample.errors.contains("access"));  // the attributes request is refused
  EXPECT_TRUE(sample.pdus.contains("initiate_request"));
  EXPECT_GE(sample.paired, 3U);  // initiate, getVariableAccessAttributes, read
  // Two conversations start mid-stream in this capture: only their first bytes are refused.
  for (const auto& a : sample.anomalies) EXPECT_EQ(a, "TPKT version is not 3");

  const Tally kirkland = run(dir / "8d7c7db0-9804-012b-b2a6-0016cb8cea27.pcap");
  EXPECT_EQ(kirkland.requests,
            (std::map<std::uint64_t, int>{{1, 2}, {2, 7}, {4, 6}, {5, 4}, {12, 4}}));
  EXPECT_TRUE(kirkland.operations.contains("write"));
  EXPECT_TRUE(kirkland.operations.contains("discovery"));
  EXPECT_TRUE(kirkland.anomalies.empty());

  const Tally piccolo = run(dir / "piccolo.pcap");
  EXPECT_EQ(piccolo.requests, (std::map<std::uint64_t, int>{{0, 1}, {2, 1}}));
  EXPECT_TRUE(piccolo.operations.contains("diagnostic"));  // status
}

}  // namespace
}  // namespace limen::dissect::mms
