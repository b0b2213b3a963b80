#pragma once
// A ZMQ_DEALER test sender (as the probe uses) that plays a probe (or a hostile peer): sends arbitrary frames, so
// tests can produce both valid wire messages and every kind of malformed one.

#include <string>
#include <vector>
#include <zmq.hpp>

#include "common/wire.h"

namespace limen::collector::testing {

class ZmqSender {
 public:
  explicit ZmqSender(const std::string& endpoint) : socket_(context_, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::linger, 10'000);  // close() waits until the messages left
    socket_.connect(endpoint);
  }
  void send_frames(const std::vector<std::string>& frames) {
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const auto more = i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
      socket_.send(zmq::buffer(frames[i]), more);
    }
  }
  void send(const std::string& probe, std::uint64_t run, std::uint64_t seq,
            const std::string& event) {
    send_frames({std::string(wire::kProtocol), probe, position(run, seq), event});
  }
  static std::string position(std::uint64_t run, std::uint64_t seq) {
    const auto bytes = wire::encode_position(run, seq);
    return {bytes.begin(), bytes.end()};
  }
  void close() {
    socket_.close();
    context_.close();
  }

 private:
  zmq::context_t context_;
  zmq::socket_t socket_;
};

}  // namespace limen::collector::testing
