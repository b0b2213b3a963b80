#include "probe/output/zmq_output.h"

#include <array>
#include <cstring>
#include <vector>

#include "common/timestamp.h"
#include "common/wire.h"

namespace limen::output {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string seconds(std::chrono::milliseconds ms) {
  return std::to_string(ms.count() / 1000) + (ms.count() % 1000 != 0 ? "." +
         std::to_string(ms.count() % 1000 / 100) : "") + " s";
}

}  // namespace

ZmqOutput::ZmqOutput(const ZmqOutputConfig& config) : config_(config), context_(1) {}

std::unique_ptr<ZmqOutput> ZmqOutput::open(const ZmqOutputConfig& config, std::string& error) {
  std::unique_ptr<ZmqOutput> out(new ZmqOutput(config));
  out->counters_.acknowledges = true;
  out->spool_ = Spool::open(config.spool, error);
  if (!out->spool_) {
    error = "collector " + config.endpoint + ": " + error;
    return nullptr;
  }
  if (!out->connect(error)) return nullptr;
  out->publish_counters();
  return out;
}

bool ZmqOutput::connect(std::string& error) {
  try {
    monitor_.reset();
    socket_.reset();
    socket_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::dealer);
    // The spool keeps every event: ZeroMQ's own queue only needs to hold one window.
    socket_->set(zmq::sockopt::sndhwm, static_cast<int>(config_.window) + 1024);
    socket_->set(zmq::sockopt::linger, 0);
    // Queue only on an established connection, so that a send to an absent collector fails at
    // once and the event simply waits in the spool.
    socket_->set(zmq::sockopt::immediate, 1);
    socket_->set(zmq::sockopt::reconnect_ivl, 100);
    socket_->set(zmq::sockopt::reconnect_ivl_max, 2000);
    socket_->set(zmq::sockopt::maxmsgsize, std::int64_t{4096});  // acknowledgements are small
    if (config_.curve) {
      socket_->set(zmq::sockopt::curve_serverkey, zmq::const_buffer(config_.server_key.data(),
                                                                    config_.server_key.size()));
      socket_->set(zmq::sockopt::curve_publickey, zmq::const_buffer(config_.key.public_key.data(),
                                                                    config_.key.public_key.size()));
      socket_->set(zmq::sockopt::curve_secretkey, zmq::const_buffer(config_.key.secret_key.data(),
                                                                    config_.key.secret_key.size()));
    }
    const std::string watch = "inproc://limen-output-monitor-" +
                              std::to_string(reinterpret_cast<std::uintptr_t>(this)) + "-" +
                              std::to_string(++sockets_made_);
    if (zmq_socket_monitor(socket_->handle(), watch.c_str(),
                           ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) == 0) {
      monitor_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::pair);
      monitor_->set(zmq::sockopt::linger, 0);
      monitor_->connect(watch);
    }
    // connect() is asynchronous: a collector that is not up yet is retried in the background.
    socket_->connect(config_.endpoint);
  } catch (const zmq::error_t& e) {
    error = "cannot use collector endpoint '" + config_.endpoint + "': " + e.what();
    socket_.reset();
    return false;
  }
  return true;
}

ZmqOutput::~ZmqOutput() { close(); }

void ZmqOutput::publish_counters() {
  counters_.acknowledged.store(counters_.written.load() - spool_->pending() +
                                   spool_->recovered() - spool_->lost().events,
                               std::memory_order_relaxed);
  counters_.pending.store(spool_->pending(), std::memory_order_relaxed);
  counters_.dropped.store(spool_->lost().events, std::memory_order_relaxed);
}

void ZmqOutput::read_monitor() {
  if (!monitor_) return;
  zmq::message_t event, address;
  while (monitor_->recv(event, zmq::recv_flags::dontwait)) {
    if (event.more()) (void)monitor_->recv(address);
    if (event.size() < 6) continue;
    std::uint16_t id = 0;
    std::uint32_t value = 0;
    std::memcpy(&id, event.data(), sizeof id);
    std::memcpy(&value, static_cast<const char*>(event.data()) + 2, sizeof value);
    if (id == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
      refused_.clear();
    } else if (id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
      refused_ = "the collector refused this probe's key (status " + std::to_string(value) +
                 "): list this probe's public.key under its --name in the collector's --allow";
    } else if (value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH) {
      refused_ = config_.curve ? "the collector does not speak CURVE (started with --insecure?)"
                               : "the collector requires CURVE: give --collector-key and --key";
    } else if (id == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
      // A collector that cannot decrypt our handshake just closes the connection.
      refused_ = config_.curve ? "the collector closes every handshake (is --collector-key its "
                                 "public.key?)"
                               : "the collector closes every handshake";
    } else {
      refused_ = "the handshake with the collector failed (is --collector-key its public.key?)";
    }
  }
}

