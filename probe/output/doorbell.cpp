#include "probe/output/doorbell.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <ctime>

namespace limen::output {
namespace {

long futex(std::atomic<std::uint32_t>* word, int op, std::uint32_t value, const timespec* timeout) {
  static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
  return syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), op, value, timeout, nullptr, 0);
}

}  // namespace

void Doorbell::wait(std::uint32_t ticket, std::chrono::milliseconds timeout) {
  if (rings_.load() == ticket) {
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    ts.tv_nsec = static_cast<long>(timeout.count() % 1000) * 1'000'000L;
    // Returns at once if a ring changed the word since the ticket: no lost wake-up.
    futex(&rings_, FUTEX_WAIT_PRIVATE, ticket, &ts);
  }
  sleepers_.fetch_sub(1);
}

void Doorbell::wake() { futex(&rings_, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr); }

}  // namespace limen::output
