// Real Modbus/TCP captures from ../shared/pcaps/ics through the session. Expected numbers were
// taken from tshark (`tshark -r F -Y mbtcp -T fields -e modbus.func_code | sort | uniq -c`) and
// by reading the frames; the per-function PDU counts must agree with tshark's.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dissectors/modbus/modbus_constants.h"
#include "dissectors/modbus/modbus_fields.h"
#include "dissectors/modbus/modbus_session.h"
#include "tests/dissectors/modbus/pcap_streams.h"
#include "tests/support/test_paths.h"

namespace limen::dissect::modbus {
namespace {

using limen::testing::RecordingSink;

struct FileRun {
  RecordingSink sink;
  SessionCounters totals;
  std::map<std::uint64_t, std::size_t> pdus_by_function;  // requests + responses
};

// Counts PDUs per function code straight from the transactions, as tshark counts frames.
class CountingSink : public RecordingSink {
 public:
  std::map<std::uint64_t, std::size_t>* counts = nullptr;
  void on_transaction(const Transaction& t) override {
    RecordingSink::on_transaction(t);
    const auto* fc = t.find(field_index(ModbusField::FunctionCode));
    if (fc != nullptr)
      (*counts)[fc->number] += (t.has_request ? 1U : 0U) + (t.has_response ? 1U : 0U);
  }
};

FileRun run_file(const std::filesystem::path& file) {
  FileRun run;
  CountingSink sink;
  sink.counts = &run.pdus_by_function;
  for (const auto& conversation : limen::testing::tcp_conversations(file, kPort)) {
    ModbusSession session;
    limen::testing::replay(conversation, session, sink);
    const auto& c = session.counters();
    run.totals.requests += c.requests;
    run.totals.responses += c.responses;
    run.totals.malformed += c.malformed;
    run.totals.unanswered += c.unanswered;
    run.totals.out_of_sync += c.out_of_sync;
  }
  run.sink.transactions = sink.transactions;
  run.sink.operations = sink.operations;
  run.sink.anomalies = sink.anomalies;
  return run;
}

std::size_t count_containing(const FileRun& run, const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(run.sink.transactions.begin(), run.sink.transactions.end(),
                    [&](const std::string& t) { return t.find(text) != std::string::npos; }));
}

// A per-function tally of requests + responses, as "fc:count" pairs.
std::string tally(const FileRun& run) {
  std::string out;
  for (const auto& [fc, n] : run.pdus_by_function)
    out += std::to_string(fc) + ":" + std::to_string(n) + " ";
  return out;
}

// Function-code tallies identical to tshark's (`-e modbus.func_code`, requests + responses).
TEST(ModbusPcap, FunctionCodesAgreeWithTshark) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  const std::vector<std::pair<const char*, const char*>> expected{
      {"ics/ModbusTCP/ModbusTCP.pcap", "1:3038 2:3146 4:5536 15:4228 16:28 "},
      {"ics/ModbusTCP/Modbus/modbus_test.pcap", "4:2132 6:126 "},
      {"ics/ModbusTCP/Modbus/modbus_test_2.pcap", "3:86 4:3889 "},
      {"ics/bro/modbus/modbusSmall.pcap", "1:16 15:16 "},
      {"ics/bro/modbus/fuzz-1011.pcap", "4:4 "},
  };
  for (const auto& [file, counts] : expected)
    EXPECT_EQ(tally(run_file(pcaps / file)), counts) << file;
  // part2 is a function-code scan 0..127: every code twice (request, exception), 1 more often.
  const FileRun scan = run_file(pcaps / "ics/ModbusTCP/modbus_test_data_part2.pcap");
  ASSERT_EQ(scan.pdus_by_function.size(), 128U);
  EXPECT_EQ(scan.pdus_by_function.at(1), 27U);
  EXPECT_EQ(scan.pdus_by_function.at(0), 2U);
  EXPECT_EQ(scan.pdus_by_function.at(127), 2U);
  // mb2 has a few segments tshark does not dissect: within 0.5% per function.
  const FileRun mb2 = run_file(pcaps / "ics/ModbusTCP/mb2.pcap");
  const std::map<std::uint64_t, std::size_t> tshark{{1, 690}, {2, 723}, {4, 1169}, {15, 996}};
  ASSERT_EQ(mb2.pdus_by_function.size(), tshark.size()) << tally(mb2);
  for (const auto& [fc, n] : tshark) {
    EXPECT_GE(mb2.pdus_by_function.at(fc), n) << fc;
    EXPECT_LE(mb2.pdus_by_function.at(fc), n + n / 200) << fc;
  }
}

TEST(ModbusPcap, DiagnosticsIdentificationAndExceptions) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  const FileRun run = run_file(pcaps / "ics/ModbusTCP/modbus_test_data_part1.pcap");
  // Force listen-only mode (8/4), answered by a gateway exception 11.
  EXPECT_EQ(count_containing(run, "diagnostic req resp transaction_id=0 unit_id=10 function_code=8 "
                                  "function=diagnostics sub_function=4 "
                                  "diagnostic=force_listen_only_mode exception_code=11 "
                                  "exception=gateway_target_device_failed_to_respond"),
            3U);
  EXPECT_EQ(count_containing(run, "restart req resp"), 3U);  // 8/1 restart communications
  EXPECT_EQ(count_containing(run, "discovery req transaction_id=1 unit_id=10 function_code=43 "
                                  "function=encapsulated_interface_transport mei_type=14 "
                                  "mei=read_device_identification device_id_code=3"),
            2U);
  EXPECT_EQ(count_containing(run, "function=report_server_id"), 2U);
  EXPECT_EQ(count_containing(run, "write req resp transaction_id=1 unit_id=10 function_code=6 "
                                  "function=write_single_register start_address=5 values=11,"),
            1U);
  EXPECT_EQ(count_containing(run, "exception=server_device_busy"), 5U);
  // A 451-byte burst with MBAP length 0x8804, and a protocol id of 0x10: framing lost twice.
  EXPECT_EQ(std::count(run.sink.anomalies.begin(), run.sink.anomalies.end(),
                       "MBAP protocol id not 0 (violation)"),
            1);
  EXPECT_EQ(run.totals.out_of_sync, 2U);
}

TEST(ModbusPcap, WrittenCoilsAreListed) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  const FileRun run = run_file(pcaps / "ics/bro/modbus/modbusSmall.pcap");
  EXPECT_EQ(count_containing(run, "write req resp transaction_id=1 unit_id=1 function_code=15 "
                                  "function=write_multiple_coils start_address=0 quantity=3 "
                                  "byte_count=1 values=1,0,1,"),
            1U);  // the eight 3-coil patterns, each written once and read back
  EXPECT_EQ(count_containing(run, "write req resp"), 8U);
  EXPECT_EQ(count_containing(run, "read req resp"), 8U);
  EXPECT_TRUE(run.sink.anomalies.empty());
  EXPECT_EQ(run.totals.unanswered, 0U);
}

TEST(ModbusPcap, FuzzedCaptureGivesAnomaliesNotCrashes) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  const FileRun run = run_file(pcaps / "ics/bro/modbus/fuzz-72.pcap");
  EXPECT_FALSE(run.sink.anomalies.empty());
  EXPECT_EQ(std::count(run.sink.anomalies.begin(), run.sink.anomalies.end(),
                       "MBAP protocol id not 0 (violation)"),
            1);
  EXPECT_EQ(count_containing(run, "unknown req"), 16U);  // user-defined codes: operation unknown
}

}  // namespace
}  // namespace limen::dissect::modbus
