#pragma once
// Doorbell: lets one thread sleep until another has news, without a lock on the ringing side.
// An event count over a futex: the sleeper takes a ticket, checks its condition once more, and
// waits only if nothing rang since the ticket; ringing costs one atomic add, plus a system call
// only when someone is asleep. Used by the event rings between workers and the output stage.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace limen::output {

class Doorbell {
 public:
  // Take a ticket before the last check of the condition to wait for.
  [[nodiscard]] std::uint32_t ticket() {
    sleepers_.fetch_add(1);
    return rings_.load();
  }
  // After the last check failed: sleeps until a ring after `ticket`, or the timeout.
  void wait(std::uint32_t ticket, std::chrono::milliseconds timeout);
  // After the last check succeeded: gives the ticket back.
  void cancel() { sleepers_.fetch_sub(1); }
  void ring() {
    rings_.fetch_add(1);
    if (sleepers_.load() != 0) wake();
  }

 private:
  void wake();
  std::atomic<std::uint32_t> rings_{0};
  std::atomic<std::uint32_t> sleepers_{0};
};

}  // namespace limen::output
