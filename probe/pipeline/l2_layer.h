#pragma once
// L2Layer: the Ethernet-level protocols of one worker, IEC 61850 GOOSE (Ethertype 0x88B8) and
// Sampled Values (0x88BA). They have no IP flows: a session per publisher — source MAC, APPID
// and gocbRef/svID — tracks state numbers, sequence numbers and sample counters across frames.
// Publishers are bounded; the key is hashed from the frame's own bytes, so a frame costs no
// allocation once its publisher is known.

#include <array>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <variant>

#include "dissectors/core/transaction.h"
#include "dissectors/goose/goose_session.h"
#include "dissectors/goose/sv_session.h"
#include "dissectors/packet/decoded_packet.h"
#include "probe/events/eve.h"

namespace limen::pipeline {

// Where an Ethernet-level event comes from (its events carry MACs instead of addresses).
struct L2Context {
  events::L2Source source;
  std::uint16_t anomalies = 0;  // reported for this publisher
};

struct L2Counters {
  std::uint64_t frames = 0;
  std::uint64_t publishers = 0;
  std::uint64_t publishers_not_tracked = 0;  // beyond max_publishers
};

class L2Layer {
 public:
  static constexpr std::uint16_t kEtherGoose = 0x88B8;
  static constexpr std::uint16_t kEtherSv = 0x88BA;

  explicit L2Layer(std::size_t max_publishers = 4096) : max_publishers_(max_publishers) {}

  [[nodiscard]] static bool handles(std::uint16_t ether_type) {
    return ether_type == kEtherGoose || ether_type == kEtherSv;
  }
  // One frame; `context` is set to the publisher's while its session reports to `sink`.
  void on_frame(const decode::DecodedPacket& p, Timestamp ts, dissect::TransactionSink& sink,
                L2Context*& context);
  // End of input: every session reports what it still holds.
  void close(Timestamp ts, dissect::TransactionSink& sink, L2Context*& context);
  [[nodiscard]] const L2Counters& counters() const { return counters_; }

 private:
  struct Publisher {
    L2Context context;
    std::variant<dissect::goose::GooseSession, dissect::goose::SvSession> session;
  };

  std::size_t max_publishers_;
  std::unordered_map<std::uint64_t, std::uint32_t> index_;
  std::deque<Publisher> publishers_;
  L2Counters counters_;
};

}  // namespace limen::pipeline
