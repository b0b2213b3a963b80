#include "probe/capture/dpdk_source.h"

#include <sched.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <vector>

#ifdef LIMEN_HAVE_DPDK
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_pause.h>
#endif

namespace limen::capture {

bool split_eal_args(const std::string& text, std::vector<std::string>& out, std::string& error) {
  out.clear();
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (const char c : text) {
    if (quote != 0) {
      if (c == quote)
        quote = 0;
      else
        word.push_back(c);
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) out.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word.push_back(c);
      in_word = true;
    }
  }
  if (quote != 0) {
    error = std::string("--dpdk: unterminated ") + (quote == '"' ? "double" : "single") +
            " quote in the EAL arguments";
    return false;
  }
  if (in_word) out.push_back(word);
  return true;
}

#ifndef LIMEN_HAVE_DPDK

std::unique_ptr<PacketSource> open_dpdk(const DpdkOptions&, std::string& error) {
  error = "--dpdk: this limen-probe was built without DPDK (install libdpdk-dev and rebuild)";
  return nullptr;
}

#else

namespace {

constexpr std::uint16_t kBurst = 64;
constexpr std::uint32_t kPoolCache = 256;
// An empty poll of every port returns Idle only after this long, so the worker's housekeeping
// runs about a thousand times a second on an idle link, not once per empty poll.
constexpr std::chrono::microseconds kIdleSpin{1000};
// The largest frame handed out whole; longer chained mbufs are cut here (counted as truncated
// by the decoder through wire_length).
constexpr std::size_t kMaxFrame = 65535;

bool g_eal_ready = false;  // the EAL can be initialised once per process

bool has_arg(const std::vector<std::string>& args, std::string_view name) {
  return std::any_of(args.begin(), args.end(), [name](const std::string& a) {
    return a == name || (a.size() > name.size() && a.compare(0, name.size(), name) == 0 &&
                         a[name.size()] == '=');
  });
}

struct Port {
  std::uint16_t id = 0;
  const char* driver = "";
  bool stamps_packets = false;  // the driver writes each packet's capture time (net_pcap)
};

class DpdkSource final : public PacketSource {
 public:
  DpdkSource(std::vector<Port> ports, rte_mempool* pool, int ts_offset, std::uint64_t ts_flag)
      : ports_(std::move(ports)), pool_(pool), ts_offset_(ts_offset), ts_flag_(ts_flag) {
    name_ = "dpdk:";
    for (std::size_t i = 0; i < ports_.size(); ++i)
      name_ += (i ? "," : "") + std::to_string(ports_[i].id) + "(" + ports_[i].driver + ")";
    wall_clock_ = std::none_of(ports_.begin(), ports_.end(),
                               [](const Port& p) { return p.stamps_packets; });
    scratch_.resize(kMaxFrame);
  }
  ~DpdkSource() override {
    for (const Port& p : ports_) {
      (void)rte_eth_dev_stop(p.id);
      (void)rte_eth_dev_close(p.id);
    }
    rte_mempool_free(pool_);
    // Gives back the EAL's memory and threads; the EAL cannot be started again in this process.
    (void)rte_eal_cleanup();
  }

  const std::string& name() const override { return name_; }
  decode::LinkType link_type() const override { return decode::LinkType::Ethernet; }
  const std::string& error() const override { return error_; }
  const std::string& warning() const override { return warning_; }
  bool wall_clock_time() const override { return wall_clock_; }
  void break_loop() override { stop_.store(true, std::memory_order_relaxed); }

  ReadStatus dispatch(PacketHandler& handler, int max_packets) override {
    const auto limit = static_cast<std::uint16_t>(std::clamp(max_packets, 1, int{kBurst}));
    const auto spin_until = std::chrono::steady_clock::now() + kIdleSpin;
    while (!stop_.load(std::memory_order_relaxed)) {
      // One port per call, in turn, so that a busy port cannot starve the others.
      for (std::size_t n = 0; n < ports_.size(); ++n) {
        const Port& port = ports_[next_port_];
        next_port_ = (next_port_ + 1) % ports_.size();
        std::array<rte_mbuf*, kBurst> bufs;
        const std::uint16_t got = rte_eth_rx_burst(port.id, 0, bufs.data(), limit);
        if (got == 0) continue;
        deliver(handler, port, bufs.data(), got);
        return ReadStatus::Packets;
      }
      if (std::chrono::steady_clock::now() >= spin_until) return ReadStatus::Idle;
      rte_pause();
    }
    return ReadStatus::Interrupted;
  }

