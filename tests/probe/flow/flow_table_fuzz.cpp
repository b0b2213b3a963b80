// libFuzzer target: the flow table under an arbitrary packet sequence (few hosts and ports so
// flows collide, arbitrary TCP flags, time that jumps forwards and back, expire/flush calls), a
// small table so overflow, eviction and slot reuse happen. Checks the bookkeeping invariants
// after each step: active == created - ended, active <= capacity, every end reported once.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <unordered_set>

#include "common/byte_reader.h"
#include "probe/flow/flow_table.h"

namespace {

using limen::flow::EndReason;
using limen::flow::FlowTable;

struct State {
  std::uint64_t live_id = 0;
};

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  limen::flow::FlowConfig config;
  config.max_flows = 32;
  config.tcp_idle_usec = 300;
  config.tcp_half_open_usec = 30;
  config.tcp_closed_usec = 20;
  config.udp_idle_usec = 100;
  config.other_idle_usec = 50;
  config.active_timeout_usec = 400;
  FlowTable<State> table(config);
  std::unordered_set<std::uint64_t> live;  // ids of records started and not yet ended
  auto on_end = [&live](FlowTable<State>::Entry& e, EndReason why) {
    if (e.flow.packets[0] + e.flow.packets[1] == 0) {
      // A record restarted by the active timeout that saw no packet before its idle end (or the
      // capture's): its previous record was already reported, and an empty one is never cut.
      check(why != EndReason::ActiveTimeout);
      check(live.count(e.flow.id) == 0);
      return;
    }
    check(e.state.live_id == e.flow.id);
    check(live.erase(e.flow.id) == 1);
  };

  limen::ByteReader in({data, size});
  std::int64_t now = 1'000'000;
  while (in.remaining() >= 6) {
    const std::uint8_t op = in.u8();
    const std::uint8_t hosts = in.u8();
    const std::uint8_t ports = in.u8();
    const std::uint8_t flags = in.u8();
    const std::uint16_t step = in.be16();
    now += static_cast<std::int16_t>(step);  // time may step back
    const auto ts = limen::Timestamp{now};
    switch (op % 8) {
      case 0:
        table.expire(ts, on_end);
        break;
      case 1:
        if (op == 1) table.flush(EndReason::EndOfCapture, on_end);
        break;
      default: {
        limen::decode::DecodedPacket p;
        p.src = limen::IpAddress::v4(0x0A000000U | (hosts & 0x3U));
        p.dst = limen::IpAddress::v4(0x0A000000U | ((hosts >> 2) & 0x3U));
        static constexpr std::uint8_t kProtos[] = {6, 6, 6, 17, 17, 1, 58, 132};
        p.ip_proto = kProtos[(hosts >> 4) & 0x7U];
        p.src_port = ports & 0x3U;
        p.dst_port = (ports >> 2) & 0x3U;
        p.tcp_flags = flags;
        if ((hosts & 0x80U) != 0) {
          p.vlan = {static_cast<std::uint16_t>(ports >> 4), 0};
          p.vlan_count = 1;
        }
        const std::uint64_t before = table.counters().created;
        // Half the packets may evict (reported like any other end), half may not.
        auto hit = (op & 0x80U) != 0 ? table.track(p, ts, op, on_end) : table.track(p, ts, op);
        if (hit.entry == nullptr) {
          check(table.counters().created == before);
          break;
        }
        if (hit.created) {
          check(table.counters().created == before + 1);
          hit.entry->state.live_id = hit.entry->flow.id;
          check(live.insert(hit.entry->flow.id).second);
        } else if (hit.entry->state.live_id != hit.entry->flow.id) {
          // First packet after an active-timeout restart: the record got a new id.
          hit.entry->state.live_id = hit.entry->flow.id;
          check(live.insert(hit.entry->flow.id).second);
        }
        check(hit.entry->flow.packets[0] + hit.entry->flow.packets[1] > 0);
        break;
      }
    }
    const auto& c = table.counters();
    check(c.active == c.created - c.ended);
    check(c.active <= table.capacity());
    check(c.peak >= c.active);
  }
  table.flush(EndReason::EndOfCapture, on_end);
  const auto& c = table.counters();
  check(c.active == 0 && c.created == c.ended);
  check(live.empty());
  return 0;
}
