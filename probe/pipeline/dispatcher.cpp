#include "probe/pipeline/dispatcher.h"

#include <pthread.h>

#include <chrono>
#include <cstring>
#include <string_view>

#include "probe/output/doorbell.h"
#include "probe/output/event_ring.h"
#include "probe/pipeline/fan_out.h"

namespace limen::pipeline {
namespace {

enum Code : std::uint8_t { kPacket = 0, kAdvance = 1, kStats = 2, kFinish = 3 };

// What travels with each packet through a worker's ring, ahead of its bytes.
struct PacketHead {
  std::int64_t ts = 0;
  std::int64_t now = 0;
  std::uint64_t number = 0;
  std::uint32_t wire_length = 0;
  std::uint8_t link = 0;
};
static_assert(std::is_trivially_copyable_v<PacketHead>);
static_assert(std::is_trivially_copyable_v<StatsMark>);

// A worker publishes its events to the output stage at least this often (in packets).
constexpr std::size_t kWorkerBurst = 64;
// A worker with nothing to do sleeps on its doorbell, and looks again after this long anyway:
// the dispatcher wakes it only once a sixteenth of the ring has filled (or at a control record).
constexpr std::chrono::milliseconds kWorkerPoll{20};

template <class T>
std::string_view bytes_of(const T& v) {
  return {reinterpret_cast<const char*>(&v), sizeof v};
}

template <class T>
T read_as(std::string_view bytes) {
  T v{};
  std::memcpy(&v, bytes.data(), std::min(sizeof v, bytes.size()));
  return v;
}

}  // namespace

struct Dispatcher::Lane {
  std::unique_ptr<classify::NdpiClassifier> classifier;
  output::EventProducer* events = nullptr;
  std::unique_ptr<Worker> worker;
  // N workers only.
  output::Doorbell bell;
  std::unique_ptr<output::EventRing> ring;
  std::thread thread;
  std::uint64_t drops = 0;         // live: packets dropped for want of room (dispatcher's)
  StatsSnapshot final_snapshot;    // written by the worker's thread before it ends
};

Dispatcher::Dispatcher(const DispatcherConfig& config, std::size_t workers)
    : config_(config), board_(workers) {}

Dispatcher::~Dispatcher() {
  stop_threads();
}

std::unique_ptr<Dispatcher> Dispatcher::create(const DispatcherConfig& config,
                                               std::shared_ptr<const rules::RuleProgram> program,
                                               std::unique_ptr<classify::NdpiClassifier> first,
                                               output::OutputStage& stage, std::string& error) {
  const std::size_t n = std::max<std::size_t>(1, config.workers);
  std::unique_ptr<Dispatcher> d(new Dispatcher(config, n));
  // Building an nDPI module takes tens of milliseconds (its host lists, its automata): the
  // other workers' are built at once, each on a thread of its own.
  std::vector<std::unique_ptr<classify::NdpiClassifier>> classifiers(n);
  std::vector<std::string> errors(n);
  classifiers[0] = std::move(first);
  {
    std::vector<std::thread> builders;
    for (std::size_t i = 0; i < n; ++i)
      if (!classifiers[i])
        builders.emplace_back([&, i] {
          classifiers[i] = classify::NdpiClassifier::create(config.classifier, errors[i]);
        });
    for (auto& t : builders) t.join();
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!classifiers[i]) {
      error = errors[i];
      return nullptr;
    }
    auto lane = std::make_unique<Lane>();
    lane->classifier = std::move(classifiers[i]);
    lane->events = &stage.add_producer(config.event_ring_bytes, config.lossless);
    lane->worker = std::make_unique<Worker>(config.worker, program, *lane->classifier,
                                            *lane->events);
    if (n > 1) lane->ring = std::make_unique<output::EventRing>(config.packet_ring_bytes, lane->bell);
    d->lanes_.push_back(std::move(lane));
  }
  d->health_ = &stage.capture_health();
  return d;
}

void Dispatcher::start() {
  if (lanes_.size() == 1) return;
  for (std::size_t i = 0; i < lanes_.size(); ++i) {
    Lane& lane = *lanes_[i];
    lane.thread = std::thread([this, &lane, i] { run(lane, board_, i); });
    const std::string name = "limen-worker-" + std::to_string(i);
    pthread_setname_np(lane.thread.native_handle(), name.substr(0, 15).c_str());
  }
}

