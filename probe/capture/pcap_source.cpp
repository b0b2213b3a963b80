#include "probe/capture/pcap_source.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string_view>
#include <system_error>
#include <utility>

namespace limen::capture {
namespace {

static_assert(std::atomic<bool>::is_always_lock_free, "break_loop runs in signal handlers");

bool contains(std::string_view text, std::string_view what) {
  return text.find(what) != std::string_view::npos;
}

bool set_nonblocking_cloexec(int fd) {
  const int flags = fcntl(fd, F_GETFL);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 &&
         fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
}

}  // namespace

PcapSource::PcapSource(PcapHandle handle, Kind kind, std::string name, decode::LinkType link,
                       std::string warning, std::unique_ptr<char[]> read_buffer)
    : read_buffer_(std::move(read_buffer)),
      handle_(std::move(handle)),
      kind_(kind),
      name_(std::move(name)),
      link_(link),
      warning_(std::move(warning)) {}

PcapSource::~PcapSource() {
  if (wake_read_ >= 0) close(wake_read_);
  if (wake_write_ >= 0) close(wake_write_);
}

bool PcapSource::prepare_live(int timeout_ms, std::string& error) {
  timeout_ms_ = timeout_ms;
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  if (pcap_setnonblock(handle_.get(), 1, errbuf) != 0) {
    error = name_ + ": cannot switch to nonblocking mode (" + errbuf + ")";
    return false;
  }
  if (pcap_get_selectable_fd(handle_.get()) < 0) {
    error = name_ + ": capture has no pollable descriptor";
    return false;
  }
  int fds[2];
  if (pipe(fds) != 0) {
    error = name_ + ": cannot create wake-up pipe (" + std::generic_category().message(errno) +
            ")";
    return false;
  }
  wake_read_ = fds[0];
  wake_write_ = fds[1];
  if (!set_nonblocking_cloexec(wake_read_) || !set_nonblocking_cloexec(wake_write_)) {
    error = name_ + ": cannot configure wake-up pipe (" +
            std::generic_category().message(errno) + ")";
    return false;
  }
  return true;
}

void PcapSource::break_loop() {
  // Only async-signal-safe calls. A file stops through libpcap's own flag; a live source never
  // blocks inside libpcap (nonblocking), so our flag and a byte in the wake pipe suffice. A full
  // pipe already holds a wake-up, so EAGAIN is fine.
  if (kind_ == Kind::File) {
    pcap_breakloop(handle_.get());
    return;
  }
  interrupted_.store(true);
  const char byte = 1;
  [[maybe_unused]] const ssize_t n = write(wake_write_, &byte, 1);
}

int PcapSource::read_burst(int max_packets) {
  // libpcap treats a count <= 0 as "everything buffered" (a whole file): a burst must be bounded.
  return pcap_dispatch(handle_.get(), std::max(1, max_packets), &on_pcap_packet,
                       reinterpret_cast<u_char*>(this));
}

void PcapSource::wait_for_packets() {
  pollfd fds[2] = {{pcap_get_selectable_fd(handle_.get()), POLLIN, 0},
                   {wake_read_, POLLIN, 0}};
  // EINTR (a signal) and a timeout both just end the wait: the caller sees Idle or Interrupted.
  if (poll(fds, 2, timeout_ms_) > 0 && (fds[1].revents & POLLIN) != 0) {
    char drain[64];
    while (read(wake_read_, drain, sizeof drain) > 0) {
    }
  }
}

ReadStatus PcapSource::dispatch(PacketHandler& handler, int max_packets) {
  if (failed_) return ReadStatus::Error;
  if (kind_ == Kind::Live && interrupted_.exchange(false)) return ReadStatus::Interrupted;
  handler_ = &handler;
  const std::uint64_t before = packets_;
  int rc = read_burst(max_packets);
  if (rc == 0 && kind_ == Kind::Live) {
    wait_for_packets();
    if (interrupted_.exchange(false)) {
      handler_ = nullptr;
      return ReadStatus::Interrupted;
    }
    rc = read_burst(max_packets);
  }
  handler_ = nullptr;
  const bool delivered = packets_ != before;
  if (rc == PCAP_ERROR_BREAK) return delivered ? ReadStatus::Packets : ReadStatus::Interrupted;
  if (rc < 0) {
    // The packets of this burst before the damage were delivered: report them first, so the
    // caller closes the burst, and the error on the next call (failed_ is sticky).
    record_read_error();
    return delivered ? ReadStatus::Packets : ReadStatus::Error;
  }
  if (delivered) return ReadStatus::Packets;
  return kind_ == Kind::Live ? ReadStatus::Idle : ReadStatus::End;
}

void PcapSource::on_pcap_packet(u_char* user, const pcap_pkthdr* header,
                                const u_char* bytes) noexcept {
  auto* self = reinterpret_cast<PcapSource*>(user);
  ++self->packets_;
  self->bytes_ += header->caplen;
  RawPacket packet;
  packet.ts = Timestamp::from_parts(static_cast<std::int64_t>(header->ts.tv_sec),
                                    static_cast<std::int64_t>(header->ts.tv_usec));
  // A hostile file can claim fewer bytes on the wire than it captured; consumers rely on
  // data.size() <= wire_length.
  packet.wire_length = std::max(header->len, header->caplen);
  packet.data = std::span<const std::uint8_t>(bytes, header->caplen);
  self->handler_->on_packet(packet);
}

void PcapSource::record_read_error() {
  failed_ = true;
  const std::string detail = pcap_geterr(handle_.get());
  const std::string after = " after packet " + std::to_string(packets_);
  std::string cause;
  if (kind_ == Kind::File) {
    // libpcap: "truncated dump file; tried to read 100 captured bytes, only got 42",
    // "invalid packet capture length 4000000, bigger than snaplen of 262144", ...
    if (contains(detail, "truncated"))
      cause = "truncated capture" + after;
    else if (contains(detail, "error reading"))
      cause = "read error" + after;
    else
      cause = "damaged capture" + after;
  } else {
    // libpcap (Linux): "The interface went down", "The interface disappeared", ...
    if (contains(detail, "went down"))
      cause = "interface went down" + after;
    else if (contains(detail, "disappeared") || contains(detail, "No such device"))
      cause = "interface disappeared" + after;
    else
      cause = "capture failed" + after;
  }
  error_ = name_ + ": " + cause;
  if (!detail.empty()) error_ += " (" + detail + ")";
}

CaptureStats PcapSource::stats() {
  CaptureStats out;
  out.packets = packets_;
  out.bytes = bytes_;
  if (kind_ == Kind::Live) {
    pcap_stat ps{};
    if (pcap_stats(handle_.get(), &ps) == 0) {
      out.kernel_drops = ps.ps_drop;
      out.interface_drops = ps.ps_ifdrop;
      out.drops_known = true;
    }
  }
  return out;
}

std::string unsupported_link_type_error(const std::string& name, int dlt) {
  const char* dlt_name = pcap_datalink_val_to_name(dlt);
  return name + ": unsupported link type " + std::to_string(dlt) + " (" +
         (dlt_name != nullptr ? dlt_name : "unknown to libpcap") + ")";
}

}  // namespace limen::capture
