#pragma once
// Packet capture sources: capture-file replay (pcap and pcapng) and live libpcap capture behind
// one interface, so the pipeline runs the same code on both.
//
// Invariants: packets reach the handler as zero-copy views into libpcap's buffer, valid only
// during on_packet; a source never delivers more than max_packets packets per dispatch call;
// timestamps are always microseconds (nanosecond files are converted by libpcap); every error
// is one line that names the file or interface first. Nothing here throws on the data path.

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "common/timestamp.h"
#include "dissectors/packet/link_type.h"

namespace limen::capture {

struct RawPacket {
  Timestamp ts;
  std::uint32_t wire_length = 0;  // length on the wire, >= data.size() (snap length cuts data)
  std::span<const std::uint8_t> data;
};

// Receives packets as zero-copy views valid only during the call. One virtual call per packet.
// on_packet must not throw: it is called from inside libpcap's C code.
class PacketHandler {
 public:
  virtual void on_packet(const RawPacket& packet) = 0;

 protected:
  ~PacketHandler() = default;
};

enum class ReadStatus : std::uint8_t { Packets, Idle, End, Error, Interrupted };

// A DPDK port's own counters (rte_eth_stats): received, missed for want of RX descriptors,
// erroneous, and missed for want of a packet buffer.
struct PortCounters {
  std::uint16_t port = 0;
  const char* driver = "";  // static storage (the driver's name)
  std::uint64_t ipackets = 0, imissed = 0, ierrors = 0, rx_nombuf = 0;
};

struct CaptureStats {
  std::uint64_t packets = 0, bytes = 0;                 // delivered to the handler
  // Live only: libpcap's kernel and interface drops; DPDK: imissed + rx_nombuf of every port.
  std::uint64_t kernel_drops = 0, interface_drops = 0;
  bool drops_known = false;
  static constexpr std::size_t kMaxPorts = 8;
  std::array<PortCounters, kMaxPorts> ports{};  // DPDK capture: one entry per port
  std::uint8_t port_count = 0;
};

class PacketSource {
 public:
  PacketSource() = default;
  PacketSource(const PacketSource&) = delete;
  PacketSource& operator=(const PacketSource&) = delete;
  virtual ~PacketSource() = default;

  virtual const std::string& name() const = 0;  // file path or interface name
  virtual decode::LinkType link_type() const = 0;
  // Delivers up to max_packets packets (one burst; values below 1 count as 1), then returns:
  // Packets (>= 1 delivered), Idle (live: read timeout, none), End (file finished), Error
  // (error() says why), Interrupted (break_loop called). When a burst delivers packets and then
  // meets damage, it returns Packets and the next call returns Error, so the caller always
  // closes the burst it was given before handling the error.
  virtual ReadStatus dispatch(PacketHandler& handler, int max_packets) = 0;
  virtual const std::string& error() const = 0;  // one line, names the source and the cause
  // Non-fatal conditions found when opening (live: pcap_activate warnings); empty when none.
  virtual const std::string& warning() const = 0;
  virtual CaptureStats stats() = 0;
  // True when packet times are the wall clock (live capture): an idle moment then moves the
  // worker's clock to now. False when they are recorded times (a file, DPDK's pcap driver).
  virtual bool wall_clock_time() const = 0;
  virtual void break_loop() = 0;  // async-signal-safe (pcap_breakloop)
};

struct LiveOptions {
  std::string interface;
  bool promiscuous = true;
  int snaplen = 262144;
  int buffer_size_mib = 64;
  bool immediate = true;
  int timeout_ms = 100;
  std::string bpf_filter;
};

// On failure: nullptr and `error` = one line naming the file/interface and the cause.
std::unique_ptr<PacketSource> open_file(const std::filesystem::path& path, std::string& error);
std::unique_ptr<PacketSource> open_live(const LiveOptions& options, std::string& error);

// Maps a libpcap DLT value to LinkType; false for link types Limen does not decode.
bool link_type_from_dlt(int dlt, decode::LinkType& out);

}  // namespace limen::capture
