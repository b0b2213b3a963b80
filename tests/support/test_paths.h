#pragma once
// Where tests find their inputs: the project's own captures, the shared real-world captures
// beside the project (../shared/pcaps), and the built binaries.

#include <filesystem>
#include <optional>
#include <string>

namespace limen::testing {

std::filesystem::path source_dir();
std::filesystem::path binary_dir();
// ../shared/pcaps when present. Absent outside CI: nullopt (the caller skips with a message).
// Absent in CI (CI=true): the test fails, since CI must exercise the real captures.
std::optional<std::filesystem::path> shared_pcaps_dir();
// A fresh, empty directory for one test; removed by the caller or left under /tmp.
std::filesystem::path make_temp_dir(const std::string& tag);

}  // namespace limen::testing

// Skips (or, in CI, fails) the current test when the shared captures are missing.
#define LIMEN_REQUIRE_SHARED_PCAPS(var)                                                  \
  auto var##_opt = ::limen::testing::shared_pcaps_dir();                                 \
  if (!var##_opt) {                                                                      \
    if (::limen::testing::in_ci()) FAIL() << "../shared/pcaps is missing, and CI=true";   \
    GTEST_SKIP() << "../shared/pcaps is absent: real-capture test skipped";              \
  }                                                                                      \
  const std::filesystem::path var = *var##_opt

namespace limen::testing {
bool in_ci();
}
