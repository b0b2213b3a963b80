#pragma once
// Paths of the built binaries and project inputs, for tests that run them as a user would.

#include <filesystem>
#include <string>

#include "tests/support/test_paths.h"

namespace limen::testing {

inline std::string probe_binary() { return (binary_dir() / "bin" / "limen-probe").string(); }
inline std::string collector_binary() {
  return (binary_dir() / "bin" / "limen-collector").string();
}
inline std::filesystem::path project_pcap(const std::string& name) {
  return source_dir() / "pcaps" / name;
}

}  // namespace limen::testing
