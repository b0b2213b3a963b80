// libFuzzer target for the DNP3 session: the first input byte seeds the chunking, the rest is
// split between the two directions and fed in random-sized chunks the way the TCP reassembler
// would, with an occasional gap. Also runs the pure decoders on the raw input. When byte 0 is
// odd the rest is read as (control, length, user data) records wrapped into frames with correct
// CRCs, so mutations reach the transport and application layers instead of dying on a CRC.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/byte_reader.h"
#include "dissectors/dnp3/dnp3_decoder.h"
#include "dissectors/dnp3/dnp3_session.h"

namespace {

using namespace limen::dissect;

class NullSink final : public TransactionSink {
 public:
  void on_transaction(const Transaction& t) override { count += t.values().size(); }
  void on_anomaly(const Anomaly& a) override { count += a.reason.size(); }
  std::size_t count = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::span<const std::uint8_t> input(data + 1, size - 1);
  (void)dnp3::decode_link_frame(input);
  (void)dnp3::decode_application(input);

  std::vector<std::uint8_t> framed;
  std::span<const std::uint8_t> stream = input;
  if ((data[0] & 1) != 0) {
    limen::ByteReader r(input);
    while (!r.empty()) {
      const std::uint8_t control = r.u8();
      const std::size_t n = r.u8() % (dnp3::kMaxUserData + 1);
      const auto user = r.bytes(std::min(n, r.remaining()));
      std::array<std::uint8_t, 8> head{dnp3::kStart0, dnp3::kStart1,
                                       static_cast<std::uint8_t>(user.size() + 5), control,
                                       10, 0, 1, 0};
      auto add = [&framed](std::span<const std::uint8_t> block) {
        framed.insert(framed.end(), block.begin(), block.end());
        const std::uint16_t crc = dnp3::crc16(block);
        framed.push_back(static_cast<std::uint8_t>(crc & 0xFF));
        framed.push_back(static_cast<std::uint8_t>(crc >> 8));
      };
      add(head);
      for (std::size_t i = 0; i < user.size(); i += dnp3::kBlockSize)
        add(user.subspan(i, std::min(dnp3::kBlockSize, user.size() - i)));
    }
    stream = framed;
  }
  std::uint32_t rng = data[0] * 2654435761U + 1;
  auto next = [&rng]() {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
  };
  dnp3::Dnp3Session session;
  NullSink sink;
  std::vector<std::uint8_t> held[2];
  std::size_t pos = 0;
  while (pos < stream.size()) {
    const std::size_t n = std::min<std::size_t>(stream.size() - pos, 1 + next() % 64);
    const std::size_t d = next() % 2;
    if (next() % 32 == 0) {
      session.on_gap(static_cast<Direction>(d), n);
      held[d].clear();
    } else {
      held[d].insert(held[d].end(), stream.begin() + static_cast<std::ptrdiff_t>(pos),
                     stream.begin() + static_cast<std::ptrdiff_t>(pos + n));
      const std::size_t used =
          session.on_data(static_cast<Direction>(d), held[d], limen::Timestamp{}, sink);
      if (used > held[d].size()) __builtin_trap();
      held[d].erase(held[d].begin(), held[d].begin() + static_cast<std::ptrdiff_t>(used));
      // The session leaves at most one link frame unconsumed.
      if (held[d].size() > dnp3::kMaxLinkFrame) __builtin_trap();
    }
    pos += n;
  }
  session.on_close(limen::Timestamp{}, sink);
  return 0;
}
