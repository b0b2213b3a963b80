#include "collector/receiver.h"

#include <cerrno>
#include <chrono>
#include <string_view>

#include "common/printable.h"

namespace limen::collector {
namespace {

// An event frame is at most wire::kMaxEventBytes; a peer sending frames far beyond that is
// disconnected by ZeroMQ before the bytes are buffered. Slightly oversized events still arrive
// and are counted as invalid envelopes.
constexpr std::int64_t kMaxFrameBytes = 2 * static_cast<std::int64_t>(wire::kMaxEventBytes);
// Probes block rather than drop when this many messages wait (PUSH applies back-pressure).
constexpr int kReceiveHighWaterMark = 100'000;
// Upper bound on the wait between checks of the stop flag when no signal interrupts the poll.
constexpr long kMaxPollMs = 200;
// How long the final drain listens for stragglers already in flight, and its overall cap, so a
// probe that never stops sending cannot hold the shutdown forever.
constexpr long kDrainQuietMs = 100;
constexpr auto kDrainCap = std::chrono::seconds(5);
// Messages taken in one go before the loop looks at the batch clock and the stop flag again.
constexpr std::size_t kBurst = 1024;
// At most this many problem lines per window; the rest are counted, and the count is logged
// when the next window opens. A peer retrying forever cannot flood the log, and a problem weeks
// later is still logged.
constexpr std::uint64_t kLogPerWindow = 20;
constexpr auto kLogWindow = std::chrono::seconds(60);

std::int64_t wall_clock_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

std::string zmq_error() { return zmq_strerror(zmq_errno()); }

}  // namespace

Receiver::Receiver(Store& store)
    : store_(store), wall_clock_(wall_clock_us), started_us_(wall_clock_us()) {
  for (auto& part : parts_) zmq_msg_init(&part);
  zmq_msg_init(&overflow_);
}

Receiver::~Receiver() {
  for (auto& part : parts_) zmq_msg_close(&part);
  zmq_msg_close(&overflow_);
  if (socket_ != nullptr) zmq_close(socket_);
  auth_.reset();  // its sockets too must be closed before the context ends
  if (context_ != nullptr) zmq_ctx_term(context_);
}

std::unique_ptr<Receiver> Receiver::bind(const std::string& endpoint, Store& store,
                                         ReceiverSecurity security, std::string& error) {
  std::unique_ptr<Receiver> r(new Receiver(store));
  r->context_ = zmq_ctx_new();
  if (r->context_ != nullptr) r->socket_ = zmq_socket(r->context_, ZMQ_ROUTER);
  if (r->socket_ == nullptr) {
    error = "cannot create a ZeroMQ socket: " + zmq_error();
    return nullptr;
  }
  const int linger = 0;
  const int hwm = kReceiveHighWaterMark;
  const std::int64_t max_size = kMaxFrameBytes;
  zmq_setsockopt(r->socket_, ZMQ_LINGER, &linger, sizeof linger);
  zmq_setsockopt(r->socket_, ZMQ_RCVHWM, &hwm, sizeof hwm);
  zmq_setsockopt(r->socket_, ZMQ_MAXMSGSIZE, &max_size, sizeof max_size);
  if (!security.plain_text) {
    if (!curve::available(error)) return nullptr;
    Receiver* self = r.get();
    r->auth_ = PeerAuth::start(
        r->context_, std::move(security.allow),
        [self](const std::string& problem) { self->report(problem); }, error);
    if (!r->auth_ || !r->auth_->watch(r->socket_, error)) return nullptr;
    const int server = 1;
    static constexpr std::string_view kDomain = "limen";
    if (zmq_setsockopt(r->socket_, ZMQ_CURVE_SERVER, &server, sizeof server) != 0 ||
        zmq_setsockopt(r->socket_, ZMQ_CURVE_SECRETKEY, security.key.secret_key.data(),
                       security.key.secret_key.size()) != 0 ||
        zmq_setsockopt(r->socket_, ZMQ_ZAP_DOMAIN, kDomain.data(), kDomain.size()) != 0) {
      error = "cannot set up CURVE on the socket: " + zmq_error();
      return nullptr;
    }
  }
  if (zmq_bind(r->socket_, endpoint.c_str()) != 0) {
    error = "cannot listen on " + endpoint + ": " + zmq_error();
    return nullptr;
  }
  std::array<char, 1024> bound{};
  std::size_t size = bound.size();
  if (zmq_getsockopt(r->socket_, ZMQ_LAST_ENDPOINT, bound.data(), &size) != 0) {
    error = "cannot read the endpoint bound for " + endpoint + ": " + zmq_error();
    return nullptr;
  }
  r->endpoint_ = std::string(bound.data());
  return r;
}

Receiver::Receive Receiver::receive_one(std::size_t& frames) {
  frames = 0;
  int more = 1;
  while (more != 0) {
    zmq_msg_t* target = frames < kKeptFrames ? &parts_[frames] : &overflow_;
    // Only the first frame may be absent; ZeroMQ delivers the rest of a message atomically.
    const int flags = frames == 0 ? ZMQ_DONTWAIT : 0;
    if (zmq_msg_recv(target, socket_, flags) < 0) {
      const int err = zmq_errno();
      if (frames == 0) {
        if (err == EAGAIN) return Receive::Empty;
        if (err == EINTR) return Receive::Interrupted;
        report("receive failed: " + zmq_error());
        return Receive::Error;
      }
      if (err == EINTR) continue;  // the rest of the message is still there
      report("receive failed inside a message: " + zmq_error());
      return Receive::Error;
    }
    ++frames;
    more = zmq_msg_more(target);
  }
  return Receive::Message;
}

void Receiver::handle(std::size_t frames) {
  ++counters_.messages;
  // The routing id is ZeroMQ's, always present on a ROUTER socket.
  const std::size_t payload = frames == 0 ? 0 : frames - 1;
  if (payload != wire::kFrameCount) {
    ++counters_.bad_frames;
    report("rejected message: expected " + std::to_string(wire::kFrameCount) + " frames, got " +
           std::to_string(payload));
    return;
  }
  const std::string_view peer(static_cast<const char*>(zmq_msg_data(&parts_[0])),
                              zmq_msg_size(&parts_[0]));
  std::array<std::string_view, wire::kFrameCount> views{};
  for (std::size_t i = 0; i < views.size(); ++i) {
    views[i] = std::string_view(static_cast<const char*>(zmq_msg_data(&parts_[i + 1])),
                                zmq_msg_size(&parts_[i + 1]));
  }
  if (views[0] == wire::kHeartbeatProtocol) {
    handle_heartbeat(views);
    return;
  }
  wire::Envelope envelope;
  if (const auto why = wire::decode(views, envelope); !why.empty()) {
    if (views[0] != wire::kProtocol) {
      ++counters_.bad_version;
    } else {
      ++counters_.bad_envelope;
    }
    report("rejected message: " + why);
    return;
  }
  if (const char* bound = nullptr; !sender_is(envelope.probe, bound)) {
    ++auth_->counters().wrong_name;
    report("refused event " + std::string(envelope.probe) + " run " +
           std::to_string(envelope.run) + " seq " + std::to_string(envelope.seq) +
           ": its sender's key is bound to '" + (bound == nullptr ? "" : bound) + "'");
    return;
  }
  const auto result = store_.add(envelope, Store::Clock::now(), wall_clock_());
  note_result(peer, envelope, result);
  if (result == AddResult::InvalidJson) {
    report("rejected event " + std::string(envelope.probe) + " run " +
           std::to_string(envelope.run) + " seq " + std::to_string(envelope.seq) +
           ": invalid JSON");
  } else if (result == AddResult::Failed) {
    report("event " + std::string(envelope.probe) + " seq " + std::to_string(envelope.seq) +
           " not stored: " + store_.last_error());
  }
}

std::uint64_t Receiver::drain(std::size_t limit) {
  std::uint64_t taken = 0;
  std::size_t frames = 0;
  while (limit == 0 || taken < limit) {
    const auto got = receive_one(frames);
    if (got == Receive::Interrupted) continue;
    if (got != Receive::Message) break;
    handle(frames);
    ++taken;
    commit_if_due();
  }
  return taken;
}

void Receiver::run(const std::atomic<bool>& stop, std::ostream* log) {
  log_ = log;
  zmq_pollitem_t item{socket_, 0, ZMQ_POLLIN, 0};
  // The authentication sockets are served in the same loop: a handshake waits for this thread.
  std::array<zmq_pollitem_t, 3> items{item, {}, {}};
  int count = 1;
  if (auth_) {
    items[1] = {auth_->zap_socket(), 0, ZMQ_POLLIN, 0};
    items[2] = {auth_->monitor_socket(), 0, ZMQ_POLLIN, 0};
    count = 3;
  }
  while (!stop.load()) {
    const auto wait = store_.time_until_due(Store::Clock::now()).count();
    const long timeout = wait < kMaxPollMs ? static_cast<long>(wait) : kMaxPollMs;
    const int ready = zmq_poll(items.data(), count, timeout);
    if (ready > 0 && auth_) {
      if ((items[1].revents & ZMQ_POLLIN) != 0) auth_->serve_zap();
      if ((items[2].revents & ZMQ_POLLIN) != 0) auth_->serve_monitor();
    }
    if (ready > 0 && (items[0].revents & ZMQ_POLLIN) != 0) (void)drain(kBurst);
    // ready < 0 is EINTR (a signal): the loop condition looks at the flag.
    commit_if_due();
  }
  // Shutdown: take everything queued, then keep listening briefly for messages already on the
  // wire (a probe that just exited may still have bytes in the kernel's buffers).
  const auto deadline = std::chrono::steady_clock::now() + kDrainCap;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auth_) {
      auth_->serve_zap();
      auth_->serve_monitor();
    }
    (void)drain(0);
    const int ready = zmq_poll(&item, 1, kDrainQuietMs);
    if (ready == 0 || (ready < 0 && zmq_errno() != EINTR)) break;
  }
  note_run();
  if (!store_.commit()) report("final commit failed: " + store_.last_error());
  // The probes that are still connected learn what is stored; the others resend it.
  settle();
}

