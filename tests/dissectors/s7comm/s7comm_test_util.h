#pragma once
// Helpers for the S7comm tests: frame builders (TPKT + COTP DT around an S7 PDU) and a sink that
// records every transaction and anomaly as one deterministic line, so runs can be compared.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "dissectors/core/transaction.h"

namespace limen::dissect::s7comm::test {

using Bytes = std::vector<std::uint8_t>;

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A TPKT frame holding a class-0 DT TPDU with the given user data.
inline Bytes dt(const Bytes& user, bool eot = true, std::uint8_t number = 0) {
  const std::size_t length = 4 + 3 + user.size();
  Bytes out{0x03, 0x00, static_cast<std::uint8_t>(length >> 8),
            static_cast<std::uint8_t>(length & 0xFF), 0x02, 0xF0,
            static_cast<std::uint8_t>((eot ? 0x80 : 0x00) | number)};
  out.insert(out.end(), user.begin(), user.end());
  return out;
}

// A COTP connect request / confirm with TSAP parameters, as a TPKT frame.
inline Bytes cotp_connect(bool confirm) {
  return {0x03, 0x00, 0x00, 0x16, 0x11, static_cast<std::uint8_t>(confirm ? 0xD0 : 0xE0),
          0x00, 0x00, 0x00, 0x01, 0x00, 0xC0, 0x01, 0x0A, 0xC1, 0x02, 0x01, 0x00, 0xC2,
          0x02, 0x01, 0x02};
}

// S7 header: job/userdata (10 bytes) or ack/ack_data (12 bytes) with error class/code.
inline Bytes s7(std::uint8_t rosctr, std::uint16_t ref, const Bytes& params, const Bytes& data,
                std::uint8_t error_class = 0, std::uint8_t error_code = 0) {
  Bytes out{0x32, rosctr, 0x00, 0x00,
            static_cast<std::uint8_t>(ref >> 8), static_cast<std::uint8_t>(ref & 0xFF),
            static_cast<std::uint8_t>(params.size() >> 8),
            static_cast<std::uint8_t>(params.size() & 0xFF),
            static_cast<std::uint8_t>(data.size() >> 8),
            static_cast<std::uint8_t>(data.size() & 0xFF)};
  if (rosctr == 2 || rosctr == 3) {
    out.push_back(error_class);
    out.push_back(error_code);
  }
  out.insert(out.end(), params.begin(), params.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

// Real PDUs taken from the shared captures (see the README for the files).
inline const Bytes kSetupJob = s7(1, 0x0100, {0xF0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0xE0}, {});
inline const Bytes kSetupAck =
    s7(3, 0x0100, {0xF0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0xF0}, {});
// write_var of DB1.DBB4, 2 bytes; and its answer (success).
inline const Bytes kWriteJob =
    s7(1, 0x0200,
       {0x05, 0x01, 0x12, 0x0A, 0x10, 0x02, 0x00, 0x02, 0x00, 0x01, 0x84, 0x00, 0x00, 0x20},
       {0x00, 0x04, 0x00, 0x10, 0xAB, 0xCD});
inline const Bytes kWriteAck = s7(3, 0x0200, {0x05, 0x01}, {0xFF});
// read_var of two items (MB10 x4, DB7.DBW2) and the answer: success, object does not exist.
inline const Bytes kReadJob =
    s7(1, 0x0300, {0x04, 0x02, 0x12, 0x0A, 0x10, 0x02, 0x00, 0x04, 0x00, 0x00, 0x83, 0x00, 0x00,
                   0x50, 0x12, 0x0A, 0x10, 0x04, 0x00, 0x01, 0x00, 0x07, 0x84, 0x00, 0x00, 0x10},
       {});
inline const Bytes kReadAck = s7(3, 0x0300, {0x04, 0x02},
                                 {0xFF, 0x04, 0x00, 0x20, 1, 2, 3, 4, 0x0A, 0x00, 0x00, 0x00});
inline const Bytes kStopJob = s7(1, 0x0400,
                                 {0x29, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 'P', '_', 'P', 'R',
                                  'O', 'G', 'R', 'A', 'M'},
                                 {});
inline const Bytes kStopAck = s7(3, 0x0400, {0x29}, {});
inline const Bytes kInseJob = s7(1, 0x0500,
                                 {0x28, 0, 0, 0, 0, 0, 0, 0xFD, 0x00, 0x0A, 0x01, 0x00, '0', 'A',
                                  '0', '0', '0', '0', '1', 'P', 0x05, '_', 'I', 'N', 'S', 'E'},
                                 {});
inline const Bytes kInseAck = s7(3, 0x0500, {0x28}, {}, 0xD2, 0x09);
inline const Bytes kDownloadJob =
    s7(1, 0x0600, {0x1A, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0x09, '_', '0', 'C', '0', '0', '0', '4',
                   '2', 'P', 0x0D, '1', '0', '0', '0', '2', '1', '6', '0', '0', '0', '0', '8',
                   '8'},
       {});
inline const Bytes kDownloadAck = s7(3, 0x0600, {0x1A}, {});
// userdata read_szl 0x0132 index 4, and its response.
inline const Bytes kSzlReq = s7(7, 0x0700, {0x00, 0x01, 0x12, 0x04, 0x11, 0x44, 0x01, 0x00},
                                {0xFF, 0x09, 0x00, 0x04, 0x01, 0x32, 0x00, 0x04});
inline const Bytes kSzlResp =
    s7(7, 0x0700, {0x00, 0x01, 0x12, 0x08, 0x12, 0x84, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00},
       {0xFF, 0x09, 0x00, 0x08, 0x01, 0x32, 0x00, 0x04, 0x00, 0x28, 0x00, 0x01});
// S7comm-plus V1 CreateObject request/response (sequence 1), from the S7-1200 captures.
inline const Bytes kPlusReq{0x72, 0x01, 0x00, 0x0E, 0x31, 0x00, 0x00, 0x04, 0xCA, 0x00,
                            0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0x20, 0x36, 0x72, 0x01,
                            0x00, 0x00};
inline const Bytes kPlusResp{0x72, 0x01, 0x00, 0x0D, 0x32, 0x00, 0x00, 0x04, 0xCA, 0x00,
                             0x00, 0x00, 0x01, 0x36, 0x11, 0x02, 0x87, 0x72, 0x01,
                             0x00, 0x00};

// Records events as lines such as "T op=stop req=1 resp=1 s7comm.function_code=41 ...".
class RecordingSink final : public TransactionSink {
 public:
  void on_transaction(const Transaction& t) override {
    std::string line = "T op=" + std::string(operation_name(t.operation)) +
                       " req=" + std::to_string(t.has_request) +
                       " resp=" + std::to_string(t.has_response);
    for (const auto& v : t.values()) {
      const FieldSpec& spec = t.schema()[v.field];
      line += " " + std::string(spec.name) + "=";
      if (spec.type == FieldType::Text) {
        line += std::string(t.text(v));
      } else if (spec.type == FieldType::UintList) {
        for (const std::uint64_t x : t.list(v)) line += std::to_string(x) + ",";
      } else {
        line += std::to_string(v.number);
      }
    }
    lines.push_back(line);
  }
  void on_anomaly(const Anomaly& a) override {
    lines.push_back("A " + std::string(a.reason) + (a.violation ? " violation" : ""));
  }
  std::vector<std::string> lines;
};

}  // namespace limen::dissect::s7comm::test
