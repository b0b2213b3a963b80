#include "tcp_conn.h"

#include <algorithm>

namespace limen::bench {

MessageStream::MessageStream(std::vector<std::uint8_t> prefix, std::uint64_t body,
                             std::span<const std::uint8_t> noise, std::uint64_t noise_offset,
                             std::uint32_t tls_record)
    : prefix_(std::move(prefix)),
      body_left_(body),
      noise_(noise),
      noise_at_(noise_offset % noise.size()),
      record_(tls_record) {}

std::uint64_t MessageStream::remaining() const {
  std::uint64_t left = prefix_.size() - prefix_at_ + body_left_ + (5 - header_at_);
  if (record_ != 0 && body_left_ > record_left_) {
    // Every record still to start adds a 5-byte header.
    const std::uint64_t unframed = body_left_ - record_left_;
    left += 5 * ((unframed + record_ - 1) / record_);
  }
  return left;
}

void MessageStream::take(std::vector<std::uint8_t>& out, std::uint64_t n) {
  while (n > 0 && prefix_at_ < prefix_.size()) {
    out.push_back(prefix_[prefix_at_++]);
    --n;
  }
  while (n > 0 && (body_left_ > 0 || header_at_ < 5)) {
    if (record_ != 0 && record_left_ == 0 && header_at_ == 5) {
      record_left_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(record_, body_left_));
      // TLS application data (0x17), legacy version 3.3, the record's length.
      header_[0] = 0x17;
      header_[1] = 0x03;
      header_[2] = 0x03;
      header_[3] = static_cast<std::uint8_t>(record_left_ >> 8);
      header_[4] = static_cast<std::uint8_t>(record_left_);
      header_at_ = 0;
    }
    while (n > 0 && header_at_ < 5) {
      out.push_back(header_[header_at_++]);
      --n;
    }
    std::uint64_t chunk = std::min(n, body_left_);
    if (record_ != 0) chunk = std::min<std::uint64_t>(chunk, record_left_);
    chunk = std::min<std::uint64_t>(chunk, noise_.size() - noise_at_);
    out.insert(out.end(), noise_.begin() + static_cast<std::ptrdiff_t>(noise_at_),
               noise_.begin() + static_cast<std::ptrdiff_t>(noise_at_ + chunk));
    noise_at_ = (noise_at_ + chunk) % noise_.size();
    body_left_ -= chunk;
    if (record_ != 0) record_left_ -= static_cast<std::uint32_t>(chunk);
    n -= chunk;
  }
}

TcpConn::TcpConn(Emitter& out, const Host& client, std::uint16_t client_port, const Host& server,
                 std::uint16_t server_port, std::uint32_t client_isn, std::uint32_t server_isn)
    : out_(&out),
      header_{FlowHeader(client, client_port, server, server_port, kProtoTcp,
                         static_cast<std::uint16_t>(client_isn >> 7)),
              FlowHeader(server, server_port, client, client_port, kProtoTcp,
                         static_cast<std::uint16_t>(server_isn >> 9))},
      next_{client_isn, server_isn} {}

void TcpConn::segment(Dir d, std::uint64_t t, std::uint8_t flags, std::uint32_t seq,
                      std::uint32_t ack, std::span<const std::uint8_t> payload,
                      std::span<const std::uint8_t> options) {
  if ((flags & tcp_flag::kAck) != 0) acked_[index(d)] = ack;
  header_[index(d)].tcp(out_->queue(t), seq, ack, flags, kWindow, options, payload);
}

std::uint64_t TcpConn::open(std::uint64_t t, std::uint32_t rtt_us) {
  // MSS 1460, then NOP, NOP, SACK permitted: what most stacks offer without timestamps.
  static constexpr std::uint8_t kSynOptions[] = {2, 4, 0x05, 0xB4, 1, 1, 4, 2};
  const auto c = index(Dir::kToServer);
  const auto s = index(Dir::kToClient);
  segment(Dir::kToServer, t, tcp_flag::kSyn, next_[c]++, 0, {}, kSynOptions);
  const std::uint64_t t_synack = t + std::max<std::uint32_t>(rtt_us / 2, 1);
  segment(Dir::kToClient, t_synack, tcp_flag::kSyn | tcp_flag::kAck, next_[s]++, next_[c], {},
          kSynOptions);
  const std::uint64_t t_ack = std::max<std::uint64_t>(t + rtt_us, t_synack + 1);
  segment(Dir::kToServer, t_ack, tcp_flag::kAck, next_[c], next_[s], {});
  return t_ack;
}

std::uint64_t TcpConn::send(Dir d, std::uint64_t t, std::span<const std::uint8_t> payload) {
  const auto me = index(d);
  const auto other = index(peer(d));
  std::size_t at = 0;
  do {
    const std::size_t n = std::min<std::size_t>(kMss, payload.size() - at);
    const bool last = at + n == payload.size();
    const auto flags = static_cast<std::uint8_t>(tcp_flag::kAck | (last ? tcp_flag::kPsh : 0));
    segment(d, t, flags, next_[me], next_[other], payload.subspan(at, n));
    next_[me] += static_cast<std::uint32_t>(n);
    at += n;
    if (!last) t += kWireGapUs;
  } while (at < payload.size());
  return t;
}

std::uint64_t TcpConn::send_round(Dir d, std::uint64_t t, MessageStream& stream,
                                  std::uint32_t segments, std::uint32_t ack_delay_us) {
  const auto me = index(d);
  const auto other = index(peer(d));
  std::uint64_t last = t;
  for (std::uint32_t i = 0; i < segments && stream.remaining() > 0; ++i) {
    scratch_.clear();
    stream.take(scratch_, kMss);
    const bool end = stream.remaining() == 0;
    const auto flags = static_cast<std::uint8_t>(tcp_flag::kAck | (end ? tcp_flag::kPsh : 0));
    segment(d, t, flags, next_[me], next_[other], scratch_);
    next_[me] += static_cast<std::uint32_t>(scratch_.size());
    if (i % 2 == 1 || end || i + 1 == segments) {
      // Delayed ACK: every second full segment, and the tail of the round at once.
      segment(peer(d), t + ack_delay_us, tcp_flag::kAck, next_[other], next_[me], {});
      last = std::max(last, t + ack_delay_us);
    }
    last = std::max(last, t);
    t += kWireGapUs;
  }
  return last;
}

void TcpConn::ack(Dir d, std::uint64_t t) {
  if (acked_[index(d)] == next_[index(peer(d))]) return;
  segment(d, t, tcp_flag::kAck, next_[index(d)], next_[index(peer(d))], {});
}

std::uint64_t TcpConn::close(Dir first, std::uint64_t t, std::uint32_t rtt_us) {
  const auto a = index(first);
  const auto b = index(peer(first));
  constexpr auto kFinAck = static_cast<std::uint8_t>(tcp_flag::kFin | tcp_flag::kAck);
  segment(first, t, kFinAck, next_[a]++, next_[b], {});
  const std::uint64_t t_fin = t + std::max<std::uint32_t>(rtt_us / 2, 1);
  segment(peer(first), t_fin, kFinAck, next_[b]++, next_[a], {});
  const std::uint64_t t_ack = std::max<std::uint64_t>(t + rtt_us, t_fin + 1);
  segment(first, t_ack, tcp_flag::kAck, next_[a], next_[b], {});
  return t_ack;
}

void TcpConn::reset(Dir d, std::uint64_t t) {
  segment(d, t, tcp_flag::kRst | tcp_flag::kAck, next_[index(d)], next_[index(peer(d))], {});
}

}  // namespace limen::bench
