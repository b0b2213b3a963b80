#pragma once
// FlowTable<State>: the bounded table of the flows one worker tracks, with the caller's per-flow
// State kept inline in each entry (no heap pointer per flow).
//
// Design (see README.md): the constructor reserves address space for max_flows slots and touches
// none of it (reserved_array.h); a slot's memory is faulted in when a flow first needs it, so
// start-up is instant and resident memory follows the peak number of flows, not max_flows. A
// power-of-two bucket array chains slots by index, hashed with seeded XXH3. Each live flow is on
// two intrusive lists: the idle list of its timeout class (TCP half-open, open and finished, UDP,
// other), ordered by last touch, and the age list ordered by start, for the active timeout. Both
// orders follow the table clock (the latest packet time seen), so each list head is the next to
// expire: expire() costs O(flows ended), never O(table). The same heads give the eviction victim
// of a full table in O(1): half-open TCP first, then finished TCP, then the longest idle.
//
// Invariants: no heap allocation after construction (a first use of a slot may fault in a page);
// active == created - ended; a flow is ended through on_end or on_evict exactly once per record
// (an active-timeout restart starts a new record); callbacks must not call back into the table.
// Not thread-safe: one table per worker.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <random>
#include <type_traits>

#include "common/timestamp.h"
#include "dissectors/packet/decoded_packet.h"
#include "dissectors/registry.h"
#include "probe/flow/flow_key.h"
#include "probe/flow/flow_types.h"
#include "probe/flow/index_list.h"
#include "probe/flow/reserved_array.h"
#include "probe/flow/tcp_state.h"

namespace limen::flow {

// A port on which a service listens: a well-known port, or one an application dissector is
// registered on (dissectors/registry.h).
constexpr bool is_service_port(std::uint8_t ip_proto, std::uint16_t port) {
  return port < 1024 || dissect::find_dissector(ip_proto, port) != nullptr;
}

template <class State>
class FlowTable {
  static_assert(std::is_default_constructible_v<State> && std::is_move_assignable_v<State>,
                "the per-flow state is default-constructed on create and reset on reuse");

 public:
  struct Entry {
    Flow flow;
    State state;
  };
  struct Hit {
    Entry* entry = nullptr;  // null: table full and nothing evicted, packet not tracked
    Direction dir = Direction::ToServer;
    bool created = false;  // a new flow (not an active-timeout restart)
  };
  using Counters = FlowCounters;

  // Reserves (without touching) memory for max_flows entries, at most 2^31; nothing is allocated
  // after this. Throws std::bad_alloc when the address space cannot be reserved.
  explicit FlowTable(const FlowConfig& config);
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  // Finds or creates the flow of this packet and accounts it (counters, last_seen, TCP state,
  // direction). `wire_bytes` = packet length on the wire. A SYN on a Closed/Reset TCP flow ends
  // the old flow (reason TcpClosed, reported by the next expire()) and starts a new one.
  //
  // A new flow in a full table, with FlowConfig::evict_when_full, takes the slot of the least
  // valuable flow: a port-reused flow waiting for its report first (it is over already), then the
  // least recently touched half-open TCP flow, then finished TCP flow, then flow of any class.
  // on_evict(Entry&, EndReason) is called exactly once for that flow, before its slot is reused,
  // with EndReason::Evicted (TcpClosed for the port-reused one); it must not call back into the
  // table, and any pointer to the victim's entry then denotes the new flow. Without eviction, or
  // with a table of 0 slots, the packet is not tracked: entry == nullptr, counted as overflow.
  template <class F>
  Hit track(const decode::DecodedPacket& p, Timestamp ts, std::uint32_t wire_bytes, F&& on_evict);
  // The same without a callback, and so without eviction whatever the configuration: ending a
  // flow silently would skip the caller's cleanup of its State. A full table counts overflow.
  Hit track(const decode::DecodedPacket& p, Timestamp ts, std::uint32_t wire_bytes) {
    auto none = [](Entry&, EndReason) {};
    return track_impl(p, ts, wire_bytes, false, none);
  }

