#pragma once
// Test helpers for DNP3: build link frames and whole application fragments with correct CRCs,
// record what a session reports, and feed a stream the way the TCP reassembler does (keeping
// unconsumed bytes and presenting them again with the next chunk).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dissectors/core/transaction.h"
#include "dissectors/dnp3/dnp3_decoder.h"
#include "dissectors/dnp3/dnp3_session.h"

namespace limen::dissect::dnp3::test {

using Bytes = std::vector<std::uint8_t>;

// One link frame: header with CRC, then `user` in 16-byte blocks each followed by its CRC.
inline Bytes link_frame(std::uint8_t control, std::uint16_t dst, std::uint16_t src,
                        std::span<const std::uint8_t> user) {
  Bytes out{kStart0, kStart1, static_cast<std::uint8_t>(user.size() + 5), control,
            static_cast<std::uint8_t>(dst & 0xFF), static_cast<std::uint8_t>(dst >> 8),
            static_cast<std::uint8_t>(src & 0xFF), static_cast<std::uint8_t>(src >> 8)};
  auto add_crc = [&out](std::span<const std::uint8_t> block) {
    const std::uint16_t crc = crc16(block);
    out.push_back(static_cast<std::uint8_t>(crc & 0xFF));
    out.push_back(static_cast<std::uint8_t>(crc >> 8));
  };
  add_crc(std::span<const std::uint8_t>(out.data(), 8));
  for (std::size_t i = 0; i < user.size(); i += kBlockSize) {
    const auto block = user.subspan(i, std::min(kBlockSize, user.size() - i));
    out.insert(out.end(), block.begin(), block.end());
    add_crc(block);
  }
  return out;
}

// An application fragment cut into transport segments of at most `segment` bytes, each in an
// unconfirmed user data frame. `from_master` sets the DIR bit. `tseq` is the transport
// sequence, advanced per segment.
inline Bytes app_frames(bool from_master, std::uint16_t dst, std::uint16_t src, const Bytes& app,
                        std::uint8_t& tseq, std::size_t segment = 249) {
  Bytes out;
  const std::uint8_t control = static_cast<std::uint8_t>((from_master ? 0x80 : 0x00) | 0x44);
  for (std::size_t i = 0; i < app.size() || i == 0; i += segment) {
    const std::size_t n = std::min(segment, app.size() - i);
    Bytes user;
    std::uint8_t th = tseq & kTransportSeqMask;
    if (i == 0) th |= kTransportFir;
    if (i + n >= app.size()) th |= kTransportFin;
    user.push_back(th);
    user.insert(user.end(), app.begin() + static_cast<std::ptrdiff_t>(i),
                app.begin() + static_cast<std::ptrdiff_t>(i + n));
    const Bytes f = link_frame(control, dst, src, user);
    out.insert(out.end(), f.begin(), f.end());
    tseq = static_cast<std::uint8_t>((tseq + 1) & kTransportSeqMask);
    if (app.empty()) break;
  }
  return out;
}

// Records transactions as one line of text each, so runs can be compared exactly.
class RecordingSink final : public TransactionSink {
 public:
  void on_transaction(const Transaction& t) override {
    std::string line = std::string(operation_name(t.operation));
    line += t.has_request ? " req" : " -";
    line += t.has_response ? " resp" : " -";
    for (const auto& v : t.values()) {
      const FieldSpec& spec = t.schema()[v.field];
      line += " " + std::string(spec.name) + "=";
      switch (spec.type) {
        case FieldType::Text: line += std::string(t.text(v)); break;
        case FieldType::UintList:
          for (const auto x : t.list(v)) line += std::to_string(x) + ",";
          break;
        default: line += std::to_string(v.number); break;
      }
    }
    if (t.truncated()) line += " TRUNCATED";
    transactions.push_back(line);
    last_operation = t.operation;
  }
  void on_anomaly(const Anomaly& a) override {
    anomalies.push_back(std::string(a.violation ? "violation: " : "anomaly: ") +
                        std::string(a.reason));
  }
  std::vector<std::string> transactions;
  std::vector<std::string> anomalies;
  Operation last_operation = Operation::Unknown;
};

// Presents `data` in the given chunks as the reassembler would: bytes left unconsumed are
// offered again in front of the next chunk. Returns the bytes never consumed.
inline std::size_t feed(Dnp3Session& session, Direction dir, const Bytes& data,
                        const std::vector<std::size_t>& cuts, TransactionSink& sink) {
  Bytes held;
  std::size_t start = 0;
  auto push = [&](std::size_t end) {
    held.insert(held.end(), data.begin() + static_cast<std::ptrdiff_t>(start),
                data.begin() + static_cast<std::ptrdiff_t>(end));
    start = end;
    const std::size_t used = session.on_data(dir, held, Timestamp{}, sink);
    held.erase(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(used));
  };
  for (const std::size_t cut : cuts)
    if (cut > start && cut <= data.size()) push(cut);
  if (start < data.size()) push(data.size());
  return held.size();
}

}  // namespace limen::dissect::dnp3::test
