#pragma once
// CaptureHealth: the capture's running counters as the collectors' heartbeats report them. The
// dispatcher (capture thread) stores them about once a second; the output thread reads them when
// a heartbeat is due. Relaxed atomics: each is a counter on its own, read as it is.

#include <atomic>
#include <cstdint>

namespace limen::output {

struct CaptureHealth {
  std::atomic<std::uint64_t> packets{0};
  std::atomic<std::uint64_t> kernel_drops{0};     // the capture buffer overflowed
  std::atomic<std::uint64_t> interface_drops{0};  // the NIC or its driver dropped
  std::atomic<std::uint64_t> worker_queue_drops{0};
};

}  // namespace limen::output
