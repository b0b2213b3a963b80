#pragma once
// The Modbus field schema: every field a Modbus transaction may carry, by full name, type and
// meaning. The rule engine and the JSON writer read transactions through this table only.
// Invariant: ModbusField values index kModbusFields (checked at compile time in the .cpp).

#include <array>
#include <cstdint>
#include <span>

#include "dissectors/core/transaction.h"

namespace limen::dissect::modbus {

enum class ModbusField : std::uint16_t {
  TransactionId,
  UnitId,
  FunctionCode,
  Function,
  ExceptionCode,
  Exception,
  StartAddress,
  Quantity,
  ReadStartAddress,
  ReadQuantity,
  Values,
  ValuesTruncated,
  ByteCount,
  SubFunction,
  Diagnostic,
  MeiType,
  Mei,
  DeviceIdCode,
  ObjectId,
  AndMask,
  OrMask,
  FileNumber,
  RecordNumber,
  RecordLength,
  VendorName,
  ProductCode,
  Revision,
  Count,
};

inline constexpr std::array<FieldSpec, static_cast<std::size_t>(ModbusField::Count)> kModbusFields{{
    {"modbus.transaction_id", FieldType::Uint, "MBAP transaction identifier"},
    {"modbus.unit_id", FieldType::Uint, "MBAP unit identifier (serial slave behind a gateway)"},
    {"modbus.function_code", FieldType::Uint, "function code, without the exception bit"},
    {"modbus.function", FieldType::Text, "function name, e.g. write_multiple_registers"},
    {"modbus.exception_code", FieldType::Uint, "exception code of an exception response"},
    {"modbus.exception", FieldType::Text, "exception name, e.g. illegal_data_address"},
    {"modbus.start_address", FieldType::Uint, "first coil/register (write part for 23)"},
    {"modbus.quantity", FieldType::Uint, "number of coils/registers (write part for 23)"},
    {"modbus.read_start_address", FieldType::Uint, "read part of read/write registers (23)"},
    {"modbus.read_quantity", FieldType::Uint, "read part of read/write registers (23)"},
    {"modbus.values", FieldType::UintList, "written values: registers, or coils as 0/1"},
    {"modbus.values_truncated", FieldType::Bool, "more values were written than listed"},
    {"modbus.byte_count", FieldType::Uint, "byte count of the request (or response)"},
    {"modbus.sub_function", FieldType::Uint, "diagnostics (8) sub-function code"},
    {"modbus.diagnostic", FieldType::Text, "diagnostics sub-function name"},
    {"modbus.mei_type", FieldType::Uint, "encapsulated interface (43) MEI type"},
    {"modbus.mei", FieldType::Text, "MEI type name, e.g. read_device_identification"},
    {"modbus.device_id_code", FieldType::Uint, "read device identification code (1..4)"},
    {"modbus.object_id", FieldType::Uint, "first device identification object asked for"},
    {"modbus.and_mask", FieldType::Uint, "mask write register (22) AND mask"},
    {"modbus.or_mask", FieldType::Uint, "mask write register (22) OR mask"},
    {"modbus.file_number", FieldType::Uint, "file record (20/21): first sub-request's file"},
    {"modbus.record_number", FieldType::Uint, "file record (20/21): first record number"},
    {"modbus.record_length", FieldType::Uint, "file record (20/21): first record length"},
    {"modbus.vendor_name", FieldType::Text, "device identification object 0"},
    {"modbus.product_code", FieldType::Text, "device identification object 1"},
    {"modbus.revision", FieldType::Text, "device identification object 2"},
}};

// The schema as the Transaction constructor takes it.
std::span<const FieldSpec> modbus_schema();

constexpr std::uint16_t field_index(ModbusField f) { return static_cast<std::uint16_t>(f); }

}  // namespace limen::dissect::modbus
