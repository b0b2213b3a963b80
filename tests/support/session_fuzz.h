#pragma once
// One libFuzzer driver for every stream session of the shape in dissectors/core/transaction.h.
// The first input byte seeds the chunking; the rest is split into two streams at the second byte
// (client, server); each is fed in seeded pieces, interleaving directions, with a gap now and
// then, then the session is closed. It aborts when an invariant breaks: a transaction without
// either half or without its protocol's key field, an anomaly without a reason, a session that
// claims more bytes than it was given or leaves more than one maximum message unconsumed, or
// requests still outstanding after close.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "common/timestamp.h"
#include "dissectors/core/transaction.h"

namespace limen::testing {

struct SessionFuzzLimits {
  std::uint16_t key_field;  // every transaction carries it (e.g. the function code)
  std::size_t max_held;     // bytes a session may leave unconsumed
  std::size_t max_piece = 64;
};

class CheckingSink final : public dissect::TransactionSink {
 public:
  explicit CheckingSink(std::uint16_t key_field) : key_field_(key_field) {}
  void on_transaction(const dissect::Transaction& t) override {
    if (!t.has_request && !t.has_response) std::abort();
    if (t.find(key_field_) == nullptr) std::abort();
    for (const auto& v : t.values()) {
      volatile std::size_t n = t.text(v).size() + t.list(v).size();
      (void)n;
    }
  }
  void on_anomaly(const dissect::Anomaly& a) override {
    if (a.reason.empty()) std::abort();
  }

 private:
  std::uint16_t key_field_;
};

template <class Session>
int fuzz_session_in_chunks(const std::uint8_t* data, std::size_t size,
                           const SessionFuzzLimits& limits) {
  using dissect::Direction;
  if (size < 2) return 0;
  std::uint32_t seed = data[0] * 2654435761U + 1;
  const std::size_t split = std::min<std::size_t>(data[1] * 4U, size - 2);
  const std::span<const std::uint8_t> in(data + 2, size - 2);
  const std::array<std::span<const std::uint8_t>, 2> streams{in.first(split), in.subspan(split)};
  std::array<std::size_t, 2> fed{};
  std::array<std::vector<std::uint8_t>, 2> held;
  Session session;
  CheckingSink sink(limits.key_field);
  while (fed[0] < streams[0].size() || fed[1] < streams[1].size()) {
    seed = seed * 1103515245U + 12345U;
    std::size_t d = (seed >> 16) & 1U;
    if (fed[d] == streams[d].size()) d ^= 1U;
    const std::size_t piece = std::min<std::size_t>(1 + ((seed >> 20) % limits.max_piece),
                                                    streams[d].size() - fed[d]);
    auto& buf = held[d];
    buf.insert(buf.end(), streams[d].begin() + static_cast<std::ptrdiff_t>(fed[d]),
               streams[d].begin() + static_cast<std::ptrdiff_t>(fed[d] + piece));
    fed[d] += piece;
    if (((seed >> 8) & 0x3FU) == 0) {  // now and then, a gap
      session.on_gap(static_cast<Direction>(d), 3);
      buf.clear();
      continue;
    }
    const std::size_t used = session.on_data(static_cast<Direction>(d), buf, Timestamp{}, sink);
    if (used > buf.size()) std::abort();
    buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(used));
    if (buf.size() > limits.max_held) std::abort();
  }
  session.on_close(Timestamp{}, sink);
  if (session.outstanding() != 0) std::abort();
  return 0;
}

}  // namespace limen::testing