  // The clock of the packet about to be tracked, and its number in the capture (ids are made
  // from it, so that they do not depend on which worker or table holds the flow). The clock is
  // the capture's, not this table's packets': a worker given a share of the flows sees the time
  // every flow of the capture sees, and its flows end when they would in one table.
  void advance(Timestamp now, std::uint64_t packet_number) {
    clock_ = std::max(clock_, now.usec);
    serial_ = packet_number;
  }
  // Some flow's timeout has passed (or a port-reused record waits for its report): expire()
  // would end something. Checked before each packet, so that a flow ends at the first packet
  // past its deadline, wherever the bursts happen to be cut.
  [[nodiscard]] bool due() const { return clock_ >= next_deadline_ || !ending_.empty(); }

  // Ends the flows whose timeout passed at `now` (packet time), in deadline order, calling
  // on_end(Entry&, EndReason) before freeing each. An active timeout calls on_end(ActiveTimeout)
  // and restarts the flow in place (same key and State, new id, zero counters). Cost: O(flows
  // ended or restarted), so it can run once per burst.
  template <class F>
  void expire(Timestamp now, F&& on_end);
  // Ends every flow (end of capture, shutdown), oldest first.
  template <class F>
  void flush(EndReason why, F&& on_end);

  // The slot of an entry of this table, in [0, capacity()): fixed for the flow's life (restarts
  // included) and taken by a later flow once it ended, so callers can key side arrays by it.
  [[nodiscard]] std::uint32_t index_of(const Entry& e) const {
    return static_cast<std::uint32_t>(entries_.index_of(e));
  }
  [[nodiscard]] const Counters& counters() const { return counters_; }
  [[nodiscard]] std::size_t capacity() const { return capacity_; }

 private:
  // Timeout classes, each with its own idle list (constant timeout, so ordered by deadline).
  enum Class : std::uint8_t { kTcpHalfOpen, kTcpOpen, kTcpFinished, kUdp, kOther, kClassCount };

  struct Slot {
    FlowKey key;
    std::uint64_t hash = 0;
    std::uint32_t chain = kNil;  // next slot in the bucket, or in the free list
    Link idle;                   // idle list of `cls`, or the ending list
    Link age;                    // age list
    std::int64_t touched = 0;    // table clock at the last packet
    std::int64_t started = 0;    // table clock at the start of the current record
    Class cls = kOther;
    EndReason ending = EndReason::TcpClosed;  // why, once on the ending list
    bool client_is_lo = true;
    bool fresh = false;  // restarted, no packet since: the next packet sets first_seen
    std::uint8_t fin_seen = 0;
  };

  auto idle_link() {
    return [this](std::uint32_t i) -> Link& { return slots_[i].idle; };
  }
  auto age_link() {
    return [this](std::uint32_t i) -> Link& { return slots_[i].age; };
  }
  // from + timeout (timeout >= 0), saturated so a far-future packet time cannot overflow.
  static std::int64_t deadline(std::int64_t from, std::int64_t timeout) {
    if (from > std::numeric_limits<std::int64_t>::max() - timeout)
      return std::numeric_limits<std::int64_t>::max();
    return from + timeout;
  }
  [[nodiscard]] Class class_of(const Flow& f) const {
    // Recomputed on every packet: a handshake that completes moves the flow from the half-open
    // list to the back of the open one (account()), keeping both lists in touch order.
    if (f.ip_proto == decode::kProtoTcp) {
      if (tcp_finished(f.tcp_state)) return kTcpFinished;
      return tcp_half_open(f.tcp_state) ? kTcpHalfOpen : kTcpOpen;
    }
    return f.ip_proto == decode::kProtoUdp ? kUdp : kOther;
  }