void Dispatcher::set_source(capture::PacketSource* source) {
  source_ = source;
  if (source == nullptr) return;
  const decode::LinkType link = source->link_type();
  link_ = link;
  clock_.new_input();
  if (lanes_.size() == 1) lanes_.front()->worker->set_link_type(link);
}

void Dispatcher::on_packet(const capture::RawPacket& raw) {
  const PacketTime time = clock_.admit(raw.ts);
  if (lanes_.size() == 1) {
    lanes_.front()->worker->process(raw, time);
    return;
  }
  Lane& lane = *lanes_[worker_of(fan_out_key(link_, raw.data, config_.seed), lanes_.size())];
  const PacketHead head{time.ts.usec, time.now.usec, time.number, raw.wire_length,
                        static_cast<std::uint8_t>(link_)};
  const std::string_view body(reinterpret_cast<const char*>(raw.data.data()), raw.data.size());
  output::EventRing& ring = *lane.ring;
  if (ring.try_push(bytes_of(head), body, kPacket)) return;
  if (!config_.lossless) {
    ++lane.drops;
    return;
  }
  ring.publish_and_wake();
  while (true) {
    const auto ticket = ring.room_bell().ticket();
    if (ring.try_push(bytes_of(head), body, kPacket)) {
      ring.room_bell().cancel();
      return;
    }
    ring.room_bell().wait(ticket, std::chrono::milliseconds(100));
  }
}

void Dispatcher::broadcast(std::uint8_t code, const void* body, std::size_t size) {
  const std::string_view bytes(static_cast<const char*>(body), size);
  for (auto& lane : lanes_) {
    output::EventRing& ring = *lane->ring;
    while (true) {
      const auto ticket = ring.room_bell().ticket();
      if (ring.try_push(bytes, {}, code)) {
        ring.room_bell().cancel();
        break;
      }
      ring.publish_and_wake();
      ring.room_bell().wait(ticket, std::chrono::milliseconds(100));
    }
    ring.publish_and_wake();
  }
}

void Dispatcher::end_of_burst() {
  if (lanes_.size() == 1)
    lanes_.front()->worker->end_of_burst();
  else
    for (auto& lane : lanes_) lane->ring->publish();
  stats_point_if_due();
  publish_health();
}

void Dispatcher::publish_health() {
  if (health_ == nullptr) return;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_health_) return;
  next_health_ = now + std::chrono::seconds(1);
  health_->packets.store(clock_.packets(), std::memory_order_relaxed);
  health_->worker_queue_drops.store(queue_drops(), std::memory_order_relaxed);
  if (source_ != nullptr) {
    const auto capture = source_->stats();
    health_->kernel_drops.store(capture.kernel_drops, std::memory_order_relaxed);
    health_->interface_drops.store(capture.interface_drops, std::memory_order_relaxed);
  }
}

void Dispatcher::idle(Timestamp now) {
  clock_.advance(now);
  if (lanes_.size() == 1) {
    Worker& w = *lanes_.front()->worker;
    w.advance(clock_.now());
    w.end_of_burst();
  } else {
    const std::int64_t usec = clock_.now().usec;
    broadcast(kAdvance, &usec, sizeof usec);
  }
  stats_point_if_due();
  publish_health();
}

StatsMark Dispatcher::mark(bool final, const capture::CaptureStats& capture) const {
  StatsMark m;
  m.now = clock_.now();
  m.first = clock_.first();
  m.started = clock_.started();
  m.final = final;
  m.time_jumps = clock_.time_jumps();
  m.workers = static_cast<std::uint32_t>(lanes_.size());
  m.queue_drops = queue_drops();
  m.capture = capture;
  return m;
}

void Dispatcher::stats_point_if_due() {
  if (config_.stats_interval_usec <= 0 || !clock_.started()) return;
  if (!stats_armed_) {
    next_stats_ = Timestamp{clock_.first().usec + config_.stats_interval_usec};
    stats_armed_ = true;
  }
  if (clock_.now() < next_stats_) return;
  // Whole intervals with no packets are skipped rather than written as a burst of stale stats.
  while (next_stats_ <= clock_.now()) next_stats_.usec += config_.stats_interval_usec;
  const StatsMark m = mark(false, source_ != nullptr ? source_->stats() : capture::CaptureStats{});
  if (lanes_.size() == 1)
    lanes_.front()->worker->stats_point(board_, 0, m);
  else
    broadcast(kStats, &m, sizeof m);
}