bool Receiver::sender_is(std::string_view probe, const char*& bound) {
  if (!auth_) return true;
  // ZAP made the name bound to the sender's key this connection's User-Id.
  bound = zmq_msg_gets(&parts_[1], "User-Id");
  return bound != nullptr && probe == bound;
}

void Receiver::set_health(std::string collector_name, HealthOptions options) {
  name_ = std::move(collector_name);
  health_ = ProbeHealth(options);
  for (const auto& row : store_.load_health())
    health_.restore(row.name, row.heartbeat_us, row.ended, row.interval_s);
}

void Receiver::handle_heartbeat(const std::array<std::string_view, wire::kFrameCount>& views) {
  wire::Envelope hb;
  Heartbeat health;
  std::string why = wire::decode_heartbeat(views, hb);
  if (why.empty() && !parse_heartbeat(hb.event_json, health, why)) hb = {};
  if (!why.empty()) {
    ++counters_.bad_heartbeats;
    report("rejected heartbeat: " + why);
    return;
  }
  if (const char* bound = nullptr; !sender_is(hb.probe, bound)) {
    ++auth_->counters().wrong_name;
    report("refused heartbeat of " + std::string(hb.probe) + ": its sender's key is bound to '" +
           (bound == nullptr ? "" : bound) + "'");
    return;
  }
  ++counters_.heartbeats;
  const std::int64_t now_us = wall_clock_();
  health_.on_heartbeat(hb.probe, hb.run, health, now_us, health_findings_);
  const HealthRow row{std::string(hb.probe), hb.run,          hb.seq,
                      now_us,                health.probe_time_us, health.ended,
                      health.interval_s};
  if (!store_.save_health(row, hb.event_json, Store::Clock::now()))
    report("heartbeat of " + row.name + " not saved: " + store_.last_error());
  record(health_findings_);
}

