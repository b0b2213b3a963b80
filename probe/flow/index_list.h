#pragma once
// IndexList: an intrusive doubly linked list over slot indices of a preallocated array, so that
// a flow can be queued, moved to the back and removed in O(1) without allocating. The links
// live in the caller's slots (one Link per list a slot can be on); the list holds head and tail.
//
// Invariants: a slot is on at most one list per Link; kNil marks "no slot"; an unlinked slot has
// both links kNil.

#include <cstdint>
#include <limits>

namespace limen::flow {

inline constexpr std::uint32_t kNil = std::numeric_limits<std::uint32_t>::max();

struct Link {
  std::uint32_t prev = kNil;
  std::uint32_t next = kNil;
};

class IndexList {
 public:
  [[nodiscard]] bool empty() const { return head_ == kNil; }
  [[nodiscard]] std::uint32_t front() const { return head_; }

  // `link(i)` returns the Link of slot i that this list threads through.
  template <class LinkOf>
  void push_back(std::uint32_t i, LinkOf&& link) {
    Link& l = link(i);
    l.prev = tail_;
    l.next = kNil;
    if (tail_ == kNil) {
      head_ = i;
    } else {
      link(tail_).next = i;
    }
    tail_ = i;
  }

  template <class LinkOf>
  void unlink(std::uint32_t i, LinkOf&& link) {
    Link& l = link(i);
    if (l.prev == kNil) {
      head_ = l.next;
    } else {
      link(l.prev).next = l.next;
    }
    if (l.next == kNil) {
      tail_ = l.prev;
    } else {
      link(l.next).prev = l.prev;
    }
    l = Link{};
  }

  // Moves slot i (already on this list) to the back.
  template <class LinkOf>
  void move_to_back(std::uint32_t i, LinkOf&& link) {
    if (tail_ == i) return;
    unlink(i, link);
    push_back(i, link);
  }

 private:
  std::uint32_t head_ = kNil;
  std::uint32_t tail_ = kNil;
};

}  // namespace limen::flow