  static std::size_t bucket_count(std::size_t flows) {
    std::size_t n = 1;
    while (n < flows) n <<= 1;
    return n;
  }
  [[nodiscard]] std::size_t bucket_of(std::uint64_t hash) const {
    return static_cast<std::size_t>(hash & bucket_mask_);
  }
  std::uint32_t find(const FlowKey& key, std::uint64_t hash) const;
  template <class F>
  Hit track_impl(const decode::DecodedPacket& p, Timestamp ts, std::uint32_t wire_bytes,
                 bool evict, F& on_evict);
  // A slot for a new flow: a released one, a fresh one, or (`evict`) one made free by ending the
  // least valuable flow; kNil when none.
  template <class F>
  std::uint32_t take_slot(bool evict, F& on_evict);
  [[nodiscard]] std::uint32_t eviction_victim() const;
  void create(std::uint32_t i, const NormalisedKey& nk, std::uint64_t hash,
              const decode::DecodedPacket& p, Timestamp ts);
  void account(std::uint32_t i, bool src_is_lo, const decode::DecodedPacket& p, Timestamp ts,
               std::uint32_t wire_bytes, Direction& dir);
  // Takes slot i out of the index and every list (it stays allocated).
  void detach(std::uint32_t i);
  void release(std::uint32_t i);
  void restart(std::uint32_t i, std::int64_t at);
  template <class F>
  void end(std::uint32_t i, EndReason why, F& on_end);

