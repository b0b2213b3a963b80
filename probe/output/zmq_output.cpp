#include "probe/output/zmq_output.h"

#include <array>
#include <chrono>

#include "common/wire.h"

namespace limen::output {

ZmqOutput::ZmqOutput(const ZmqOutputConfig& config) : config_(config), context_(1) {}

std::unique_ptr<ZmqOutput> ZmqOutput::open(const ZmqOutputConfig& config, std::string& error) {
  std::unique_ptr<ZmqOutput> out(new ZmqOutput(config));
  try {
    out->socket_ = std::make_unique<zmq::socket_t>(out->context_, zmq::socket_type::push);
    out->socket_->set(zmq::sockopt::sndhwm, config.high_water_mark);
    out->socket_->set(zmq::sockopt::linger, config.linger_ms);
    out->socket_->set(zmq::sockopt::sndtimeo, config.block_timeout_ms);
    // Queue only on an established connection: without it, events for a collector that never
    // answered would sit in a queue and vanish at exit; with it, they are counted as dropped.
    out->socket_->set(zmq::sockopt::immediate, 1);
    // connect() is asynchronous: a collector that is not up yet is retried in the background.
    out->socket_->connect(config.endpoint);
  } catch (const zmq::error_t& e) {
    error = "cannot use collector endpoint '" + config.endpoint + "': " + e.what();
    return nullptr;
  }
  return out;
}

ZmqOutput::~ZmqOutput() { close(); }

void ZmqOutput::write(std::string_view probe, std::uint64_t run, std::uint64_t seq,
                      std::string_view line) {
  if (!socket_) {
    ++counters_.dropped;
    return;
  }
  const auto position = wire::encode_position(run, seq);
  const bool wait = config_.block_when_full && !unreachable_;
  const auto flags = wait ? zmq::send_flags::none : zmq::send_flags::dontwait;
  try {
    // The first frames are queued with sndmore; a multipart message is atomic in ZeroMQ, so a
    // drop on the last frame cannot leave half a message.
    if (!socket_->send(zmq::buffer(wire::kProtocol), flags | zmq::send_flags::sndmore) ||
        !socket_->send(zmq::buffer(probe), zmq::send_flags::sndmore) ||
        !socket_->send(zmq::buffer(position), zmq::send_flags::sndmore) ||
        !socket_->send(zmq::buffer(line), zmq::send_flags::none)) {
      ++counters_.dropped;
      if (wait) {
        unreachable_ = true;
        last_error_ = describe() + ": unreachable for " +
                      std::to_string(config_.block_timeout_ms / 1000) +
                      " s with the send queue full; later events are dropped";
      } else if (last_error_.empty()) {
        last_error_ = describe() + ": send queue full, events dropped";
      }
      return;
    }
  } catch (const zmq::error_t& e) {
    ++counters_.dropped;
    if (last_error_.empty()) last_error_ = describe() + ": " + e.what();
    return;
  }
  ++counters_.written;
  unreachable_ = false;  // the collector is back: wait for room again
}

void ZmqOutput::close() {
  if (!socket_) return;
  const auto started = std::chrono::steady_clock::now();
  socket_->close();
  context_.close();  // waits for queued events to leave, at most linger_ms
  socket_.reset();
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  // Waiting the whole linger means events were still queued when ZeroMQ gave up on them.
  if (counters_.written != 0 && waited.count() + 100 >= config_.linger_ms)
    last_error_ = describe() + ": events still queued after " +
                  std::to_string(config_.linger_ms / 1000) +
                  " s were discarded at exit and are lost";
}

std::string ZmqOutput::describe() const { return "collector " + config_.endpoint; }

}  // namespace limen::output
