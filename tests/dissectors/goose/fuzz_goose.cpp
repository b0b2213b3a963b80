// libFuzzer target for the GOOSE and SV sessions. The first byte picks the protocol (bit 0) and
// seeds the frame split; the rest is cut into frames whose sizes come from the seed (a whole
// frame per on_data call, as the probe delivers them), with timestamps advancing by seeded
// steps so the timeAllowedToLive and burst checks run. Sinks check invariants on every call.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "dissectors/goose/goose_fields.h"
#include "dissectors/goose/goose_session.h"
#include "dissectors/goose/sv_session.h"

namespace {

using limen::dissect::Anomaly;
using limen::dissect::Direction;
using limen::dissect::Operation;
using limen::dissect::Transaction;
namespace goose = limen::dissect::goose;

class CheckingSink final : public limen::dissect::TransactionSink {
 public:
  void on_transaction(const Transaction& t) override {
    if (t.operation != Operation::Report) std::abort();
    const auto appid = t.protocol() == limen::dissect::Protocol::Goose
                           ? goose::field_index(goose::GooseField::Appid)
                           : goose::field_index(goose::SvField::Appid);
    if (t.find(appid) == nullptr) std::abort();
    for (const auto& v : t.values()) {
      volatile std::size_t n = t.text(v).size() + t.list(v).size();
      (void)n;
    }
  }
  void on_anomaly(const Anomaly& a) override {
    if (a.reason.empty()) std::abort();
  }
};

template <class Session>
void feed(Session& session, std::span<const std::uint8_t> in, std::uint32_t seed) {
  CheckingSink sink;
  limen::Timestamp ts{};
  std::size_t at = 0;
  while (at < in.size()) {
    seed = seed * 1103515245U + 12345U;
    // Frames are usually whole builds of one PDU: split at a declared length when one fits.
    std::size_t size = 1 + ((seed >> 16) % 300);
    if (in.size() - at >= 4) {
      const std::size_t declared = (std::size_t{in[at + 2]} << 8) | in[at + 3];
      if ((seed & 0x100U) != 0 && declared <= in.size() - at)
        size = std::max<std::size_t>(declared, 1);
    }
    size = std::min(size, in.size() - at);
    ts.usec += static_cast<std::int64_t>((seed >> 4) % 5000) * 1000;
    if (session.on_data(Direction::ToClient, in.subspan(at, size), ts, sink) != size)
      std::abort();
    at += size;
  }
  session.on_gap(Direction::ToClient, 1);
  session.on_close(ts, sink);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint32_t seed = data[0] * 2654435761U + 1;
  const std::span<const std::uint8_t> in(data + 1, size - 1);
  if ((data[0] & 1U) == 0) {
    goose::GooseSession session(goose::GooseConfig{1U + data[0] % 20U, 1'000'000});
    feed(session, in, seed);
    if (session.counters().transactions > session.counters().frames) std::abort();
  } else {
    goose::SvSession session;
    feed(session, in, seed);
    if (session.counters().streams > goose::SvSession::kMaxStreams) std::abort();
  }
  return 0;
}