void Receiver::record(std::vector<HealthFinding>& findings) {
  const std::int64_t now_us = wall_clock_();
  for (const auto& f : findings) {
    const std::string json = health_finding_json(f, name_, ++own_seq_, now_us);
    const wire::Envelope envelope{name_, static_cast<std::uint64_t>(started_us_), own_seq_, json};
    const auto result = store_.add(envelope, Store::Clock::now(), now_us);
    ++counters_.health_findings;
    if (log_ != nullptr) *log_ << "limen-collector: " << f.kind << ": " << printable(f.message) << '\n';
    if (result == AddResult::Failed)
      report(f.kind + " finding not stored: " + store_.last_error());
  }
  findings.clear();
}

void Receiver::check_health() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_health_check_) return;
  next_health_check_ = now + std::chrono::seconds(1);
  health_.check(wall_clock_(), health_findings_);
  record(health_findings_);
}

void Receiver::note_run() {
  const auto& a = auth_counters();
  store_.note_run(CollectorRun{started_us_, rejected(), a.unknown_key, a.handshake, a.wrong_name});
}

void Receiver::commit_if_due() {
  const auto now = Store::Clock::now();
  check_health();
  note_run();
  store_.prune_if_due(wall_clock_(), now);
  store_.commit_if_due(now);
  settle();
}