  CaptureStats stats() override {
    CaptureStats s = delivered_;
    s.drops_known = true;
    s.port_count = 0;
    for (const Port& p : ports_) {
      rte_eth_stats st{};
      if (rte_eth_stats_get(p.id, &st) != 0) continue;
      s.interface_drops += st.imissed + st.rx_nombuf;
      if (s.port_count < s.ports.size())
        s.ports[s.port_count++] = PortCounters{p.id, p.driver, st.ipackets, st.imissed,
                                               st.ierrors, st.rx_nombuf};
    }
    return s;
  }

 private:
  void deliver(PacketHandler& handler, const Port& port, rte_mbuf** bufs, std::uint16_t n) {
    Timestamp wall{};
    bool have_wall = false;
    for (std::uint16_t i = 0; i < n; ++i) {
      rte_mbuf* m = bufs[i];
      const std::uint32_t len = rte_pktmbuf_pkt_len(m);
      const std::uint32_t cap = std::min<std::uint32_t>(len, kMaxFrame);
      // Contiguous (the usual case): a view into the mbuf; chained: copied into one buffer.
      const void* data = rte_pktmbuf_read(m, 0, cap, scratch_.data());
      RawPacket p;
      if (port.stamps_packets && ts_flag_ != 0 && (m->ol_flags & ts_flag_) != 0) {
        p.ts = Timestamp{static_cast<std::int64_t>(
            *RTE_MBUF_DYNFIELD(m, static_cast<std::size_t>(ts_offset_), rte_mbuf_timestamp_t*))};
      } else {
        if (!have_wall) {  // once per burst
          const auto now = std::chrono::system_clock::now().time_since_epoch();
          wall = Timestamp{std::chrono::duration_cast<std::chrono::microseconds>(now).count()};
          have_wall = true;
        }
        p.ts = wall;
      }
      p.wire_length = len;
      p.data = {static_cast<const std::uint8_t*>(data), data == nullptr ? 0U : cap};
      handler.on_packet(p);
      ++delivered_.packets;
      delivered_.bytes += len;
    }
    rte_pktmbuf_free_bulk(bufs, n);
  }

  std::vector<Port> ports_;
  rte_mempool* pool_;
  int ts_offset_;
  std::uint64_t ts_flag_;
  bool wall_clock_ = true;
  std::size_t next_port_ = 0;
  std::vector<std::uint8_t> scratch_;
  CaptureStats delivered_;
  std::atomic<bool> stop_{false};
  std::string name_, error_, warning_;
};

std::string rte_reason(int code) { return rte_strerror(code < 0 ? -code : code); }

}  // namespace