void ZmqOutput::pump() {
  if (!socket_) return;
  try {
    read_monitor();
    // Acknowledgements: [limen-ack/3][probe][last][first]; anything else is ignored.
    std::array<zmq::message_t, wire::kAckFrameCount> parts;
    while (true) {
      std::size_t frames = 0;
      bool more = true;
      zmq::message_t extra;
      while (more) {
        zmq::message_t& target = frames < parts.size() ? parts[frames] : extra;
        const auto flags = frames == 0 ? zmq::recv_flags::dontwait : zmq::recv_flags::none;
        if (!socket_->recv(target, flags)) break;
        ++frames;
        more = target.more();
      }
      if (frames == 0) break;
      std::array<std::string_view, wire::kAckFrameCount> views;
      for (std::size_t i = 0; i < views.size() && i < frames; ++i)
        views[i] = std::string_view(static_cast<const char*>(parts[i].data()), parts[i].size());
      wire::Ack ack;
      const std::span<const std::string_view> got(views.data(), std::min(frames, views.size()));
      if (frames != wire::kAckFrameCount || !wire::decode_ack(got, ack).empty() ||
          !spool_->acknowledge(ack.first_run, ack.first_seq, ack.run, ack.seq)) {
        ++stale_acks_;
        continue;
      }
      last_progress_ = Clock::now();
    }
    SpoolRecord r;
    while (spool_->in_flight() < config_.window && spool_->peek(r)) {
      const auto position = wire::encode_position(r.run, r.seq);
      // A multipart message is atomic in ZeroMQ: once the first frame is taken, so are the rest.
      if (!socket_->send(zmq::buffer(wire::kProtocol),
                         zmq::send_flags::dontwait | zmq::send_flags::sndmore))
        break;
      (void)socket_->send(zmq::buffer(r.probe), zmq::send_flags::sndmore);
      (void)socket_->send(zmq::buffer(position), zmq::send_flags::sndmore);
      (void)socket_->send(zmq::buffer(r.event), zmq::send_flags::none);
      if (spool_->in_flight() == 0) last_progress_ = Clock::now();
      spool_->advance();
    }
  } catch (const zmq::error_t& e) {
    if (last_error_.empty()) last_error_ = describe() + ": " + e.what();
  }
  publish_counters();
}

void ZmqOutput::check_timeout(Clock::time_point now) {
  if (spool_->in_flight() == 0 || now - last_progress_ < config_.ack_timeout) return;
  // Whatever this connection still queues may never arrive: a new socket, and a resend of all
  // that is unacknowledged (the collector drops what it already stored).
  std::string error;
  if (!connect(error) && last_error_.empty()) last_error_ = error;
  spool_->rewind();
  ++resends_;
  last_progress_ = now;
}

void ZmqOutput::wait_and_pump(int ms) {
  if (socket_) {
    zmq_pollitem_t item{socket_->handle(), 0, ZMQ_POLLIN, 0};
    (void)zmq_poll(&item, 1, ms);
  }
  pump();
  check_timeout(Clock::now());
}

