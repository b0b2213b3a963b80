// libFuzzer target for the BACnet/IP session. The first byte seeds the cutting; the rest is cut
// into datagrams whose sizes come from the seed, alternating directions at random, each fed
// whole to the session, which is then closed. Sink and session check their invariants on every
// call: every datagram is consumed, the pending table never exceeds its bound and is empty after
// close.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "dissectors/bacnet/bacnet_fields.h"
#include "dissectors/bacnet/bacnet_session.h"

namespace {

using limen::dissect::Anomaly;
using limen::dissect::Direction;
using limen::dissect::Transaction;

class CheckingSink final : public limen::dissect::TransactionSink {
 public:
  void on_transaction(const Transaction& t) override {
    if (!t.has_request && !t.has_response) std::abort();
    if (t.find(limen::dissect::bacnet::field_index(
            limen::dissect::bacnet::BacnetField::BvlcFunctionCode)) == nullptr)
      std::abort();
    for (const auto& v : t.values()) {
      volatile std::size_t n = t.text(v).size() + t.list(v).size();
      (void)n;
    }
  }
  void on_anomaly(const Anomaly& a) override {
    if (a.reason.empty()) std::abort();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::uint32_t seed = data[0] * 2654435761U + 1;
  const std::span<const std::uint8_t> in(data + 1, size - 1);
  limen::dissect::bacnet::BacnetSession session;
  CheckingSink sink;
  std::size_t fed = 0;
  while (fed < in.size()) {
    seed = seed * 1103515245U + 12345U;
    // Mostly whole messages: cut at the BVLC length when it fits, else at a random size.
    std::size_t piece = 1 + ((seed >> 20) % 96);
    const auto rest = in.subspan(fed);
    if (rest.size() >= 4 && ((seed >> 4) & 3U) != 0) {
      const std::size_t claimed = static_cast<std::size_t>(rest[2] << 8 | rest[3]);
      if (claimed >= 4) piece = claimed;
    }
    piece = std::min(piece, rest.size());
    const auto dir = static_cast<Direction>((seed >> 16) & 1U);
    if (((seed >> 8) & 0x3FU) == 0) session.on_gap(dir, 1);
    if (session.on_data(dir, rest.first(piece), limen::Timestamp{}, sink) != piece) std::abort();
    if (session.outstanding() > limen::dissect::bacnet::BacnetSession::kMaxOutstanding + 2)
      std::abort();
    fed += piece;
  }
  session.on_close(limen::Timestamp{}, sink);
  if (session.outstanding() != 0) std::abort();
  return 0;
}