void Receiver::note_result(std::string_view peer, const wire::Envelope& envelope,
                           AddResult result) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) {
    if (peers_.size() >= kMaxPeers) return;
    it = peers_.emplace(std::string(peer), Peer{}).first;
  }
  Peer& p = it->second;
  const auto same = [&](const Position& pos) {
    return pos.run == envelope.run && pos.seq == envelope.seq && pos.probe == envelope.probe;
  };
  if (result == AddResult::Failed) {
    if (!p.held) p.held = Position{std::string(envelope.probe), envelope.run, envelope.seq};
    return;
  }
  if (p.held) {
    if (!same(*p.held)) return;
    p.held.reset();
  }
  if (!p.due) {
    p.first.emplace();
    p.first->probe.assign(envelope.probe);
    p.first->run = envelope.run;
    p.first->seq = envelope.seq;
    p.due.emplace();
  }
  p.due->probe.assign(envelope.probe);
  p.due->run = envelope.run;
  p.due->seq = envelope.seq;
}

void Receiver::settle() {
  const std::uint64_t commits = store_.commits();
  const bool committed = commits != commits_seen_;
  commits_seen_ = commits;
  if (!committed && store_.batch_open()) return;  // the batch is still open: nothing to say yet
  for (auto it = peers_.begin(); it != peers_.end();) {
    Peer& p = it->second;
    // Without a commit, a closed batch was rolled back: what it held is not stored.
    if (committed && p.due && p.first) {
      const auto position = wire::encode_position(p.due->run, p.due->seq);
      const auto first = wire::encode_position(p.first->run, p.first->seq);
      // Best effort: a peer gone, or one that reads no acknowledgement, resends after its
      // timeout, and the duplicate check keeps the store exact.
      if (zmq_send(socket_, it->first.data(), it->first.size(), ZMQ_SNDMORE | ZMQ_DONTWAIT) >=
              0 &&
          zmq_send(socket_, wire::kAckProtocol.data(), wire::kAckProtocol.size(),
                   ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0 &&
          zmq_send(socket_, p.due->probe.data(), p.due->probe.size(),
                   ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0 &&
          zmq_send(socket_, position.data(), position.size(), ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0 &&
          zmq_send(socket_, first.data(), first.size(), ZMQ_DONTWAIT) >= 0)
        ++counters_.acks;
    }
    p.due.reset();
    p.first.reset();
    if (p.held)
      ++it;
    else
      it = peers_.erase(it);
  }
}

void Receiver::report(const std::string& problem) {
  ++reported_;
  if (log_ == nullptr) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - log_window_start_ >= kLogWindow) {
    if (log_suppressed_ > 0)
      *log_ << "limen-collector: " << log_suppressed_ << " more problems were not logged ("
            << reported_ - 1 << " so far)\n";
    log_window_start_ = now;
    log_in_window_ = 0;
    log_suppressed_ = 0;
  }
  if (log_in_window_ >= kLogPerWindow) {
    ++log_suppressed_;
    return;
  }
  ++log_in_window_;
  // Problems quote what peers sent: escaped, so no peer can write to the terminal or forge a line.
  *log_ << "limen-collector: " << printable(problem) << '\n';
  if (log_in_window_ == kLogPerWindow)
    *log_ << "limen-collector: further problems this minute are counted, not logged\n";
}

std::uint64_t Receiver::rejected() const {
  return counters_.bad_frames + counters_.bad_version + counters_.bad_envelope +
         store_.counters().invalid_json;
}

const AuthCounters& Receiver::auth_counters() const {
  static const AuthCounters kNone;  // plain text: nothing is ever refused
  return auth_ ? auth_->counters() : kNone;
}

std::string Receiver::summary() const {
  const auto& s = store_.counters();
  const auto& a = auth_counters();
  auto n = [](std::uint64_t v) { return std::to_string(v); };
  return "received " + n(counters_.messages) + ", stored " + n(s.stored()) + " (findings " +
         n(s.findings) + ", flows " + n(s.flows) + ", stats " + n(s.stats) + ", other " +
         n(s.other) + "), duplicates " + n(s.duplicates) + ", gaps " + n(s.gaps) + ", late " +
         n(s.late) + ", rejected " + n(rejected()) + " (frames " + n(counters_.bad_frames) +
         ", version " + n(counters_.bad_version) + ", envelope " + n(counters_.bad_envelope) +
         ", json " + n(s.invalid_json) + "), failed " + n(s.failed) + ", pruned " + n(s.pruned) +
         ", acknowledgements " +
         n(counters_.acks) + ", refused " + n(a.refused()) + " (unknown key " + n(a.unknown_key) +
         ", handshake " + n(a.handshake) + ", wrong name " + n(a.wrong_name) + "), heartbeats " +
         n(counters_.heartbeats) + " (rejected " + n(counters_.bad_heartbeats) +
         "), probe health findings " + n(counters_.health_findings);
}

}  // namespace limen::collector