std::unique_ptr<PacketSource> open_dpdk(const DpdkOptions& options, std::string& error) {
  // Kept for the life of the process: the EAL may hold on to pointers into its argv.
  static std::vector<std::string> args;
  static std::string program = "limen-probe";
  static std::vector<char*> argv;
  if (g_eal_ready) {
    error = "--dpdk: the DPDK EAL is already initialised in this process";
    return nullptr;
  }
  if (!split_eal_args(options.eal_args, args, error)) return nullptr;
  if (!has_arg(args, "--in-memory") && !has_arg(args, "--file-prefix") &&
      !has_arg(args, "--proc-type") && !has_arg(args, "--no-shconf"))
    // --in-memory needs hugepages; without them --no-shconf keeps the runtime files away.
    args.emplace_back(has_arg(args, "--no-huge") ? "--no-shconf" : "--in-memory");
  if (!has_arg(args, "--telemetry") && !has_arg(args, "--no-telemetry"))
    args.emplace_back("--no-telemetry");
  argv.clear();
  argv.push_back(program.data());
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  cpu_set_t placement;
  const bool placement_known = sched_getaffinity(0, sizeof placement, &placement) == 0;
  const int argc = static_cast<int>(argv.size() - 1);
  // Returns how many arguments it took after the program name (it stops at the first it does
  // not know, or after `--`).
  const int used = rte_eal_init(argc, argv.data());
  if (used < 0) {
    error = "--dpdk: EAL initialisation failed: " + rte_reason(rte_errno) +
            " (the EAL's own messages above say which argument)";
    return nullptr;
  }
  g_eal_ready = true;
  if (used < argc - 1) {
    error = "--dpdk: unexpected argument '" + std::string(argv[static_cast<std::size_t>(used) + 1]) +
            "' after the EAL's options";
    (void)rte_eal_cleanup();
    return nullptr;
  }
  if (placement_known) (void)sched_setaffinity(0, sizeof placement, &placement);

  std::vector<Port> ports;
  for (std::uint16_t id = 0; id < RTE_MAX_ETHPORTS; ++id) {
    if (rte_eth_dev_is_valid_port(id) == 0) continue;
    rte_eth_dev_info info{};
    if (rte_eth_dev_info_get(id, &info) != 0) continue;
    Port p;
    p.id = id;
    p.driver = info.driver_name != nullptr ? info.driver_name : "unknown";
    p.stamps_packets = std::string_view(p.driver) == "net_pcap";
    ports.push_back(p);
  }
  if (ports.empty()) {
    error = "--dpdk: the EAL found no port (bind a NIC to vfio-pci, or give --vdev)";
    (void)rte_eal_cleanup();
    return nullptr;
  }
  if (ports.size() > CaptureStats::kMaxPorts) {
    error = "--dpdk: " + std::to_string(ports.size()) + " ports found; at most " +
            std::to_string(CaptureStats::kMaxPorts) + " are supported (limit them with -a)";
    (void)rte_eal_cleanup();
    return nullptr;
  }

  const std::uint32_t per_port = options.rx_descriptors + kBurst + kPoolCache;
  const std::uint32_t mbufs =
      std::max<std::uint32_t>(8191, static_cast<std::uint32_t>(ports.size()) * per_port * 2);
  rte_mempool* pool = rte_pktmbuf_pool_create("limen_rx", mbufs, kPoolCache, 0,
                                              RTE_MBUF_DEFAULT_BUF_SIZE,
                                              static_cast<int>(rte_socket_id()));
  if (pool == nullptr) {
    error = "--dpdk: cannot create a pool of " + std::to_string(mbufs) +
            " packet buffers: " + rte_reason(rte_errno) + " (more memory: -m, or hugepages)";
    (void)rte_eal_cleanup();
    return nullptr;
  }
  int ts_offset = -1;
  std::uint64_t ts_flag = 0;
  if (rte_mbuf_dyn_rx_timestamp_register(&ts_offset, &ts_flag) != 0) ts_flag = 0;

  for (const Port& p : ports) {
    auto fail = [&](const char* what, int rc) {
      error = "--dpdk: port " + std::to_string(p.id) + " (" + p.driver + "): " + what + ": " +
              rte_reason(rc);
      for (const Port& q : ports) (void)rte_eth_dev_close(q.id);
      rte_mempool_free(pool);
      (void)rte_eal_cleanup();
      return nullptr;
    };
    rte_eth_conf conf{};
    if (const int rc = rte_eth_dev_configure(p.id, 1, 1, &conf); rc < 0)
      return fail("cannot configure it", rc);
    std::uint16_t rx_desc = static_cast<std::uint16_t>(std::min<std::uint32_t>(
        options.rx_descriptors, UINT16_MAX));
    std::uint16_t tx_desc = 64;
    // SOCKET_ID_ANY (-1) as the unsigned the queue set-up takes, as DPDK's own examples pass it.
    const auto socket = static_cast<unsigned>(rte_eth_dev_socket_id(p.id));
    if (const int rc = rte_eth_dev_adjust_nb_rx_tx_desc(p.id, &rx_desc, &tx_desc); rc < 0)
      return fail("cannot size its queues", rc);
    if (const int rc = rte_eth_rx_queue_setup(p.id, 0, rx_desc, socket,
                                              nullptr, pool);
        rc < 0)
      return fail("cannot set up its RX queue", rc);
    // Never used to send; some drivers refuse to start without one.
    if (const int rc = rte_eth_tx_queue_setup(p.id, 0, tx_desc, socket,
                                              nullptr);
        rc < 0)
      return fail("cannot set up its TX queue", rc);
    if (const int rc = rte_eth_dev_start(p.id); rc < 0) return fail("cannot start it", rc);
    (void)rte_eth_promiscuous_enable(p.id);  // a SPAN port's traffic is not for us
  }
  return std::make_unique<DpdkSource>(std::move(ports), pool, ts_offset, ts_flag);
}

#endif

}  // namespace limen::capture
