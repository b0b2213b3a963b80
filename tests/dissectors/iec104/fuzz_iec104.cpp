// libFuzzer target for the IEC 104 session: the same scheme as fuzz_modbus (first byte seeds
// the chunking, the second splits the input into the two directions, random gaps), with the
// invariant that the session leaves less than one maximum APDU unconsumed.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "dissectors/iec104/iec104_constants.h"
#include "dissectors/iec104/iec104_session.h"

namespace {

using limen::dissect::Direction;

class CheckingSink final : public limen::dissect::TransactionSink {
 public:
  void on_transaction(const limen::dissect::Transaction& t) override {
    if (t.has_request == t.has_response) std::abort();  // exactly one direction per APDU
    for (const auto& v : t.values()) {
      volatile std::size_t n = t.text(v).size() + t.list(v).size();
      (void)n;
    }
  }
  void on_anomaly(const limen::dissect::Anomaly& a) override {
    if (a.reason.empty()) std::abort();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::uint32_t seed = data[0] * 2654435761U + 1;
  const std::size_t split = std::min<std::size_t>(data[1] * 4U, size - 2);
  const std::span<const std::uint8_t> in(data + 2, size - 2);
  const std::array<std::span<const std::uint8_t>, 2> streams{in.first(split), in.subspan(split)};
  std::array<std::size_t, 2> fed{};
  std::array<std::vector<std::uint8_t>, 2> held;
  limen::dissect::iec104::Iec104Session session;
  CheckingSink sink;
  while (fed[0] < streams[0].size() || fed[1] < streams[1].size()) {
    seed = seed * 1103515245U + 12345U;
    std::size_t d = (seed >> 16) & 1U;
    if (fed[d] == streams[d].size()) d ^= 1U;
    const std::size_t piece =
        std::min<std::size_t>(1 + ((seed >> 20) % 64), streams[d].size() - fed[d]);
    auto& buf = held[d];
    buf.insert(buf.end(), streams[d].begin() + static_cast<std::ptrdiff_t>(fed[d]),
               streams[d].begin() + static_cast<std::ptrdiff_t>(fed[d] + piece));
    fed[d] += piece;
    if (((seed >> 8) & 0x3FU) == 0) {
      session.on_gap(static_cast<Direction>(d), 3);
      buf.clear();
      continue;
    }
    const std::size_t used =
        session.on_data(static_cast<Direction>(d), buf, limen::Timestamp{}, sink);
    if (used > buf.size()) std::abort();
    buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(used));
    if (buf.size() > 2U + limen::dissect::iec104::kMaxLength) std::abort();
  }
  session.on_close(limen::Timestamp{}, sink);
  return 0;
}
