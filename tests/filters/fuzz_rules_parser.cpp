// libFuzzer target: compile_text on arbitrary text must never crash, hang or
// leak, and must either produce a program or at least one diagnostic. A program
// is exercised on a flow and on transactions of two fake protocols, so
// conditions are evaluated too.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dissectors/core/transaction.h"
#include "filters/rules.h"

namespace {

using limen::dissect::FieldSpec;
using limen::dissect::FieldType;

constexpr std::array<FieldSpec, 5> kModbus{{
    {"modbus.function_code", FieldType::Uint, ""},
    {"modbus.function", FieldType::Text, ""},
    {"modbus.registers", FieldType::UintList, ""},
    {"modbus.exception", FieldType::Bool, ""},
    {"modbus.offset", FieldType::Int, ""},
}};
constexpr std::array<FieldSpec, 2> kDnp3{{
    {"dnp3.function_code", FieldType::Uint, ""},
    {"dnp3.function", FieldType::Text, ""},
}};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data,
                                      std::size_t size) {
  using namespace limen;
  const std::string_view text(reinterpret_cast<const char *>(data),
                              size); // bytes as text
  rules::CompileOptions options;
  options.known_apps = {"Modbus", "SSH", "DNS", "TLS"};
  options.schemas = {{dissect::Protocol::Modbus, kModbus},
                     {dissect::Protocol::Dnp3, kDnp3}};
  const auto result = rules::compile_text(text, "fuzz.rules", options);
  if (result.ok() != result.diagnostics.empty() ||
      (result.program != nullptr) != result.ok())
    std::abort(); // ok() disagrees with the diagnostics: a compiler bug
  if (!result.ok())
    return 0;
  // Exercise the program the text described.
  rules::FlowFacts f;
  f.src = IpAddress::v4(0x0a000001U);
  f.dst = IpAddress::v4(0x0a140105U);
  f.dst_port = 502;
  f.ip_proto = 6;
  f.app = "modbus";
  (void)result.program->evaluate(f);
  f.app_final = true;
  const rules::Verdict v = result.program->evaluate(f);
  (void)result.program->summary();
  dissect::Transaction mb(dissect::Protocol::Modbus, kModbus);
  mb.operation = dissect::Operation::Write;
  mb.set_uint(0, 16);
  mb.set_text(1, "write_multiple_registers");
  mb.append(2, 40001);
  mb.append(2, 40002);
  mb.set_bool(3, false);
  mb.set_int(4, -3);
  dissect::Transaction dnp(dissect::Protocol::Dnp3, kDnp3);
  dnp.operation = dissect::Operation::Restart;
  dnp.set_uint(0, 13);
  dnp.set_text(1, "cold_restart");
  const auto a = result.program->evaluate_transaction(f, v, mb);
  const auto b = result.program->evaluate_transaction(f, v, dnp);
  if (a.count > a.findings.size() || b.count > b.findings.size())
    std::abort();
  return 0;
}
