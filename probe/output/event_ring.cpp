#include "probe/output/event_ring.h"

#include <cstring>

namespace limen::output {

EventRing::EventRing(std::size_t capacity, Doorbell& data_bell)
    : capacity_(std::size_t{64} << 10), data_bell_(data_bell) {
  while (capacity_ < capacity) capacity_ <<= 1;
  mask_ = capacity_ - 1;
  memory_ = MappedMemory(capacity_, MappedMemory::Pages::Huge);
  storage_ = static_cast<std::uint8_t*>(memory_.data());
}

bool EventRing::try_push(const RingRecord& record) {
  if (record.insert_at > UINT16_MAX) return false;
  return push(record.json, {}, record.insert_at, record.code);
}

bool EventRing::try_push(std::string_view head, std::string_view body, std::uint8_t code) {
  return push(head, body, 0, code);
}

bool EventRing::push(std::string_view head, std::string_view body, std::uint32_t insert_at,
                     std::uint8_t code) {
  const std::size_t size = head.size() + body.size();
  if (size > max_json()) return false;
  const std::size_t need = (kHeader + size + 7) & ~std::size_t{7};
  const std::size_t at = write_ & mask_;
  const std::size_t to_end = capacity_ - at;
  const std::size_t total = need <= to_end ? need : to_end + need;
  if (capacity_ - (write_ - tail_seen_) < total) {
    tail_seen_ = tail_.load(std::memory_order_acquire);
    if (capacity_ - (write_ - tail_seen_) < total) return false;
  }
  if (need > to_end) {
    std::memcpy(storage_ + at, &kPadding, 4);
    write_ += to_end;
  }
  std::uint8_t* h = storage_ + (write_ & mask_);
  const auto length = static_cast<std::uint32_t>(size);
  const auto insert = static_cast<std::uint16_t>(insert_at);
  std::memcpy(h, &length, 4);
  std::memcpy(h + 4, &insert, 2);
  h[6] = code;
  h[7] = 0;
  std::memcpy(h + kHeader, head.data(), head.size());
  if (!body.empty()) std::memcpy(h + kHeader + head.size(), body.data(), body.size());
  write_ += need;
  return true;
}

void EventRing::publish() {
  if (published_.load(std::memory_order_relaxed) == write_) return;
  published_.store(write_, std::memory_order_release);
  if (write_ - woken_at_ >= capacity_ / 16) wake();
}

void EventRing::publish_and_wake() {
  published_.store(write_, std::memory_order_release);
  wake();
}

void EventRing::wake() {
  woken_at_ = write_;
  data_bell_.ring();
}

}  // namespace limen::output