std::uint64_t Dispatcher::queue_drops() const {
  std::uint64_t n = 0;
  for (const auto& lane : lanes_) n += lane->drops;
  return n;
}

void Dispatcher::finish(const capture::CaptureStats& capture) {
  if (finished_) return;
  finished_ = true;
  // The run's last heartbeat reports the whole capture.
  next_health_ = {};
  publish_health();
  if (health_ != nullptr) {
    health_->kernel_drops.store(capture.kernel_drops, std::memory_order_relaxed);
    health_->interface_drops.store(capture.interface_drops, std::memory_order_relaxed);
  }
  const StatsMark m = mark(true, capture);
  if (lanes_.size() == 1) {
    total_ = lanes_.front()->worker->end_run(m.now);
  } else {
    broadcast(kFinish, &m, sizeof m);
    stop_threads();
    total_ = lanes_.front()->final_snapshot;
    for (std::size_t i = 1; i < lanes_.size(); ++i) total_ += lanes_[i]->final_snapshot;
    // The final stats event comes after every other event of the run: each worker's last
    // events reach the outputs before it is written.
    for (auto& lane : lanes_) lane->events->drain();
  }
  Worker& first = *lanes_.front()->worker;
  first.write_stats_event(total_, m);
  lanes_.front()->events->publish();
}

void Dispatcher::stop_threads() {
  if (!finished_) {
    // Destroyed without finish() (an error on the way): the threads must still end.
    for (auto& lane : lanes_)
      if (lane->thread.joinable()) {
        const StatsMark m{};
        broadcast(kFinish, &m, sizeof m);
        break;
      }
  }
  for (auto& lane : lanes_)
    if (lane->thread.joinable()) lane->thread.join();
}

void Dispatcher::run(Lane& lane, StatsBoard& board, std::size_t slot) {
  Worker& worker = *lane.worker;
  output::EventRing& ring = *lane.ring;
  bool done = false;
  std::size_t since_publish = 0;
  auto handle = [&](const output::RingRecord& r) {
    switch (r.code) {
      case kPacket: {
        const auto head = read_as<PacketHead>(r.json);
        const std::string_view frame = r.json.substr(sizeof head);
        const auto link = static_cast<decode::LinkType>(head.link);
        if (link != worker.link_type()) worker.set_link_type(link);
        const capture::RawPacket raw{
            Timestamp{head.ts}, head.wire_length,
            {reinterpret_cast<const std::uint8_t*>(frame.data()), frame.size()}};
        worker.process(raw, PacketTime{Timestamp{head.ts}, Timestamp{head.now}, head.number});
        if (++since_publish == kWorkerBurst) {
          worker.end_of_burst();
          since_publish = 0;
        }
        break;
      }
      case kAdvance:
        worker.advance(Timestamp{read_as<std::int64_t>(r.json)});
        break;
      case kStats:
        worker.stats_point(board, slot, read_as<StatsMark>(r.json));
        break;
      case kFinish:
        lane.final_snapshot = worker.end_run(read_as<StatsMark>(r.json).now);
        done = true;
        break;
      default:
        break;
    }
  };
  // The ring's pages are backed here, by the consumer, a step at a time while it has nothing
  // else to do: otherwise the dispatcher would pay a page fault per 2 MiB of its first lap, on
  // the one thread every packet goes through.
  std::size_t prefault_step = 0;
  bool prefaulting = true;
  while (!done) {
    if (ring.consume(handle) != 0) {
      worker.end_of_burst();
      since_publish = 0;
      continue;
    }
    if (prefaulting) {
      prefaulting = ring.prefault(prefault_step++);
      continue;
    }
    const auto ticket = lane.bell.ticket();
    if (ring.has_published()) {
      lane.bell.cancel();
      continue;
    }
    lane.bell.wait(ticket, kWorkerPoll);
  }
}

}  // namespace limen::pipeline
