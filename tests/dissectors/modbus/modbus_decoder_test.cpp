// Modbus decoder tests from hand-built ADUs: every function's request and response layout,
// exception responses, every hostile MBAP length, byte counts against quantities, and a
// truncation sweep over every prefix of every valid ADU.

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "dissectors/modbus/modbus_constants.h"
#include "dissectors/modbus/modbus_decoder.h"

namespace limen::dissect::modbus {
namespace {

using Bytes = std::vector<std::uint8_t>;

// An ADU with transaction id 0x0102, unit 0x11 and the given PDU; the MBAP length is computed.
Bytes adu(const Bytes& pdu, std::uint16_t tid = 0x0102, std::uint8_t unit = 0x11) {
  const auto length = static_cast<std::uint16_t>(pdu.size() + 1);
  Bytes out{static_cast<std::uint8_t>(tid >> 8), static_cast<std::uint8_t>(tid & 0xFF), 0, 0,
            static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length & 0xFF),
            unit};
  out.reserve(out.size() + pdu.size());
  for (const std::uint8_t b : pdu) out.push_back(b);  // (insert trips a GCC 12 false positive)
  return out;
}

// The Pdu views its input: the helpers keep the last input alive until the next call.
Bytes held;
DecodeResult request(const Bytes& b, Pdu& out) {
  held = b;
  return decode_request(held, out);
}
DecodeResult response(const Bytes& b, Pdu& out) {
  held = b;
  return decode_response(held, out);
}

TEST(ModbusDecoder, ReadHoldingRegistersRequest) {
  Pdu p;
  const auto b = adu({0x03, 0x00, 0x6B, 0x00, 0x03});
  const auto r = request(b, p);
  ASSERT_EQ(r.status, DecodeStatus::Ok);
  EXPECT_EQ(r.size, b.size());
  EXPECT_EQ(p.mbap.transaction_id, 0x0102);
  EXPECT_EQ(p.mbap.unit_id, 0x11);
  EXPECT_EQ(p.function_code, 3);
  EXPECT_TRUE(p.has_address && p.has_quantity);
  EXPECT_EQ(p.start_address, 0x6B);
  EXPECT_EQ(p.quantity, 3);
  EXPECT_TRUE(p.range_anomaly.empty());
  EXPECT_EQ(function_name(p.function_code), "read_holding_registers");
}

TEST(ModbusDecoder, ReadResponsesCarryValues) {
  Pdu p;
  ASSERT_EQ(response(adu({0x03, 0x06, 0x02, 0x2B, 0x00, 0x00, 0x00, 0x64}), p).status,
            DecodeStatus::Ok);
  EXPECT_EQ(p.byte_count, 6);
  ASSERT_EQ(p.value_kind, ValueKind::Registers);
  ASSERT_EQ(p.value_count, 3);
  EXPECT_EQ(value_at(p, 0), 0x022B);
  EXPECT_EQ(value_at(p, 2), 0x64);
  EXPECT_EQ(value_at(p, 3), 0);  // out of range reads as 0, never past the span
  ASSERT_EQ(response(adu({0x01, 0x01, 0x05}), p).status, DecodeStatus::Ok);
  EXPECT_EQ(p.value_kind, ValueKind::Coils);
  EXPECT_EQ(value_at(p, 0), 1);
  EXPECT_EQ(value_at(p, 1), 0);
  EXPECT_EQ(value_at(p, 2), 1);
  // An odd register byte count, or a count that is not the bytes present, is malformed.
  EXPECT_EQ(response(adu({0x03, 0x03, 0x00, 0x01, 0x02}), p).status, DecodeStatus::Malformed);
  EXPECT_EQ(response(adu({0x03, 0x04, 0x00, 0x01}), p).status, DecodeStatus::Malformed);
  EXPECT_EQ(response(adu({0x01, 0x02, 0x05}), p).status, DecodeStatus::Malformed);
  EXPECT_EQ(response(adu({0x01}), p).status, DecodeStatus::Malformed);
}

TEST(ModbusDecoder, WriteRequests) {
  Pdu p;
  ASSERT_EQ(request(adu({0x05, 0x00, 0xAC, 0xFF, 0x00}), p).status, DecodeStatus::Ok);
  EXPECT_EQ(p.start_address, 0xAC);
  EXPECT_EQ(value_at(p, 0), 1);
  EXPECT_TRUE(p.range_anomaly.empty());
  ASSERT_EQ(request(adu({0x05, 0x00, 0xAC, 0x12, 0x34}), p).status, DecodeStatus::Ok);
  EXPECT_EQ(p.range_anomaly, "coil value not 0x0000 or 0xFF00");
  ASSERT_EQ(request(adu({0x06, 0x00, 0x01, 0x00, 0x03}), p).status, DecodeStatus::Ok);
  EXPECT_EQ(p.value_kind, ValueKind::Registers);
  EXPECT_EQ(value_at(p, 0), 3);
  // 15: 10 coils in 2 bytes: CD 01.
  ASSERT_EQ(request(adu({0x0F, 0x00, 0x13, 0x00, 0x0A, 0x02, 0xCD, 0x01}), p).status,
            DecodeStatus::Ok);
  EXPECT_EQ(p.quantity, 10);
  EXPECT_EQ(p.value_count, 10);
  EXPECT_EQ(value_at(p, 0), 1);
  EXPECT_EQ(value_at(p, 1), 0);
  EXPECT_EQ(value_at(p, 8), 1);
  // 16: two registers 0x000A 0x0102.
  ASSERT_EQ(request(adu({0x10, 0x00, 0x01, 0x00, 0x02, 0x04, 0x00, 0x0A, 0x01, 0x02}), p).status,
            DecodeStatus::Ok);
  EXPECT_EQ(p.value_count, 2);
  EXPECT_EQ(value_at(p, 1), 0x0102);
  // 22 mask write.
  ASSERT_EQ(request(adu({0x16, 0x00, 0x04, 0x00, 0xF2, 0x00, 0x25}), p).status,
            DecodeStatus::Ok);
  EXPECT_TRUE(p.has_masks);
  EXPECT_EQ(p.and_mask, 0xF2);
  EXPECT_EQ(p.or_mask, 0x25);
  // 23 read/write: read 6 at 3, write 3 at 14.
  ASSERT_EQ(request(adu({0x17, 0x00, 0x03, 0x00, 0x06, 0x00, 0x0E, 0x00, 0x03, 0x06, 0x00, 0xFF,
                         0x00, 0xFF, 0x00, 0xFF}),
                    p)
                .status,
            DecodeStatus::Ok);
  EXPECT_EQ(p.read_address, 3);
  EXPECT_EQ(p.read_quantity, 6);
  EXPECT_EQ(p.start_address, 14);
  EXPECT_EQ(p.quantity, 3);
  EXPECT_EQ(value_at(p, 2), 0xFF);
}

TEST(ModbusDecoder, ByteCountsAreCheckedAgainstQuantities) {
  Pdu p;
  // 15 with 10 coils needs 2 bytes, not 1 (and not 3).
  EXPECT_EQ(request(adu({0x0F, 0x00, 0x13, 0x00, 0x0A, 0x01, 0xCD}), p).status,
            DecodeStatus::Malformed);
  EXPECT_EQ(request(adu({0x0F, 0x00, 0x13, 0x00, 0x0A, 0x03, 0xCD, 0x01, 0x00}), p).status,
            DecodeStatus::Malformed);
  // 16: byte count says 4 but only 2 bytes follow; or 2 registers with a count of 2.
  EXPECT_EQ(request(adu({0x10, 0x00, 0x01, 0x00, 0x02, 0x04, 0x00, 0x0A}), p).status,
            DecodeStatus::Malformed);
  EXPECT_EQ(request(adu({0x10, 0x00, 0x01, 0x00, 0x02, 0x02, 0x00, 0x0A}), p).status,
            DecodeStatus::Malformed);
  // 255 claimed bytes with none present.
  EXPECT_EQ(request(adu({0x10, 0x00, 0x01, 0x00, 0x7F, 0xFF}), p).status,
            DecodeStatus::Malformed);
  // Padding after a fixed-size request is only an anomaly (real devices send it).
  ASSERT_EQ(request(adu({0x03, 0x00, 0x6B, 0x00, 0x03, 0x00}), p).status, DecodeStatus::Ok);
  EXPECT_EQ(p.range_anomaly, "trailing bytes after PDU");
}

TEST(ModbusDecoder, QuantitiesOutOfRangeAreAnomaliesNotMalformed) {
  Pdu p;
  ASSERT_EQ(request(adu({0x03, 0x00, 0x00, 0x00, 0x00}), p).status, DecodeStatus::Ok);
  EXPECT_EQ(p.range_anomaly, "quantity out of range");
  ASSERT_EQ(request(adu({0x03, 0x00, 0x00, 0x00, 0x7E}), p).status, DecodeStatus::Ok);
  EXPECT_FALSE(p.range_anomaly.empty());
  ASSERT_EQ(request(adu({0x01, 0x00, 0x00, 0x07, 0xD0}), p).status, DecodeStatus::Ok);
  EXPECT_TRUE(p.range_anomaly.empty());  // 2000 coils is the maximum
  ASSERT_EQ(request(adu({0x01, 0x00, 0x00, 0x07, 0xD1}), p).status, DecodeStatus::Ok);
  EXPECT_FALSE(p.range_anomaly.empty());
}

TEST(ModbusDecoder, ExceptionResponses) {
  Pdu p;
  ASSERT_EQ(response(adu({0x81, 0x02}), p).status, DecodeStatus::Ok);
  EXPECT_TRUE(p.exception);
  EXPECT_EQ(p.function_code, 1);
  EXPECT_EQ(p.exception_code, 2);
  EXPECT_EQ(exception_name(p.exception_code), "illegal_data_address");
  EXPECT_EQ(exception_name(0x0B), "gateway_target_device_failed_to_respond");
  EXPECT_EQ(exception_name(0x42), "unknown");
  EXPECT_EQ(response(adu({0x81}), p).status, DecodeStatus::Malformed);
  ASSERT_EQ(response(adu({0x81, 0x02, 0x00}), p).status, DecodeStatus::Ok);
  EXPECT_EQ(p.range_anomaly, "trailing bytes after PDU");
  EXPECT_EQ(request(adu({0x83, 0x02}), p).status, DecodeStatus::Malformed);
  ASSERT_EQ(request(adu({0x00}), p).status, DecodeStatus::Ok);
  EXPECT_EQ(p.range_anomaly, "function code 0");
}

TEST(ModbusDecoder, DiagnosticsAndDeviceIdentification) {
  Pdu p;
  ASSERT_EQ(request(adu({0x08, 0x00, 0x04, 0x00, 0x00}), p).status, DecodeStatus::Ok);
  EXPECT_TRUE(p.has_sub_function);
  EXPECT_EQ(p.sub_function, 4);
  EXPECT_EQ(diagnostic_name(p.sub_function), "force_listen_only_mode");
  EXPECT_EQ(request(adu({0x08, 0x00}), p).status, DecodeStatus::Malformed);
  ASSERT_EQ(request(adu({0x2B, 0x0E, 0x01, 0x00}), p).status, DecodeStatus::Ok);
  EXPECT_EQ(p.mei_type, 14);
  EXPECT_EQ(p.device_id_code, 1);
  ASSERT_EQ(request(adu({0x2B, 0x0E, 0x07, 0x00}), p).status, DecodeStatus::Ok);
  EXPECT_EQ(p.range_anomaly, "read device id code out of range");
  const Bytes ident{0x2B, 0x0E, 0x01, 0x01, 0x00, 0x00, 0x03, 0x00, 0x03, 'A', 'c', 'm',
                    0x01, 0x02, 'P', '1', 0x02, 0x04, 'v', '1', '.', '0'};
  ASSERT_EQ(response(adu(ident), p).status, DecodeStatus::Ok);
  EXPECT_EQ(p.object_count, 3);
  EXPECT_EQ(std::string(p.vendor_name.begin(), p.vendor_name.end()), "Acm");
  EXPECT_EQ(std::string(p.product_code.begin(), p.product_code.end()), "P1");
  EXPECT_EQ(std::string(p.revision.begin(), p.revision.end()), "v1.0");
  // An object length running past the PDU, or objects fewer than counted.
  Bytes bad = ident;
  bad[8] = 0xF0;
  EXPECT_EQ(response(adu(bad), p).status, DecodeStatus::Malformed);
  bad = ident;
  bad[6] = 4;
  EXPECT_EQ(response(adu(bad), p).status, DecodeStatus::Malformed);
}

TEST(ModbusDecoder, FileRecordsAndFifo) {
  Pdu p;
  ASSERT_EQ(request(adu({0x14, 0x07, 0x06, 0x00, 0x04, 0x00, 0x01, 0x00, 0x02}), p).status,
            DecodeStatus::Ok);
  EXPECT_TRUE(p.has_file);
  EXPECT_EQ(p.file_number, 4);
  EXPECT_EQ(p.record_number, 1);
  EXPECT_EQ(p.record_length, 2);
  EXPECT_EQ(request(adu({0x14, 0x08, 0x06, 0x00, 0x04, 0x00, 0x01, 0x00, 0x02}), p).status,
            DecodeStatus::Malformed);
  // 21 with a record length of 1 register but no data.
  EXPECT_EQ(request(adu({0x15, 0x07, 0x06, 0x00, 0x04, 0x00, 0x07, 0x00, 0x01}), p).status,
            DecodeStatus::Malformed);
  ASSERT_EQ(request(adu({0x15, 0x09, 0x06, 0x00, 0x04, 0x00, 0x07, 0x00, 0x01, 0x06, 0xAF}), p)
                .status,
            DecodeStatus::Ok);
  ASSERT_EQ(response(adu({0x18, 0x00, 0x06, 0x00, 0x02, 0x01, 0xB8, 0x12, 0x84}), p).status,
            DecodeStatus::Ok);
  EXPECT_EQ(p.value_count, 2);
  EXPECT_EQ(value_at(p, 1), 0x1284);
  EXPECT_EQ(response(adu({0x18, 0x00, 0x06, 0x00, 0x03, 0x01, 0xB8, 0x12, 0x84}), p).status,
            DecodeStatus::Malformed);
}

TEST(ModbusDecoder, EveryHostileMbapLength) {
  const Bytes base = adu({0x03, 0x00, 0x6B, 0x00, 0x03});
  for (unsigned length = 0; length <= 0xFFFF; ++length) {
    Bytes b = base;
    b[4] = static_cast<std::uint8_t>(length >> 8);
    b[5] = static_cast<std::uint8_t>(length & 0xFF);
    Pdu p;
    const auto r = decode_request(b, p);
    if (length < 2 || length > 254) {
      EXPECT_EQ(r.status, DecodeStatus::Invalid) << length;
      EXPECT_FALSE(r.reason.empty());
    } else if (length + 6 > b.size()) {
      EXPECT_EQ(r.status, DecodeStatus::NeedMore) << length;
      EXPECT_EQ(r.size, length + 6U);
    } else if (length >= 6) {
      EXPECT_EQ(r.status, DecodeStatus::Ok);  // 6, or 7 with one padding byte
    } else {
      EXPECT_EQ(r.status, DecodeStatus::Malformed) << length;
      EXPECT_EQ(r.size, length + 6U);
    }
  }
  Bytes b = base;
  b[3] = 1;
  Pdu p;
  EXPECT_EQ(decode_request(b, p).status, DecodeStatus::Invalid);
  EXPECT_EQ(decode_request(b, p).reason, "MBAP protocol id not 0");
}

TEST(ModbusDecoder, TruncationSweepNeverReadsPastTheInput) {
  const std::vector<Bytes> requests{
      adu({0x03, 0x00, 0x6B, 0x00, 0x03}),
      adu({0x0F, 0x00, 0x13, 0x00, 0x0A, 0x02, 0xCD, 0x01}),
      adu({0x10, 0x00, 0x01, 0x00, 0x02, 0x04, 0x00, 0x0A, 0x01, 0x02}),
      adu({0x17, 0x00, 0x03, 0x00, 0x06, 0x00, 0x0E, 0x00, 0x01, 0x02, 0x00, 0xFF}),
      adu({0x08, 0x00, 0x00, 0xA5, 0x37}),
      adu({0x2B, 0x0E, 0x01, 0x00}),
      adu({0x15, 0x09, 0x06, 0x00, 0x04, 0x00, 0x07, 0x00, 0x01, 0x06, 0xAF}),
  };
  for (const auto& full : requests) {
    for (std::size_t n = 0; n < full.size(); ++n) {
      // A heap copy of exactly n bytes, so ASan sees any read past the prefix.
      const std::vector<std::uint8_t> prefix(full.begin(), full.begin() + static_cast<long>(n));
      Pdu p;
      const auto r = decode_request(prefix, p);
      EXPECT_EQ(r.status, DecodeStatus::NeedMore) << n;
      EXPECT_GT(r.size, n);
    }
    // The same PDU cut short with a consistent MBAP length: malformed, never a crash.
    for (std::size_t cut = 8; cut < full.size(); ++cut) {
      Bytes b(full.begin(), full.begin() + static_cast<long>(cut));
      b[5] = static_cast<std::uint8_t>(cut - 6);
      Pdu p;
      const auto r = decode_request(b, p);
      EXPECT_TRUE(r.status == DecodeStatus::Malformed || r.status == DecodeStatus::Ok) << cut;
      EXPECT_EQ(r.size, cut);
    }
  }
}

TEST(ModbusDecoder, OperationMapping) {
  EXPECT_EQ(operation_of(3, 0), Operation::Read);
  EXPECT_EQ(operation_of(16, 0), Operation::Write);
  EXPECT_EQ(operation_of(23, 0), Operation::Write);
  EXPECT_EQ(operation_of(8, 0), Operation::Diagnostic);
  EXPECT_EQ(operation_of(8, 1), Operation::Restart);
  EXPECT_EQ(operation_of(43, 14), Operation::Discovery);
  EXPECT_EQ(operation_of(43, 13), Operation::Unknown);
  EXPECT_EQ(operation_of(17, 0), Operation::Discovery);
  EXPECT_EQ(operation_of(20, 0), Operation::File);
  EXPECT_EQ(operation_of(90, 0), Operation::Unknown);
}

}  // namespace
}  // namespace limen::dissect::modbus
