// libFuzzer target for the S7comm session: the input is split into a client and a server stream
// and fed in input-chosen chunk sizes, keeping unconsumed bytes as the TCP reassembler does.
// Checks the session's contract: it never consumes more than it was given, and every reported
// transaction stays within its schema.

#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "dissectors/s7comm/s7comm_session.h"

namespace {

using limen::dissect::Anomaly;
using limen::dissect::Direction;
using limen::dissect::Transaction;
using limen::dissect::TransactionSink;

struct CheckingSink final : TransactionSink {
  void on_transaction(const Transaction& t) override {
    for (const auto& v : t.values())
      if (v.field >= t.schema().size()) std::abort();
  }
  void on_anomaly(const Anomaly& a) override {
    if (a.reason.empty()) std::abort();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  // First byte: chunk-size seed; the rest alternates direction every `switch_every` bytes.
  const std::uint8_t seed = data[0];
  const std::span<const std::uint8_t> input(data + 1, size - 1);
  limen::dissect::s7comm::S7commSession session;
  CheckingSink sink;
  std::vector<std::uint8_t> held[2];
  std::size_t pos = 0;
  std::size_t step = 0;
  while (pos < input.size()) {
    const std::size_t chunk = 1 + ((seed >> (step % 4)) + step * 7) % 97;
    const std::size_t n = chunk < input.size() - pos ? chunk : input.size() - pos;
    const auto dir = ((seed & 0x80) != 0 && (step % 3) == 2) ? Direction::ToClient
                                                             : Direction::ToServer;
    auto& buf = held[static_cast<std::size_t>(dir)];
    buf.insert(buf.end(), input.begin() + static_cast<std::ptrdiff_t>(pos),
               input.begin() + static_cast<std::ptrdiff_t>(pos + n));
    const std::size_t used = session.on_data(dir, buf, limen::Timestamp{}, sink);
    if (used > buf.size()) std::abort();
    buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(used));
    if ((seed & 0x40) != 0 && step == 5) session.on_gap(dir, 10);
    pos += n;
    ++step;
  }
  session.on_close(limen::Timestamp{}, sink);
  return 0;
}
