// libFuzzer target: compile_text on arbitrary text must never crash, hang or leak, and must
// either produce a program or at least one diagnostic.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "filters/rules.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);  // bytes as text
  const limen::rules::CompileOptions options{{"Modbus", "SSH", "DNS", "TLS"}};
  const auto result = limen::rules::compile_text(text, "fuzz.rules", options);
  if (result.ok() == result.diagnostics.empty() && (result.program != nullptr) == result.ok()) {
    if (result.ok()) {
      // Exercise the program the text described.
      limen::rules::FlowFacts f;
      f.src = limen::IpAddress::v4(0x0a000001U);
      f.dst = limen::IpAddress::v4(0x0a140105U);
      f.dst_port = 502;
      f.ip_proto = 6;
      f.app = "modbus";
      (void)result.program->evaluate(f);
      f.app_final = true;
      (void)result.program->evaluate(f);
      (void)result.program->summary();
    }
    return 0;
  }
  std::abort();  // ok() disagrees with the diagnostics: a compiler bug
}
