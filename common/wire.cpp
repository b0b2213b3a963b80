#include "common/wire.h"

#include "common/byte_reader.h"

namespace limen::wire {

bool valid_probe_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxProbeName) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::array<std::uint8_t, 16> encode_position(std::uint64_t run, std::uint64_t seq) {
  std::array<std::uint8_t, 16> out{};
  for (int i = 0; i < 8; ++i) {
    out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(run >> (56 - 8 * i));
    out[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(seq >> (56 - 8 * i));
  }
  return out;
}

std::string decode(std::span<const std::string_view> frames, Envelope& out) {
  if (frames.size() != kFrameCount)
    return "expected " + std::to_string(kFrameCount) + " frames, got " +
           std::to_string(frames.size());
  if (frames[0] != kProtocol) {
    const auto shown = frames[0].substr(0, 32);
    return "unknown protocol '" + std::string(shown) + "' (this collector speaks " +
           std::string(kProtocol) + ")";
  }
  if (!valid_probe_name(frames[1])) return "invalid probe name";
  if (frames[2].size() != 16) return "position frame must be 16 bytes";
  ByteReader r(std::span(reinterpret_cast<const std::uint8_t*>(frames[2].data()), 16));
  const auto run = r.be64();
  const auto seq = r.be64();
  if (seq == 0) return "sequence number 0 is reserved";
  if (frames[3].empty() || frames[3].size() > kMaxEventBytes) return "event size out of bounds";
  if (frames[3].front() != '{') return "event is not a JSON object";
  out = Envelope{frames[1], run, seq, frames[3]};
  return {};
}

std::string decode_heartbeat(std::span<const std::string_view> frames, Envelope& out) {
  if (frames.size() != kFrameCount)
    return "expected " + std::to_string(kFrameCount) + " heartbeat frames, got " +
           std::to_string(frames.size());
  if (frames[0] != kHeartbeatProtocol) return "not a heartbeat";
  if (!valid_probe_name(frames[1])) return "invalid probe name";
  if (frames[2].size() != 16) return "position frame must be 16 bytes";
  ByteReader r(std::span(reinterpret_cast<const std::uint8_t*>(frames[2].data()), 16));
  const auto run = r.be64();
  const auto seq = r.be64();
  if (frames[3].empty() || frames[3].size() > kMaxHeartbeatBytes || frames[3].front() != '{')
    return "heartbeat is not a small JSON object";
  out = Envelope{frames[1], run, seq, frames[3]};
  return {};
}

std::string decode_ack(std::span<const std::string_view> frames, Ack& out) {
  if (frames.size() != kAckFrameCount)
    return "expected " + std::to_string(kAckFrameCount) + " acknowledgement frames, got " +
           std::to_string(frames.size());
  if (frames[0] != kAckProtocol) return "not an acknowledgement";
  if (!valid_probe_name(frames[1])) return "invalid probe name";
  if (frames[2].size() != 16 || frames[3].size() != 16) return "position frame must be 16 bytes";
  ByteReader last(std::span(reinterpret_cast<const std::uint8_t*>(frames[2].data()), 16));
  ByteReader first(std::span(reinterpret_cast<const std::uint8_t*>(frames[3].data()), 16));
  Ack ack{frames[1], last.be64(), last.be64(), first.be64(), first.be64()};
  if (ack.seq == 0 || ack.first_seq == 0) return "sequence number 0 is reserved";
  out = ack;
  return {};
}

}  // namespace limen::wire
