#pragma once
// Child processes for tests that drive the real binaries: run to completion with captured output
// and a time limit, or start in the background and signal later.

#include <chrono>
#include <string>
#include <vector>

namespace limen::testing {

struct ProcessResult {
  int exit_code = -1;   // valid when !signaled
  int signal = 0;       // the signal that ended the child, 0 if it exited
  bool timed_out = false;
  std::string out;      // stdout
  std::string err;      // stderr
};

// Runs argv[0] with arguments; kills it (SIGKILL) after `limit`.
ProcessResult run_process(const std::vector<std::string>& argv,
                          std::chrono::milliseconds limit = std::chrono::seconds(120));

class BackgroundProcess {
 public:
  explicit BackgroundProcess(const std::vector<std::string>& argv);
  ~BackgroundProcess();  // kills the child if still running
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // Reads stdout until a line containing `needle` arrives; returns that line ("" on timeout/EOF).
  std::string wait_for_stdout_line(const std::string& needle, std::chrono::milliseconds limit);
  // Same, on stderr.
  std::string wait_for_stderr_line(const std::string& needle, std::chrono::milliseconds limit);
  void send_signal(int sig);
  // Waits for the child to end (SIGKILL after `limit`), collecting the rest of its output.
  ProcessResult wait(std::chrono::milliseconds limit = std::chrono::seconds(60));
  [[nodiscard]] int pid() const { return pid_; }

 private:
  std::string wait_for_line(int fd, std::string& buffer, const std::string& needle,
                            std::chrono::milliseconds limit);
  int pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
  bool reaped_ = false;
};

}  // namespace limen::testing
