#include "probe/capture/pcap_file_reader.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <system_error>
#include <utility>

namespace limen::capture {
namespace {

// A slot holds up to kHeadroom unread bytes of the previous block (less than one whole record),
// then a block. Two slots make one huge page. Even alone a slot holds more than two whole
// records, as the worker's own reads (at the end of the file) need.
constexpr std::size_t kSlotBytes = std::size_t{1} << 20;
constexpr std::size_t kHeadroom = std::size_t{272} << 10;
constexpr std::size_t kBlockBytes = kSlotBytes - kHeadroom;
static_assert(kHeadroom >= PcapFileReader::kRecordHeaderSize + PcapFileReader::kMaxCaptureLength);
static_assert(kSlotBytes >
              2 * (PcapFileReader::kMaxCaptureLength + PcapFileReader::kRecordHeaderSize));

constexpr std::uint32_t kMagicMicro = 0xa1b2c3d4;
constexpr std::uint32_t kMagicNano = 0xa1b23c4d;

// In this machine's byte order: "swapped" means written in the other one, as for libpcap.
std::uint32_t load32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
std::uint16_t load16(const std::uint8_t* p) {
  std::uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
constexpr std::uint32_t swap32(std::uint32_t v) {
  return __builtin_bswap32(v);
}
constexpr std::uint16_t swap16(std::uint16_t v) {
  return __builtin_bswap16(v);
}

}  // namespace

std::optional<ClassicPcapFormat> classic_pcap_format(std::span<const std::uint8_t> header) {
  if (header.size() < PcapFileReader::kFileHeaderSize) return std::nullopt;
  const std::uint32_t magic = load32(header.data());
  ClassicPcapFormat format;
  if (magic == kMagicMicro || magic == kMagicNano) {
    format.swapped = false;
  } else if (magic == swap32(kMagicMicro) || magic == swap32(kMagicNano)) {
    format.swapped = true;
  } else {
    return std::nullopt;
  }
  format.nanosecond = magic == kMagicNano || magic == swap32(kMagicNano);
  std::uint16_t major = load16(header.data() + 4);
  std::uint16_t minor = load16(header.data() + 6);
  if (format.swapped) {
    major = swap16(major);
    minor = swap16(minor);
  }
  // Before 2.4 some writers swapped the two lengths of a record, which libpcap undoes by guess.
  if (major != 2 || minor != 4) return std::nullopt;
  return format;
}

PcapFileReader::PcapFileReader(int fd, std::string name, decode::LinkType link,
                               ClassicPcapFormat format, std::uint32_t snapshot)
    : fd_(fd),
      name_(std::move(name)),
      link_(link),
      format_(format),
      snapshot_(std::min(snapshot, kMaxCaptureLength)),
      memory_(2 * kSlotBytes, MappedMemory::Pages::Huge),
      buffer_(static_cast<std::uint8_t*>(memory_.data())),
      offset_(kFileHeaderSize) {
  struct stat st {};
  ahead_enabled_ = fstat(fd_, &st) == 0 && S_ISREG(st.st_mode) &&
                   static_cast<std::uint64_t>(st.st_size) > kFileHeaderSize + kBlockBytes;
}

PcapFileReader::~PcapFileReader() {
  stop_read_ahead();
  close(fd_);
}

void PcapFileReader::read_ahead_loop() {
  std::unique_lock lock(ahead_.mutex);
  while (true) {
    ahead_.changed.wait(lock, [this] { return ahead_.requested || ahead_.stop; });
    if (ahead_.stop) return;
    ahead_.requested = false;
    std::uint8_t* const block = ahead_.slot + kHeadroom;
    const std::uint64_t at = ahead_.at;
    lock.unlock();
    std::size_t got = 0;
    int error = 0;
    while (got < kBlockBytes) {
      const ssize_t n = pread(fd_, block + got, kBlockBytes - got, static_cast<off_t>(at + got));
      if (n < 0) {
        if (errno == EINTR) continue;
        error = errno;
        break;
      }
      if (n == 0) break;  // end of file
      got += static_cast<std::size_t>(n);
    }
    lock.lock();
    ahead_.got = got;
    ahead_.error = error;
    ahead_.done = true;
    ahead_.changed.notify_all();
  }
}

void PcapFileReader::stop_read_ahead() {
  ahead_active_ = false;
  if (!ahead_.started) return;
  {
    const std::lock_guard lock(ahead_.mutex);
    ahead_.stop = true;
  }
  ahead_.changed.notify_all();
  pthread_join(ahead_.thread, nullptr);
  ahead_.started = false;
}

bool PcapFileReader::take_next_block() {
  std::uint8_t* const base = static_cast<std::uint8_t*>(memory_.data());
  std::uint8_t* const next = buffer_ == base ? base + kSlotBytes : base;
  std::size_t got = 0;
  int error = 0;
  {
    std::unique_lock lock(ahead_.mutex);
    ahead_.changed.wait(lock, [this] { return ahead_.done; });
    ahead_.done = false;
    got = ahead_.got;
    error = ahead_.error;
  }
  // What is left of the current block is less than a whole record: it fits in the headroom.
  const std::size_t tail = end_ - pos_;
  std::memcpy(next + kHeadroom - tail, buffer_ + pos_, tail);
  std::uint8_t* const previous = buffer_;
  buffer_ = next;
  pos_ = kHeadroom - tail;
  end_ = kHeadroom + got;
  offset_ += got;
  if (error != 0) {
    read_errno_ = error;
    stop_read_ahead();
    return false;
  }
  if (got < kBlockBytes) {  // the end of the file: from here on the worker reads by itself
    stop_read_ahead();
    return true;
  }
  {
    const std::lock_guard lock(ahead_.mutex);
    ahead_.slot = previous;
    ahead_.at = offset_;
    ahead_.requested = true;
  }
  ahead_.changed.notify_all();
  return true;
}

void PcapFileReader::break_loop() {
  break_requested_.store(true);
}

CaptureStats PcapFileReader::stats() {
  CaptureStats out;
  out.packets = packets_;
  out.bytes = bytes_;
  return out;
}

std::int64_t PcapFileReader::time_part(std::uint32_t v) const {
  return format_.swapped ? std::int64_t{v} : std::int64_t{static_cast<std::int32_t>(v)};
}

std::uint32_t PcapFileReader::u32(std::size_t at) const {
  const std::uint32_t v = load32(buffer_ + at);
  return format_.swapped ? swap32(v) : v;
}

bool PcapFileReader::fill(std::size_t need) {
  if (end_ - pos_ >= need) return true;
  if (ahead_enabled_) {  // the first refill: the thread starts with the block after this one
    ahead_enabled_ = false;
    ahead_.slot = static_cast<std::uint8_t*>(memory_.data()) + kSlotBytes;
    ahead_.at = offset_;
    ahead_.requested = true;
    const auto body = [](void* self) -> void* {
      static_cast<PcapFileReader*>(self)->read_ahead_loop();
      return nullptr;
    };
    // Without the thread (a process at its thread limit) the worker reads by itself.
    ahead_.started = pthread_create(&ahead_.thread, nullptr, body, this) == 0;
    ahead_active_ = ahead_.started;
    if (ahead_.started) pthread_setname_np(ahead_.thread, "limen-read");
  }
  while (end_ - pos_ < need) {
    if (ahead_active_) {
      if (!take_next_block()) return false;
      continue;
    }
    if (pos_ + need > kSlotBytes) {
      std::memmove(buffer_, buffer_ + pos_, end_ - pos_);
      end_ -= pos_;
      pos_ = 0;
    }
    const ssize_t n = pread(fd_, buffer_ + end_, kSlotBytes - end_, static_cast<off_t>(offset_));
    if (n < 0) {
      if (errno == EINTR) continue;
      read_errno_ = errno;
      return false;
    }
    if (n == 0) break;  // end of file
    end_ += static_cast<std::size_t>(n);
    offset_ += static_cast<std::uint64_t>(n);
  }
  return true;
}

void PcapFileReader::fail(std::string_view cause, const std::string& detail) {
  failed_ = true;
  error_ = name_ + ": " + std::string(cause) + " after packet " + std::to_string(packets_) + " (" +
           detail + ")";
}

void PcapFileReader::fail_truncated(std::string detail) {
  if (read_errno_ != 0)
    fail("read error", "error reading dump file: " + std::generic_category().message(read_errno_));
  else
    fail("truncated capture", "truncated dump file; " + detail);
}

bool PcapFileReader::skip(std::uint32_t count, std::uint32_t caplen) {
  std::uint32_t skipped = 0;
  while (skipped < count) {
    if (pos_ == end_ && (!fill(1) || pos_ == end_)) break;  // read error or end of file
    const auto n = static_cast<std::uint32_t>(std::min<std::size_t>(count - skipped, end_ - pos_));
    pos_ += n;
    skipped += n;
  }
  if (skipped == count) return true;
  fail_truncated("tried to read " + std::to_string(caplen) + " captured bytes, only got " +
                 std::to_string(snapshot_ + skipped));
  return false;
}

PcapFileReader::Next PcapFileReader::next(RawPacket& packet) {
  if (!fill(kRecordHeaderSize) || (end_ - pos_ != 0 && end_ - pos_ < kRecordHeaderSize)) {
    fail_truncated("tried to read 16 header bytes, only got " + std::to_string(end_ - pos_));
    return Next::Failed;
  }
  if (end_ == pos_) return Next::End;
  // As libpcap 1.10 reads them: both halves of the time are signed 32-bit values in a file of
  // this machine's byte order and unsigned ones in a file of the other.
  const std::int64_t sec = time_part(u32(pos_));
  std::int64_t frac = time_part(u32(pos_ + 4));
  std::uint32_t caplen = u32(pos_ + 8);
  const std::uint32_t wire = u32(pos_ + 12);
  if (caplen > kMaxCaptureLength) {
    fail("damaged capture", "invalid packet capture length " + std::to_string(caplen) +
                                ", bigger than snaplen of " + std::to_string(snapshot_));
    return Next::Failed;
  }
  pos_ += kRecordHeaderSize;
  const std::uint32_t kept = std::min(caplen, snapshot_);
  if (!fill(kept) || end_ - pos_ < kept) {
    fail_truncated("tried to read " + std::to_string(kept) + " captured bytes, only got " +
                   std::to_string(end_ - pos_));
    return Next::Failed;
  }
  packet.data = std::span<const std::uint8_t>(buffer_ + pos_, kept);
  pos_ += kept;
  if (kept < caplen && !skip(caplen - kept, caplen)) return Next::Failed;
  if (format_.nanosecond) frac /= 1000;
  packet.ts = Timestamp::from_parts(sec, frac);
  // A hostile file can claim fewer bytes on the wire than it captured; consumers rely on
  // data.size() <= wire_length.
  packet.wire_length = std::max(wire, kept);
  return Next::Packet;
}

ReadStatus PcapFileReader::dispatch(PacketHandler& handler, int max_packets) {
  if (failed_) return ReadStatus::Error;
  const int limit = std::max(1, max_packets);
  int delivered = 0;
  while (delivered < limit) {
    // As libpcap: a request that finds packets already delivered ends the burst, and is
    // consumed by the next call.
    if (break_requested_.load(std::memory_order_relaxed)) {
      if (delivered != 0) return ReadStatus::Packets;
      break_requested_.store(false);
      return ReadStatus::Interrupted;
    }
    RawPacket packet;
    const Next got = next(packet);
    if (got == Next::End) break;
    if (got == Next::Failed) return delivered != 0 ? ReadStatus::Packets : ReadStatus::Error;
    ++packets_;
    bytes_ += packet.data.size();
    ++delivered;
    handler.on_packet(packet);
  }
  return delivered != 0 ? ReadStatus::Packets : ReadStatus::End;
}

}  // namespace limen::capture
