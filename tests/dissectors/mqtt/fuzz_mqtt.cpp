// libFuzzer target for the MQTT session. The first byte seeds the chunking; the rest is split
// into two streams at the second byte (client, server), and each is fed in pieces whose
// sizes come from the seed, interleaving directions, then the session is closed. Sink and
// session check their invariants on every call.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "dissectors/mqtt/mqtt_constants.h"
#include "dissectors/mqtt/mqtt_fields.h"
#include "dissectors/mqtt/mqtt_session.h"

namespace {

using limen::dissect::Anomaly;
using limen::dissect::Direction;
using limen::dissect::Transaction;

class CheckingSink final : public limen::dissect::TransactionSink {
 public:
  void on_transaction(const Transaction& t) override {
    if (!t.has_request && !t.has_response) std::abort();
    if (t.find(limen::dissect::mqtt::field_index(
            limen::dissect::mqtt::MqttField::PacketType)) == nullptr)
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
  if (size < 2) return 0;
  std::uint32_t seed = data[0] * 2654435761U + 1;
  const std::size_t split = std::min<std::size_t>(data[1] * 4U, size - 2);
  const std::span<const std::uint8_t> in(data + 2, size - 2);
  const std::array<std::span<const std::uint8_t>, 2> streams{in.first(split), in.subspan(split)};
  std::array<std::size_t, 2> fed{};
  std::array<std::vector<std::uint8_t>, 2> held;
  limen::dissect::mqtt::MqttSession session;
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
    if (((seed >> 8) & 0x3FU) == 0) {  // now and then, a gap
      session.on_gap(static_cast<Direction>(d), 3);
      buf.clear();
      continue;
    }
    const std::size_t used =
        session.on_data(static_cast<Direction>(d), buf, limen::Timestamp{}, sink);
    if (used > buf.size()) std::abort();
    buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(used));
    // The session consumes every whole packet and skips larger ones: what it leaves is less
    // than one maximum packet.
    if (buf.size() >= limen::dissect::mqtt::kMaxPacket) std::abort();
  }
  session.on_close(limen::Timestamp{}, sink);
  if (session.outstanding() != 0) std::abort();
  return 0;
}