  FlowConfig config_;
  std::array<std::int64_t, kClassCount> idle_timeout_{};
  std::uint32_t capacity_;
  // Slots [0, fresh_) have been used (their Entry and Slot constructed); released ones wait on
  // the free list, which is taken first so memory stays at the peak of live flows. The free list
  // is never threaded through unused slots: that would touch every page at start.
  ReservedArray<Entry> entries_;
  ReservedArray<Slot> slots_;
  std::uint32_t fresh_ = 0;
  std::uint32_t free_head_ = kNil;
  // Chain heads stored as slot index + 1, so the zero pages of the untouched reservation read as
  // empty chains and nothing is written at start (kNil + 1 wraps to 0). Sizing the array up as
  // the table fills would cost a rehash on the packet path; this costs only address space.
  ZeroedArray<std::uint32_t> buckets_;
  std::uint64_t bucket_mask_ = 0;
  std::uint64_t seed_ = 0;
  std::array<IndexList, kClassCount> idle_;
  IndexList age_;
  IndexList ending_;  // detached by port reuse; ended first by the next expire()/flush()
  std::int64_t clock_ = std::numeric_limits<std::int64_t>::min();
  // No deadline is earlier than this (it may be earlier than every real one: due() then finds
  // nothing to end and expire() recomputes it).
  std::int64_t next_deadline_ = std::numeric_limits<std::int64_t>::max();
  std::uint64_t serial_ = 0;
  Counters counters_;
};

// ---- implementation ------------------------------------------------------------------------

template <class State>
FlowTable<State>::FlowTable(const FlowConfig& config)
    : config_(config),
      capacity_(static_cast<std::uint32_t>(
          std::min<std::size_t>(config.max_flows, std::size_t{1} << 31))),
      entries_(capacity_),
      slots_(capacity_),
      buckets_(bucket_count(capacity_)),
      bucket_mask_(buckets_.size() - 1) {
  // A negative timeout means the same as 0 (end at the next expire), keeping deadlines sane.
  idle_timeout_[kTcpHalfOpen] = std::max<std::int64_t>(config.tcp_half_open_usec, 0);
  idle_timeout_[kTcpOpen] = std::max<std::int64_t>(config.tcp_idle_usec, 0);
  idle_timeout_[kTcpFinished] = std::max<std::int64_t>(config.tcp_closed_usec, 0);
  idle_timeout_[kUdp] = std::max<std::int64_t>(config.udp_idle_usec, 0);
  idle_timeout_[kOther] = std::max<std::int64_t>(config.other_idle_usec, 0);
  // A secret seed keeps chain lengths out of an attacker's hands; nothing observable (ids,
  // expiry order) depends on it.
  std::random_device rd;
  seed_ = (std::uint64_t{rd()} << 32) ^ rd();
}

template <class State>
std::uint32_t FlowTable<State>::find(const FlowKey& key, std::uint64_t hash) const {
  for (std::uint32_t i = buckets_[bucket_of(hash)] - 1U; i != kNil; i = slots_[i].chain) {
    if (slots_[i].hash == hash && slots_[i].key == key) return i;
  }
  return kNil;
}

template <class State>
template <class F>
typename FlowTable<State>::Hit FlowTable<State>::track(const decode::DecodedPacket& p,
                                                       Timestamp ts, std::uint32_t wire_bytes,
                                                       F&& on_evict) {
  return track_impl(p, ts, wire_bytes, config_.evict_when_full, on_evict);
}

template <class State>
template <class F>
typename FlowTable<State>::Hit FlowTable<State>::track_impl(const decode::DecodedPacket& p,
                                                            Timestamp ts,
                                                            std::uint32_t wire_bytes, bool evict,
                                                            F& on_evict) {
  clock_ = std::max(clock_, ts.usec);
  const NormalisedKey nk = normalise(p);
  const std::uint64_t hash = key_hash(nk.key, seed_);
  std::uint32_t i = find(nk.key, hash);

  if (i != kNil && p.ip_proto == decode::kProtoTcp && is_tcp_open(p.tcp_flags) &&
      tcp_finished(entries_[i].flow.tcp_state)) {
    // Port reuse: the old connection is over and a new one opens on the same key. The old record
    // cannot be reported from here (no callback), so it waits on the ending list.
    detach(i);
    slots_[i].ending = EndReason::TcpClosed;
    ending_.push_back(i, idle_link());
    ++counters_.port_reused;
    i = kNil;
  }

  Hit hit;
  if (i == kNil) {
    i = take_slot(evict, on_evict);
    if (i == kNil) {
      ++counters_.overflow;
      return hit;
    }
    create(i, nk, hash, p, ts);
    hit.created = true;
  }
  account(i, nk.src_is_lo, p, ts, wire_bytes, hit.dir);
  hit.entry = &entries_[i];
  return hit;
}

template <class State>
template <class F>
std::uint32_t FlowTable<State>::take_slot(bool evict, F& on_evict) {
  if (free_head_ == kNil && fresh_ < capacity_) {
    entries_.construct_next();
    slots_.construct_next();
    return fresh_++;
  }
  if (free_head_ == kNil && evict) {
    // Full: every slot is on an idle list or the ending list, so a victim exists unless the
    // table has no slot at all.
    if (!ending_.empty()) {
      const std::uint32_t v = ending_.front();
      ending_.unlink(v, idle_link());
      end(v, slots_[v].ending, on_evict);
    } else if (const std::uint32_t v = eviction_victim(); v != kNil) {
      detach(v);
      ++counters_.evicted;
      end(v, EndReason::Evicted, on_evict);
    }
  }
  const std::uint32_t i = free_head_;
  if (i != kNil) free_head_ = slots_[i].chain;
  return i;
}

template <class State>
std::uint32_t FlowTable<State>::eviction_victim() const {
  // A half-open flow is most likely a scan or a flood, and a finished one has nothing left to
  // say; either goes before a flow that may still carry data, however long that one was idle.
  for (const Class c : {kTcpHalfOpen, kTcpFinished})
    if (!idle_[c].empty()) return idle_[c].front();
  std::uint32_t victim = kNil;
  for (const IndexList& list : idle_) {
    if (list.empty()) continue;
    if (victim == kNil || slots_[list.front()].touched < slots_[victim].touched)
      victim = list.front();
  }
  return victim;
}

template <class State>
void FlowTable<State>::create(std::uint32_t i, const NormalisedKey& nk, std::uint64_t hash,
                              const decode::DecodedPacket& p, Timestamp ts) {
  Slot& s = slots_[i];
  s.key = nk.key;
  s.hash = hash;
  const std::size_t bucket = bucket_of(hash);
  s.chain = buckets_[bucket] - 1U;
  buckets_[bucket] = i + 1U;
  // The sender of the first packet is the client, unless that packet says otherwise: a SYN-ACK
  // (the client's SYN was missed), or a packet of a conversation already under way whose source
  // port is the service's. Getting this wrong reverses the rules' verdict: a PLC answering from
  // tcp/502 when capture starts must not look like a PLC opening a connection.
  const bool tcp = p.ip_proto == decode::kProtoTcp;
  const bool syn_ack = tcp && (p.tcp_flags & (kTcpSyn | kTcpAck)) == (kTcpSyn | kTcpAck);
  const bool syn = tcp && (p.tcp_flags & (kTcpSyn | kTcpAck)) == kTcpSyn;
  bool source_is_server = syn_ack;
  if (!syn && !syn_ack && (tcp || p.ip_proto == decode::kProtoUdp)) {
    // A service port (below 1024, or one a dissector is registered on) marks the server. Only
    // when neither or both ports are services does TCP without its SYN fall back to the lower
    // port: clients of old hosts use ports 1024-5000, below DNP3's 20000.
    const bool src_service = is_service_port(p.ip_proto, p.src_port);
    const bool dst_service = is_service_port(p.ip_proto, p.dst_port);
    if (src_service != dst_service)
      source_is_server = src_service;
    else
      source_is_server = tcp && p.src_port < p.dst_port;
  }
  s.client_is_lo = source_is_server ? !nk.src_is_lo : nk.src_is_lo;
  s.started = clock_;
  s.touched = clock_;
  s.fresh = false;
  s.fin_seen = 0;

  Entry& e = entries_[i];
  Flow& f = e.flow;
  f = Flow{};
  f.id = make_flow_id(nk.key, ts, serial_++);
  f.client_ip = s.client_is_lo ? nk.key.lo_ip : nk.key.hi_ip;
  f.server_ip = s.client_is_lo ? nk.key.hi_ip : nk.key.lo_ip;
  f.client_port = s.client_is_lo ? nk.key.lo_port : nk.key.hi_port;
  f.server_port = s.client_is_lo ? nk.key.hi_port : nk.key.lo_port;
  f.ip_proto = nk.key.ip_proto;
  f.vlan = p.vlan;
  f.vlan_count = p.vlan_count;
  f.first_seen = ts;
  f.last_seen = ts;
  e.state = State{};

  s.cls = class_of(f);
  idle_[s.cls].push_back(i, idle_link());
  age_.push_back(i, age_link());
  next_deadline_ = std::min(next_deadline_, deadline(clock_, idle_timeout_[s.cls]));
  if (config_.active_timeout_usec > 0)
    next_deadline_ = std::min(next_deadline_, deadline(clock_, config_.active_timeout_usec));
  ++counters_.created;
  ++counters_.active;
  counters_.peak = std::max(counters_.peak, counters_.active);
}

template <class State>
void FlowTable<State>::account(std::uint32_t i, bool src_is_lo, const decode::DecodedPacket& p,
                               Timestamp ts, std::uint32_t wire_bytes, Direction& dir) {
  Slot& s = slots_[i];
  Flow& f = entries_[i].flow;
  dir = src_is_lo == s.client_is_lo ? Direction::ToServer : Direction::ToClient;
  const auto d = static_cast<std::size_t>(dir);
  if (s.fresh) {
    // The new record of a restarted flow starts with its first packet, as a new flow would.
    f.id = make_flow_id(s.key, ts, serial_++);
    f.first_seen = ts;
    f.last_seen = ts;
    s.started = clock_;
    age_.move_to_back(i, age_link());
    if (config_.active_timeout_usec > 0)
      next_deadline_ = std::min(next_deadline_, deadline(clock_, config_.active_timeout_usec));
    s.fresh = false;
  }
  ++f.packets[d];
  f.bytes[d] += wire_bytes;
  f.last_seen = std::max(f.last_seen, ts);
  if (f.ip_proto == decode::kProtoTcp) {
    f.tcp_flags[d] = static_cast<std::uint8_t>(f.tcp_flags[d] | p.tcp_flags);
    TcpTracker t{f.tcp_state, s.fin_seen};
    tcp_advance(t, dir, p.tcp_flags);
    f.tcp_state = t.state;
    s.fin_seen = t.fin_seen;
  }
  s.touched = clock_;
  const Class cls = class_of(f);
  if (cls == s.cls) {
    idle_[cls].move_to_back(i, idle_link());
  } else {
    idle_[s.cls].unlink(i, idle_link());
    idle_[cls].push_back(i, idle_link());
    s.cls = cls;
    next_deadline_ = std::min(next_deadline_, deadline(clock_, idle_timeout_[cls]));
  }
}

template <class State>
void FlowTable<State>::detach(std::uint32_t i) {
  Slot& s = slots_[i];
  std::uint32_t& head = buckets_[bucket_of(s.hash)];
  if (head - 1U == i) {
    head = s.chain + 1U;
  } else {
    // i is on this chain: it was found through it.
    std::uint32_t j = head - 1U;
    while (slots_[j].chain != i) j = slots_[j].chain;
    slots_[j].chain = s.chain;
  }
  s.chain = kNil;
  idle_[s.cls].unlink(i, idle_link());
  age_.unlink(i, age_link());
}

template <class State>
void FlowTable<State>::release(std::uint32_t i) {
  slots_[i].chain = free_head_;
  free_head_ = i;
  --counters_.active;
}

template <class State>
template <class F>
void FlowTable<State>::end(std::uint32_t i, EndReason why, F& on_end) {
  ++counters_.ended;
  on_end(entries_[i], why);
  release(i);
}

template <class State>
void FlowTable<State>::restart(std::uint32_t i, std::int64_t at) {
  Slot& s = slots_[i];
  Flow& f = entries_[i].flow;
  // Until its first packet (which gives it an id and a start), the new record dates from the
  // deadline that cut the old one, not from whenever expire() happened to run.
  f.first_seen = Timestamp{at};
  f.last_seen = Timestamp{at};
  f.packets = {};
  f.bytes = {};
  f.tcp_flags = {};
  s.started = at;
  s.fresh = true;
  age_.move_to_back(i, age_link());
  ++counters_.created;
  ++counters_.restarted;
}

template <class State>
template <class F>
void FlowTable<State>::expire(Timestamp now, F&& on_end) {
  clock_ = std::max(clock_, now.usec);
  while (!ending_.empty()) {
    const std::uint32_t i = ending_.front();
    ending_.unlink(i, idle_link());
    end(i, slots_[i].ending, on_end);
  }
  const bool active_on = config_.active_timeout_usec > 0;
  for (;;) {
    // Merge the list heads by deadline, so flows end in the order their timeouts passed.
    constexpr std::size_t kAgeList = kClassCount;
    constexpr std::size_t kNone = kClassCount + 1;
    std::int64_t best = std::numeric_limits<std::int64_t>::max();
    std::size_t best_list = kNone;
    for (std::size_t c = 0; c < kClassCount; ++c) {
      if (idle_[c].empty()) continue;
      const std::int64_t dl = deadline(slots_[idle_[c].front()].touched, idle_timeout_[c]);
      if (dl < best) {
        best = dl;
        best_list = c;
      }
    }
    if (active_on && !age_.empty()) {
      const std::int64_t dl = deadline(slots_[age_.front()].started, config_.active_timeout_usec);
      if (dl < best) {
        best = dl;
        best_list = kAgeList;
      }
    }
    if (best_list == kNone || best > clock_) {
      next_deadline_ = best_list == kNone ? std::numeric_limits<std::int64_t>::max() : best;
      break;
    }

    if (best_list == kAgeList) {
      const std::uint32_t i = age_.front();
      Slot& s = slots_[i];
      if (s.fresh) {
        // A restarted record that has seen no packet has nothing to report: its period rolls
        // on, rather than ending and counting an empty record once per active timeout.
        s.started = best;
        age_.move_to_back(i, age_link());
        continue;
      }
      // Idle as well, or already closed: end it for good rather than start a record that would
      // stay empty.
      // Judged at the deadline, not at the clock: when expire() runs must not change the reason.
      if (s.cls != kTcpFinished && deadline(s.touched, idle_timeout_[s.cls]) > best) {
        ++counters_.ended;
        on_end(entries_[i], EndReason::ActiveTimeout);
        restart(i, best);
        continue;
      }
      detach(i);
      end(i, s.cls == kTcpFinished ? EndReason::TcpClosed : EndReason::IdleTimeout, on_end);
      continue;
    }
    const std::uint32_t i = idle_[best_list].front();
    detach(i);
    end(i, best_list == kTcpFinished ? EndReason::TcpClosed : EndReason::IdleTimeout, on_end);
  }
}

template <class State>
template <class F>
void FlowTable<State>::flush(EndReason why, F&& on_end) {
  while (!ending_.empty()) {
    const std::uint32_t i = ending_.front();
    ending_.unlink(i, idle_link());
    end(i, slots_[i].ending, on_end);
  }
  while (!age_.empty()) {
    const std::uint32_t i = age_.front();
    detach(i);
    end(i, why, on_end);
  }
}

}  // namespace limen::flow
