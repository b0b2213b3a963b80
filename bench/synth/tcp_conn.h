#pragma once
// TcpConn: one TCP connection as the capture sees it, with consistent sequence and
// acknowledgement numbers: handshake, data cut into MSS segments, window-sized bulk rounds in
// which the receiver ACKs every second segment, FIN/ACK close or RST.
//
// Times are µs of packet time. The caller passes the time of each exchange; segments of one
// burst are kWireGapUs apart (a 1514-byte frame at 1 Gbit/s) and every frame goes through the
// Emitter, which orders them with the other sessions' frames.

#include <cstdint>
#include <span>
#include <vector>

#include "emitter.h"
#include "packet.h"

namespace limen::bench {

enum class Dir : std::uint8_t { kToServer = 0, kToClient = 1 };
constexpr Dir peer(Dir d) {
  return d == Dir::kToServer ? Dir::kToClient : Dir::kToServer;
}

inline constexpr std::uint32_t kMss = 1460;
inline constexpr std::uint32_t kWireGapUs = 12;
inline constexpr std::uint16_t kWindow = 64240;  // 44 full segments, no window scaling

// The bytes of a long message, produced as they are sent so a 16 MB download never sits in
// memory: a literal prefix (e.g. HTTP headers), then `body` bytes taken from a noise block,
// optionally framed as TLS application-data records of at most `record` bytes each.
class MessageStream {
 public:
  MessageStream() = default;
  MessageStream(std::vector<std::uint8_t> prefix, std::uint64_t body,
                std::span<const std::uint8_t> noise, std::uint64_t noise_offset,
                std::uint32_t tls_record = 0);
  [[nodiscard]] std::uint64_t remaining() const;
  // Appends the next min(n, remaining()) bytes to out.
  void take(std::vector<std::uint8_t>& out, std::uint64_t n);

 private:
  std::vector<std::uint8_t> prefix_;
  std::size_t prefix_at_ = 0;
  std::uint64_t body_left_ = 0;  // bytes of body still to produce, record headers excluded
  std::span<const std::uint8_t> noise_;
  std::uint64_t noise_at_ = 0;
  std::uint32_t record_ = 0;
  std::uint32_t record_left_ = 0;  // payload bytes left in the current record
  std::uint8_t header_[5]{};
  std::uint32_t header_at_ = 5;  // 5: no record header pending
};

class TcpConn {
 public:
  TcpConn() = default;
  TcpConn(Emitter& out, const Host& client, std::uint16_t client_port, const Host& server,
          std::uint16_t server_port, std::uint32_t client_isn, std::uint32_t server_isn);

  // SYN at t, SYN-ACK half an RTT later, ACK after a full RTT; returns the time of the ACK.
  std::uint64_t open(std::uint64_t t, std::uint32_t rtt_us);
  // `payload` from d at t in MSS segments, PSH on the last; returns the last segment's time.
  std::uint64_t send(Dir d, std::uint64_t t, std::span<const std::uint8_t> payload);
  // Up to `segments` full segments of `stream` from d at t, back to back; the peer ACKs every
  // second segment (and the last) ack_delay_us after it. Returns the time of the last frame.
  std::uint64_t send_round(Dir d, std::uint64_t t, MessageStream& stream, std::uint32_t segments,
                           std::uint32_t ack_delay_us);
  // A bare ACK from d of everything the peer has sent; nothing when d has already acknowledged
  // it all (a duplicate ACK would tell the peer a segment was lost).
  void ack(Dir d, std::uint64_t t);
  // FIN/ACK from `first`, the peer's FIN/ACK half an RTT later, the last ACK; returns its time.
  std::uint64_t close(Dir first, std::uint64_t t, std::uint32_t rtt_us);
  // RST/ACK from d.
  void reset(Dir d, std::uint64_t t);
  // Counts n bytes (and a SYN or FIN, each one) as sent by d without a frame: lets a caller
  // rebuild a connection's state from what it sent earlier.
  void skip(Dir d, std::uint32_t n) { next_[index(d)] += n; }

 private:
  static std::size_t index(Dir d) { return static_cast<std::size_t>(d); }
  void segment(Dir d, std::uint64_t t, std::uint8_t flags, std::uint32_t seq, std::uint32_t ack,
               std::span<const std::uint8_t> payload, std::span<const std::uint8_t> options = {});
  Emitter* out_ = nullptr;
  FlowHeader header_[2];
  std::uint32_t next_[2]{};   // next sequence number each side sends
  std::uint32_t acked_[2]{};  // the last acknowledgement number each side sent
  std::vector<std::uint8_t> scratch_;
};

}  // namespace limen::bench
