#include "tests/support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace limen::testing {
namespace {

using Clock = std::chrono::steady_clock;

int spawn(const std::vector<std::string>& argv, int& out_fd, int& err_fd) {
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  out_fd = out_pipe[0];
  err_fd = err_pipe[0];
  fcntl(out_fd, F_SETFL, O_NONBLOCK);
  fcntl(err_fd, F_SETFL, O_NONBLOCK);
  return pid;
}

// Reads what is available on fd into buf; false at EOF.
bool drain(int fd, std::string& buf) {
  char chunk[65536];
  for (;;) {
    const ssize_t n = read(fd, chunk, sizeof chunk);
    if (n > 0) {
      buf.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) return false;
    return errno == EAGAIN || errno == EINTR;
  }
}

void fill_status(int status, ProcessResult& r) {
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds limit) {
  BackgroundProcess p(argv);
  return p.wait(limit);
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv) {
  pid_ = spawn(argv, out_fd_, err_fd_);
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0 && !reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (err_fd_ >= 0) close(err_fd_);
}

std::string BackgroundProcess::wait_for_line(int fd, std::string& buffer,
                                             const std::string& needle,
                                             std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  std::size_t scanned = 0;
  for (;;) {
    for (auto nl = buffer.find('\n', scanned); nl != std::string::npos;
         nl = buffer.find('\n', scanned)) {
      std::string line = buffer.substr(scanned, nl - scanned);
      scanned = nl + 1;
      if (line.find(needle) != std::string::npos) return line;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return {};
    pollfd pfd{fd, POLLIN, 0};
    poll(&pfd, 1, static_cast<int>(std::min<long long>(left, 100)));
    if (!drain(fd, buffer) && buffer.find('\n', scanned) == std::string::npos) return {};
  }
}

std::string BackgroundProcess::wait_for_stdout_line(const std::string& needle,
                                                    std::chrono::milliseconds limit) {
  return wait_for_line(out_fd_, out_, needle, limit);
}

std::string BackgroundProcess::wait_for_stderr_line(const std::string& needle,
                                                    std::chrono::milliseconds limit) {
  return wait_for_line(err_fd_, err_, needle, limit);
}

void BackgroundProcess::send_signal(int sig) {
  if (pid_ > 0 && !reaped_) kill(pid_, sig);
}

ProcessResult BackgroundProcess::wait(std::chrono::milliseconds limit) {
  ProcessResult r;
  if (pid_ <= 0) {
    r.err = "could not start the process";
    return r;
  }
  const auto deadline = Clock::now() + limit;
  bool out_open = true;
  bool err_open = true;
  int status = 0;
  for (;;) {
    if (out_open) out_open = drain(out_fd_, out_);
    if (err_open) err_open = drain(err_fd_, err_);
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      drain(out_fd_, out_);
      drain(err_fd_, err_);
      reaped_ = true;
      break;
    }
    if (Clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      reaped_ = true;
      r.timed_out = true;
      break;
    }
    // Closed pipes poll as ready at once: only poll the open ones, else just wait a little.
    pollfd pfds[2] = {{out_open ? out_fd_ : -1, POLLIN, 0}, {err_open ? err_fd_ : -1, POLLIN, 0}};
    poll(pfds, 2, 20);
  }
  fill_status(status, r);
  r.out = out_;
  r.err = err_;
  return r;
}

}  // namespace limen::testing
