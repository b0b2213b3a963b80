#include "probe/output/output_stage.h"

#include <pthread.h>

#include <charconv>

namespace limen::output {

void EventProducer::emit(const events::EncodedEvent& event) {
  const RingRecord record{event.json, event.insert_at, event.code};
  if (event.json.size() > ring_.max_json()) {
    ++counters_.oversize;
    return;
  }
  if (!ring_.try_push(record)) {
    if (!wait_when_full_) {
      ++counters_.dropped;
      return;
    }
    ++counters_.waits;
    ring_.publish_and_wake();
    while (true) {
      const auto ticket = ring_.room_bell().ticket();
      if (ring_.try_push(record)) {
        ring_.room_bell().cancel();
        break;
      }
      ring_.room_bell().wait(ticket, std::chrono::milliseconds(100));
    }
  }
  ++counters_.events;
}

void EventProducer::sync() {
  if (!wait_when_full_) {
    ring_.publish_and_wake();  // live capture never waits for an output
    return;
  }
  drain();
}

void EventProducer::drain() {
  ring_.publish_and_wake();
  while (!ring_.drained()) {
    const auto ticket = ring_.room_bell().ticket();
    if (ring_.drained()) {
      ring_.room_bell().cancel();
      break;
    }
    ring_.room_bell().wait(ticket, std::chrono::milliseconds(100));
  }
}

OutputStage::OutputStage(std::string probe_name, std::uint64_t run)
    : probe_(std::move(probe_name)), run_(run) {
  events::ByteBuffer b;
  b.append(",\"probe\":");
  events::append_json_string(b, probe_);
  b.append(",\"seq\":");
  probe_json_.assign(b.data(), b.size());
}

OutputStage::~OutputStage() {
  stop();
}

void OutputStage::add_output(std::unique_ptr<EventOutput> out, events::EventTypeSet types) {
  auto o = std::make_unique<Output>();
  o->out = std::move(out);
  o->types = types;
  o->name = o->out->describe();
  outputs_.push_back(std::move(o));
}

EventProducer& OutputStage::add_producer(std::size_t ring_bytes, bool wait_when_full) {
  producers_.push_back(std::make_unique<EventProducer>(ring_bytes, wait_when_full, data_bell_));
  return *producers_.back();
}

void OutputStage::start() {
  if (started_) return;
  started_ = true;
  thread_ = std::thread([this] { run_thread(); });
  // Named so that top, perf and gdb tell it from the workers (at most 15 characters).
  pthread_setname_np(thread_.native_handle(), "limen-output");
}

void OutputStage::stop() {
  if (started_) {
    stopping_.store(true);
    data_bell_.ring();
    thread_.join();
    started_ = false;
  } else {
    drain();  // never started (an error before the first packet): still write what is queued
  }
  for (auto& o : outputs_) {
    if (o->out) o->out->close();
  }
}

// A stats event's "outputs" member: what each output had written and dropped before it. Only
// this thread knows that, so it is added here, as the last member of the stats object.
void OutputStage::write_outputs_member(std::string_view stats_json) {
  outputs_json_.clear();
  const std::string_view ending = "}}";
  if (!stats_json.ends_with(ending)) return;
  events::JsonWriter w(outputs_json_);
  outputs_json_.append(",\"outputs\":");
  w.begin_array();
  for (const auto& o : outputs_) {
    w.begin_object();
    w.key("name");
    w.string(o->name);
    w.key("written");
    w.uint(o->out->counters().written.load(std::memory_order_relaxed));
    w.key("dropped");
    w.uint(o->out->counters().dropped.load(std::memory_order_relaxed));
    if (o->out->counters().acknowledges) {
      w.key("acknowledged");
      w.uint(o->out->counters().acknowledged.load(std::memory_order_relaxed));
      w.key("pending");
      w.uint(o->out->counters().pending.load(std::memory_order_relaxed));
    }
    w.end_object();
  }
  w.end_array();
  outputs_json_.append(ending);
}

void OutputStage::deliver(const RingRecord& r) {
  handled_.fetch_add(1, std::memory_order_relaxed);
  std::string_view body = r.json.substr(r.insert_at);
  std::string_view tail;  // a stats event's outputs member and closing braces, in place of its own
  if (r.code == events::kStatsEvent) {
    write_outputs_member(r.json);
    tail = outputs_json_.view();
    if (!tail.empty()) body.remove_suffix(2);
  }
  for (auto& o : outputs_) {
    if (!o->types.has(r.code)) continue;
    const std::uint64_t seq = o->seq.load(std::memory_order_relaxed) + 1;
    o->seq.store(seq, std::memory_order_relaxed);
    line_.clear();
    line_.append(r.json.substr(0, r.insert_at));
    line_.append(probe_json_);
    events::append_json_uint(line_, seq);
    line_.append(body);
    if (!tail.empty()) line_.append(tail);  // a null view may not reach memcpy
    o->out->write(probe_, run_, seq, line_.view());
  }
}

bool OutputStage::drain() {
  std::size_t n = 0;
  for (auto& p : producers_) n += p->ring().consume([this](const RingRecord& r) { deliver(r); });
  return n != 0;
}

void OutputStage::flush_all() {
  for (auto& o : outputs_) o->out->flush();
}

void OutputStage::run_thread() {
  for (auto& p : producers_)
    for (std::size_t step = 0; !stopping_.load() && p->ring().prefault(step); ++step) {
    }
  bool dirty = false;
  auto last_flush = std::chrono::steady_clock::now();
  while (true) {
    const bool stopping = stopping_.load();
    if (drain()) dirty = true;
    const auto now = std::chrono::steady_clock::now();
    // Events reach the file within the flush interval in live capture, yet a busy replay does
    // not pay a write system call per burst.
    if (dirty && now - last_flush >= kFlushInterval) {
      flush_all();
      dirty = false;
      last_flush = now;
    }
    if (stopping) break;
    const auto ticket = data_bell_.ticket();
    bool ready = stopping_.load();
    for (auto& p : producers_) ready = ready || p->ring().has_published();
    if (ready) {
      data_bell_.cancel();
      continue;
    }
    data_bell_.wait(ticket, kPollInterval);
  }
  drain();
  flush_all();
}

}  // namespace limen::output
