#pragma once
// Helpers shared by the rules tests: compile a snippet with a fixed application list, build flow
// facts from text, and render diagnostics as "file:line:col: message" strings.

#include <string>
#include <string_view>
#include <vector>

#include "filters/rules.h"

namespace limen::rules::test {

inline CompileOptions options() {
  CompileOptions o;
  o.known_apps = {"Modbus", "SSH", "IEC60870", "DNS", "TLS", "HTTP", "Unknown"};
  return o;
}

inline CompileResult compile(std::string_view text) {
  return compile_text(text, "t.rules", options());
}

inline std::vector<std::string> errors(const CompileResult& r) {
  std::vector<std::string> out;
  for (const Diagnostic& d : r.diagnostics) out.push_back(d.to_string());
  return out;
}

inline IpAddress ip(std::string_view text) { return IpAddress::parse(text).value(); }

inline FlowFacts tcp(std::string_view src, std::string_view dst, std::uint16_t dst_port,
                     std::string_view app = {}, bool app_final = true) {
  FlowFacts f;
  f.src = ip(src);
  f.dst = ip(dst);
  f.src_port = 40000;
  f.dst_port = dst_port;
  f.ip_proto = 6;
  f.app = app;
  f.app_final = app_final;
  return f;
}

}  // namespace limen::rules::test
