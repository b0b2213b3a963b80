#pragma once
// PcapSource: the one PacketSource implementation, over an opened libpcap handle (a capture
// file or an activated live interface). Internal to limen_capture; others use packet_source.h.
//
// Invariants: owns the pcap_t (closed on destruction); after a read error every dispatch returns
// Error with the same message; packets and bytes count only what reached the handler.
//
// Live handles run in nonblocking mode and wait in poll() here: libpcap 1.10 on Linux keeps
// waiting past the read timeout when no packet arrives, so it cannot provide Idle itself. A
// self-pipe lets break_loop (from a signal handler or another thread) end that wait at once.

#include <pcap/pcap.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "probe/capture/packet_source.h"

namespace limen::capture {

struct PcapCloser {
  void operator()(pcap_t* handle) const { pcap_close(handle); }
};
using PcapHandle = std::unique_ptr<pcap_t, PcapCloser>;

class PcapSource final : public PacketSource {
 public:
  enum class Kind : std::uint8_t { File, Live };

  // `read_buffer`: the stdio buffer of a file handle's stream, if it was given one; kept until
  // the stream is closed.
  PcapSource(PcapHandle handle, Kind kind, std::string name, decode::LinkType link,
             std::string warning, std::unique_ptr<char[]> read_buffer = nullptr);
  ~PcapSource() override;

  // Live only, once after construction: nonblocking mode and the wake pipe. false + error.
  bool prepare_live(int timeout_ms, std::string& error);

  const std::string& name() const override { return name_; }
  decode::LinkType link_type() const override { return link_; }
  ReadStatus dispatch(PacketHandler& handler, int max_packets) override;
  const std::string& error() const override { return error_; }
  const std::string& warning() const override { return warning_; }
  CaptureStats stats() override;
  bool wall_clock_time() const override { return kind_ == Kind::Live; }
  void break_loop() override;

 private:
  static void on_pcap_packet(u_char* user, const pcap_pkthdr* header,
                             const u_char* bytes) noexcept;
  int read_burst(int max_packets);
  // Live: waits up to the read timeout for packets, a break_loop or a signal.
  void wait_for_packets();
  void record_read_error();

  std::unique_ptr<char[]> read_buffer_;  // declared first: freed after handle_ closes the stream
  PcapHandle handle_;
  Kind kind_;
  std::string name_;
  decode::LinkType link_;
  std::string warning_;
  std::string error_;
  bool failed_ = false;
  int timeout_ms_ = 0;
  int wake_read_ = -1;  // self-pipe, live only
  int wake_write_ = -1;
  std::atomic<bool> interrupted_{false};  // lock-free, so break_loop may set it from a signal
  PacketHandler* handler_ = nullptr;  // set only for the duration of one dispatch
  std::uint64_t packets_ = 0;
  std::uint64_t bytes_ = 0;
};

// Opens a capture already open as a stream, taking ownership of `file` (closed on failure too).
// open_file checks the path first, then calls this; the fuzzer feeds it memory files. A stream
// without a descriptor (fmemopen) is read by libpcap whatever its format.
std::unique_ptr<PacketSource> open_stream(std::FILE* file, std::string name, std::string& error);

// "<name>: unsupported link type 195 (IEEE802_15_4_WITHFCS)".
std::string unsupported_link_type_error(const std::string& name, int dlt);

}  // namespace limen::capture
