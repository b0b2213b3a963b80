#pragma once
// A ZMQ_DEALER test sender (as the probe uses) that plays a probe (or a hostile peer): sends arbitrary frames, so
// tests can produce both valid wire messages and every kind of malformed one.

#include <chrono>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "common/curve_keys.h"
#include "common/wire.h"

namespace limen::collector::testing {

class ZmqSender {
 public:
  explicit ZmqSender(const std::string& endpoint) : socket_(context_, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::linger, 10'000);  // close() waits until the messages left
    socket_.connect(endpoint);
  }
  // A CURVE client that expects `server_key` and presents `own`.
  ZmqSender(const std::string& endpoint, const curve::Key& server_key, const curve::KeyPair& own)
      : socket_(context_, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::linger, 10'000);
    socket_.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(server_key.data(), 32));
    socket_.set(zmq::sockopt::curve_publickey, zmq::const_buffer(own.public_key.data(), 32));
    socket_.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(own.secret_key.data(), 32));
    socket_.connect(endpoint);
  }
  // Waits up to `ms` for an acknowledgement; true when one came.
  bool acknowledged(int ms) {
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::milliseconds(ms)) <= 0) return false;
    zmq::message_t part;
    while (socket_.recv(part, zmq::recv_flags::dontwait) && part.more()) {
    }
    return true;
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
  // Closes at once, dropping what was not sent (a refused sender would otherwise keep
  // reconnecting for as long as it lingers).
  void drop() {
    socket_.set(zmq::sockopt::linger, 0);
    close();
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
