// --mode mix: the realistic capture. Sessions arrive at random (uniform gaps around a mean),
// each drawn from a weighted table of kinds, beside a set of industrial connections that stay up
// for the whole capture; a scheduler runs every session's next step in time order. When the
// file nears its size the arrivals stop and the sessions close at their next step, so almost
// every connection ends with its FIN exchange; the few frames that would cross the limit are
// dropped (and counted).

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <vector>

#include "bench/synth/emitter.h"
#include "bench/synth/pcap_writer.h"
#include "bench/synth/session.h"
#include "modes.h"

namespace limen::bench {
namespace {

enum class Kind : std::uint8_t {
  kDns,
  kHttp,
  kTls,
  kSsh,
  kModbus,
  kDnp3,
  kIec104,
  kS7comm,
  kEnip,
  kCount
};
constexpr std::array<const char*, static_cast<std::size_t>(Kind::kCount)> kKindNames = {
    "dns", "http", "tls", "ssh", "modbus", "dnp3", "iec104", "s7comm", "enip"};
// Arrivals per hundred. DNS and TLS are most of an office's connections; HTTP carries most of
// the large downloads; the industrial ones are short-lived polls beside the persistent ones.
constexpr std::array<std::uint32_t, static_cast<std::size_t>(Kind::kCount)> kWeights = {
    38, 12, 28, 1, 8, 3, 3, 4, 3};
// Industrial connections up from the start to the end of the capture, per kind.
constexpr std::array<std::uint32_t, 5> kPersistent = {60, 25, 25, 25, 25};
constexpr std::uint64_t kMeanArrivalGapUs = 1500;
constexpr std::size_t kNoiseBytes = std::size_t{4} << 20;

Kind draw_kind(Rng& rng) {
  std::uint32_t r = rng.between32(0, 99);
  for (std::size_t k = 0; k < kWeights.size(); ++k) {
    if (r < kWeights[k]) return static_cast<Kind>(k);
    r -= kWeights[k];
  }
  return Kind::kDns;
}

IcsKind ics_kind(Kind k) {
  return static_cast<IcsKind>(static_cast<std::uint8_t>(k) -
                              static_cast<std::uint8_t>(Kind::kModbus));
}

std::unique_ptr<Session> make_session(SessionContext& ctx, Kind kind) {
  switch (kind) {
    case Kind::kDns:
      return make_dns_lookup(ctx);
    case Kind::kHttp:
      return make_web_session(ctx, false);
    case Kind::kTls:
      return make_web_session(ctx, true);
    case Kind::kSsh:
      return make_ssh_session(ctx);
    default:
      break;
  }
  return make_ics_session(ctx, ics_kind(kind), ctx.rng.log_between(kSecond, 120 * kSecond));
}

// Sessions waiting for their next step, in (time, arrival order).
class Scheduler {
 public:
  void add(std::unique_ptr<Session> s, std::uint64_t at) {
    std::uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
      sessions_[slot] = std::move(s);
    } else {
      slot = static_cast<std::uint32_t>(sessions_.size());
      sessions_.push_back(std::move(s));
    }
    push(slot, at);
  }
  [[nodiscard]] bool empty() const { return heap_.empty(); }
  [[nodiscard]] std::uint64_t next_time() const { return heap_.empty() ? kDone : heap_.front().at; }
  // Runs the earliest session's step, after the emitter has written everything before it.
  void run_next(SessionContext& ctx) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    const Entry e = heap_.back();
    heap_.pop_back();
    ctx.out.advance(e.at);
    const std::uint64_t next = sessions_[e.slot]->step(ctx, e.at);
    if (next == kDone) {
      sessions_[e.slot].reset();
      free_.push_back(e.slot);
    } else {
      push(e.slot, next);
    }
  }

 private:
  struct Entry {
    std::uint64_t at;
    std::uint64_t order;
    std::uint32_t slot;
  };
  static bool later(const Entry& a, const Entry& b) {
    return a.at != b.at ? a.at > b.at : a.order > b.order;
  }
  void push(std::uint32_t slot, std::uint64_t at) {
    heap_.push_back({at, order_++, slot});
    std::push_heap(heap_.begin(), heap_.end(), later);
  }
  std::vector<std::unique_ptr<Session>> sessions_;
  std::vector<std::uint32_t> free_;
  std::vector<Entry> heap_;
  std::uint64_t order_ = 0;
};

}  // namespace

int run_mix(const MixOptions& o) {
  Rng rng(o.seed);
  const Site site(rng.next());
  std::vector<std::uint8_t> noise(kNoiseBytes);
  rng.fill(noise);

  PcapWriter writer(o.out, kLinkEthernet, kSnaplen);
  Emitter emitter(writer, o.size);
  SessionContext ctx{emitter, rng, site, noise};
  Scheduler scheduler;
  std::array<std::uint64_t, static_cast<std::size_t>(Kind::kCount)> started{};

  std::uint64_t t = kStartUs;
  for (std::size_t k = 0; k < kPersistent.size(); ++k) {
    for (std::uint32_t i = 0; i < kPersistent[k]; ++i) {
      const auto kind = static_cast<Kind>(static_cast<std::size_t>(Kind::kModbus) + k);
      // The start time first, then the session: one draw per statement (see session.h).
      const std::uint64_t start = t + rng.below(2 * kSecond);
      scheduler.add(make_ics_session(ctx, ics_kind(kind), kDone), start);
      ++started[static_cast<std::size_t>(kind)];
    }
  }
  // Stop the arrivals with a twentieth of the file left for what is still under way.
  const std::uint64_t wind_down_at = o.size - o.size / 20;
  std::uint64_t next_arrival = t;
  while (!emitter.full()) {
    if (!ctx.winding_down && writer.bytes() >= wind_down_at) ctx.winding_down = true;
    if (!ctx.winding_down && next_arrival <= scheduler.next_time()) {
      emitter.advance(next_arrival);
      const Kind kind = draw_kind(rng);
      scheduler.add(make_session(ctx, kind), next_arrival);
      ++started[static_cast<std::size_t>(kind)];
      next_arrival += rng.between(0, 2 * kMeanArrivalGapUs);
      continue;
    }
    if (scheduler.empty()) break;
    scheduler.run_next(ctx);
  }
  emitter.drain();
  writer.close();

  std::uint64_t sessions = 0;
  for (auto n : started) sessions += n;
  std::fprintf(stderr,
               "limen-bench-generate: %s: %llu packets, %llu bytes, %.1f s of traffic, "
               "%llu sessions (",
               o.out.c_str(), static_cast<unsigned long long>(writer.packets()),
               static_cast<unsigned long long>(writer.bytes()),
               static_cast<double>(emitter.last_written() - kStartUs) / 1e6,
               static_cast<unsigned long long>(sessions));
  for (std::size_t k = 0; k < started.size(); ++k) {
    std::fprintf(stderr, "%s%s %llu", k == 0 ? "" : ", ", kKindNames[k],
                 static_cast<unsigned long long>(started[k]));
  }
  std::fprintf(stderr, "); %llu frames past the size limit dropped\n",
               static_cast<unsigned long long>(emitter.dropped()));
  return 0;
}

}  // namespace limen::bench
