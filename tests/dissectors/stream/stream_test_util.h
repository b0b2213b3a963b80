#pragma once
// Test helpers for the TCP reassembler: a consumer that records what it is told, and a small
// driver that owns a pool and one flow.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "probe/stream/stream_memory.h"
#include "probe/stream/tcp_reassembler.h"

namespace limen::stream::testing {

inline std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};  // test-only view
}

// Records the streams it receives. Modes: take everything, take at most `take_max` bytes per
// call, or take only whole length-prefixed messages (1-byte length, then the body).
class Recorder final : public StreamConsumer {
 public:
  enum class Mode { Greedy, Limited, Framed, Never };
  explicit Recorder(Mode mode = Mode::Greedy, std::size_t take_max = 1)
      : mode_(mode), take_max_(take_max) {}

  std::size_t on_data(Direction dir, std::span<const std::uint8_t> bytes, Timestamp) override {
    ++calls;
    auto& out = stream[static_cast<std::size_t>(dir)];
    std::size_t n = 0;
    switch (mode_) {
      case Mode::Greedy: n = bytes.size(); break;
      case Mode::Limited: n = std::min(bytes.size(), take_max_); break;
      case Mode::Never: n = 0; break;
      case Mode::Framed:
        if (!bytes.empty() && bytes.size() >= 1U + bytes[0]) {
          n = 1U + bytes[0];
          const std::string body(bytes.begin() + 1, bytes.begin() + static_cast<long>(n));
          messages.emplace_back(std::to_string(static_cast<int>(dir)) + ":" + body);
        }
        break;
    }
    out.append(bytes.begin(), bytes.begin() + static_cast<long>(n));
    return n;
  }
  void on_gap(Direction dir, std::size_t length) override {
    events.push_back("gap" + std::to_string(static_cast<int>(dir)) + ":" + std::to_string(length));
    stream[static_cast<std::size_t>(dir)] += "|";
  }
  void on_end(Direction dir) override {
    events.push_back("end" + std::to_string(static_cast<int>(dir)));
  }

  std::string stream[2];
  std::vector<std::string> messages;
  std::vector<std::string> events;
  std::size_t calls = 0;

 private:
  Mode mode_;
  std::size_t take_max_;
};

// One flow and its pool.
struct Flow {
  explicit Flow(const StreamLimits& limits = {}, Recorder::Mode mode = Recorder::Mode::Greedy,
                std::size_t take_max = 1)
      : memory(limits), recorder(mode, take_max) {}
  ~Flow() { reassembler.reset(memory); }

  void send(Direction dir, std::uint32_t seq, std::string_view data, std::uint8_t flags = 0,
            std::uint32_t ack = 0) {
    reassembler.on_segment(TcpSegment{dir, seq, ack, flags, bytes_of(data), Timestamp{1}}, memory,
                           recorder);
  }
  void close() { reassembler.close(Timestamp{2}, memory, recorder); }
  const StreamCounters& counters() const { return memory.counters(); }

  StreamMemory memory;
  TcpReassembler reassembler;
  Recorder recorder;
};

inline constexpr Direction kC2S = Direction::ToServer;
inline constexpr Direction kS2C = Direction::ToClient;

}  // namespace limen::stream::testing
