#pragma once
// Shared pieces of the capture tests: a handler that copies what it receives (tests may
// allocate), a loop that drains a source burst by burst, and a way to run a check without
// root's privileges (the suite runs as root, which bypasses file and socket permissions).

#include <grp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "probe/capture/packet_source.h"
#include "tests/support/test_paths.h"

namespace limen::capture::testing {

struct CopiedPacket {
  Timestamp ts;
  std::uint32_t wire_length = 0;
  std::vector<std::uint8_t> data;
};

class CollectingHandler final : public PacketHandler {
 public:
  void on_packet(const RawPacket& packet) override {
    packets.push_back({packet.ts, packet.wire_length, {packet.data.begin(), packet.data.end()}});
  }
  std::vector<CopiedPacket> packets;
};

// A fixture with a fresh temporary folder, dir_, per test, removed after it.
class TempDirTest : public ::testing::Test {
 protected:
  explicit TempDirTest(std::string tag) : tag_(std::move(tag)) {}
  void SetUp() override { dir_ = limen::testing::make_temp_dir(tag_); }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string tag_;
  std::filesystem::path dir_;
};

// Dispatches until the source returns something other than Packets; returns that status.
inline ReadStatus drain(PacketSource& source, PacketHandler& handler, int burst = 64) {
  for (;;) {
    const ReadStatus status = source.dispatch(handler, burst);
    if (status != ReadStatus::Packets) return status;
  }
}

// Runs `body` as user and group "nobody" (65534) when we are root, in a forked child, and
// returns the string it produced; without root it runs in this process. nullopt when the
// child could not drop privileges or died.
inline std::optional<std::string> run_unprivileged(const std::function<std::string()>& body) {
  if (geteuid() != 0) return body();
  int fds[2];
  if (pipe(fds) != 0) return std::nullopt;
  const pid_t pid = fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    close(fds[0]);
    if (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0) _exit(2);
    const std::string out = body();
    const bool written = write(fds[1], out.data(), out.size()) == static_cast<ssize_t>(out.size());
    _exit(written ? 0 : 3);
  }
  close(fds[1]);
  std::string out;
  char buffer[512];
  for (;;) {
    const ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return std::nullopt;
  return out;
}

}  // namespace limen::capture::testing
