#include "emitter.h"

#include <algorithm>

namespace limen::bench {

Emitter::Emitter(PcapWriter& writer, std::uint64_t size_limit)
    : writer_(writer), size_limit_(size_limit) {}

std::vector<std::uint8_t>& Emitter::queue(std::uint64_t ts_us) {
  std::uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  // A session asking for the past would break the file's order: clamp rather than reorder.
  heap_.push_back({std::max(ts_us, clock_), order_++, slot});
  std::push_heap(heap_.begin(), heap_.end(), later);
  auto& buffer = slots_[slot];
  buffer.clear();
  return buffer;
}

void Emitter::advance(std::uint64_t now_us) {
  constexpr std::uint64_t kRecordHeader = 16;
  while (!heap_.empty() && heap_.front().ts <= now_us) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    const Pending next = heap_.back();
    heap_.pop_back();
    free_.push_back(next.slot);
    const auto& frame = slots_[next.slot];
    if (full_ || writer_.bytes() + kRecordHeader + frame.size() > size_limit_) {
      full_ = true;
      ++dropped_;
      continue;
    }
    const std::uint64_t ts = std::max(next.ts, last_written_ + 1);
    writer_.frame(ts, frame);
    last_written_ = ts;
  }
  if (now_us != std::numeric_limits<std::uint64_t>::max()) clock_ = std::max(clock_, now_us);
}

}  // namespace limen::bench
