#include "tests/support/test_paths.h"

#include <cstdlib>
#include <random>
#include <string_view>

namespace limen::testing {

std::filesystem::path source_dir() { return LIMEN_SOURCE_DIR; }

std::filesystem::path binary_dir() {
  if (const char* env = std::getenv("LIMEN_BINARY_DIR"); env != nullptr && *env != '\0') return env;
  return LIMEN_BINARY_DIR;
}

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string_view(ci) == "true";
}

std::optional<std::filesystem::path> shared_pcaps_dir() {
  auto dir = source_dir().parent_path() / "shared" / "pcaps";
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return dir;
  return std::nullopt;
}

std::filesystem::path make_temp_dir(const std::string& tag) {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto dir = std::filesystem::temp_directory_path() /
               ("limen-" + tag + "-" + std::to_string(rd()));
    std::error_code ec;
    if (std::filesystem::create_directory(dir, ec)) return dir;
  }
  return std::filesystem::temp_directory_path();
}

}  // namespace limen::testing