void ZmqOutput::send_heartbeat(bool ended) {
  if (!socket_ || config_.probe.empty()) return;
  std::string json = "{\"time\":\"" + format_rfc3339(Timestamp{wall_us()}) +
                     "\",\"interval\":" +
                     std::to_string(config_.heartbeat_interval.count() / 1000) +
                     ",\"ended\":" + (ended ? "true" : "false");
  if (config_.health != nullptr) {
    const auto& h = *config_.health;
    json += ",\"capture\":{\"packets\":" + std::to_string(h.packets.load()) +
            ",\"kernel_drops\":" + std::to_string(h.kernel_drops.load()) +
            ",\"interface_drops\":" + std::to_string(h.interface_drops.load()) +
            ",\"worker_queue_drops\":" + std::to_string(h.worker_queue_drops.load()) + "}";
  }
  const SpoolLoss& lost = spool_->lost();
  json += ",\"spool\":{\"pending\":" + std::to_string(spool_->pending()) +
          ",\"lost_events\":" + std::to_string(lost.events) +
          ",\"lost_bytes\":" + std::to_string(lost.bytes) + "}}";
  const auto position = wire::encode_position(config_.run, last_seq_);
  try {
    // Only on an established connection (ZMQ_IMMEDIATE): a heartbeat for nobody is dropped.
    if (!socket_->send(zmq::buffer(wire::kHeartbeatProtocol),
                       zmq::send_flags::dontwait | zmq::send_flags::sndmore))
      return;
    (void)socket_->send(zmq::buffer(config_.probe), zmq::send_flags::sndmore);
    (void)socket_->send(zmq::buffer(position), zmq::send_flags::sndmore);
    (void)socket_->send(zmq::buffer(json), zmq::send_flags::none);
  } catch (const zmq::error_t&) {
    // The next one will tell.
  }
}

void ZmqOutput::write(std::string_view probe, std::uint64_t run, std::uint64_t seq,
                      std::string_view line) {
  last_seq_ = seq;
  if (closed_) {
    ++counters_.dropped;
    return;
  }
  if (config_.block_when_full && !spool_->fits(line.size())) {
    // A replay waits for the collector to make room; a collector that stays away leaves the
    // spool's policy to apply.
    const auto deadline = Clock::now() + config_.block_timeout;
    while (!spool_->fits(line.size()) && Clock::now() < deadline) wait_and_pump(20);
  }
  if (spool_->append(probe, run, seq, wall_us(), line)) {
    ++counters_.written;
  } else if (!spool_->error().empty() && last_error_.empty()) {
    last_error_ = describe() + ": " + spool_->error();
  }
  pump();
}

void ZmqOutput::flush() {
  if (closed_) return;
  pump();
  const auto now = Clock::now();
  if (config_.heartbeat_interval.count() > 0 && now >= next_heartbeat_) {
    send_heartbeat(false);
    next_heartbeat_ = now + config_.heartbeat_interval;
  }
  check_timeout(now);
  spool_->tick(now);
}

void ZmqOutput::close() {
  if (closed_) return;
  closed_ = true;
  const auto deadline = Clock::now() + config_.drain_timeout;
  // A refused handshake cannot turn into acknowledgements: stop waiting after one more try.
  auto refused_since = Clock::time_point::max();
  while (spool_->pending() > 0 && Clock::now() < deadline) {
    wait_and_pump(20);
    if (refused_.empty()) {
      refused_since = Clock::time_point::max();
    } else if (refused_since == Clock::time_point::max()) {
      refused_since = Clock::now();
    } else if (Clock::now() - refused_since > std::chrono::seconds(3)) {
      break;
    }
  }
  spool_->sync();
  publish_counters();
  // The last word of the run: how far its sequence went, so the collector can tell a tail gap
  // from a probe that merely stopped. A moment for it to leave before the socket closes.
  if (config_.heartbeat_interval.count() > 0 && socket_) {
    send_heartbeat(true);
    socket_->set(zmq::sockopt::linger, 200);
  }
  const std::string where = describe();
  const SpoolLoss& lost = spool_->lost();
  std::string problem;
  if (spool_->pending() > 0)
    problem = (refused_.empty() ? "" : refused_ + ": ") + std::to_string(spool_->pending()) +
              " events (" + std::to_string(spool_->pending_bytes()) + " bytes) not acknowledged" +
              (refused_.empty() ? " within " + seconds(config_.drain_timeout) : "") +
              " stay in spool " + spool_->dir().string() + " and are sent at the next start";
  if (lost.events > 0)
    problem += (problem.empty() ? "" : "; ") + std::string("spool full: ") +
               std::to_string(lost.events) + " events (" + std::to_string(lost.bytes) +
               " bytes, spooled between " + std::to_string(lost.first_us) + " and " +
               std::to_string(lost.last_us) + " us since the epoch) were lost";
  if (!problem.empty()) last_error_ = where + ": " + problem;
  monitor_.reset();
  socket_.reset();
  context_.close();
}

std::string ZmqOutput::describe() const { return "collector " + config_.endpoint; }

}  // namespace limen::output
