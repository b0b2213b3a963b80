#pragma once
// PcapFileReader: replays a classic pcap file (version 2.4, microsecond or nanosecond, either
// byte order) by reading it in large blocks into one buffer and handing out views into that
// buffer. libpcap reads each record with two freads, each copying out of stdio's buffer, then
// the packet sits in libpcap's own buffer: on a replay that was most of the capture layer's
// time, twice what reading the file costs. libpcap still opens every file (it checks the header
// and names the link type) and still reads pcapng and the old pcap variants itself. Internal to
// limen_capture; others use packet_source.h.
//
// Invariants: on the same bytes it yields what libpcap 1.10 yields (same packets, timestamps
// with nanoseconds cut to microseconds, a record longer than the snapshot length cut to it and
// the rest skipped, the same damage found after the same packet and described in the same
// words); a differential test holds it to that over every shared capture. A view stays valid
// only during on_packet: the buffer is refilled between packets, never during one. Owns the
// descriptor.
//
// A file larger than one block is read ahead by a thread of its own: while the worker parses
// one block the next is read into the other, so the copy out of the page cache (a tenth of the
// worker's time on a replay) runs on another core. The worker and that thread meet once per
// block, never per packet. At the end of the file the worker reads on by itself, so a file
// still being written is followed as before.

#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "common/mapped_memory.h"
#include "probe/capture/packet_source.h"

namespace limen::capture {

struct ClassicPcapFormat {
  bool swapped = false;     // written in the other byte order
  bool nanosecond = false;  // fractions are nanoseconds (magic a1b23c4d)
};

// The format of a file whose first bytes are `header`, when it is a classic pcap file of
// version 2.4 (what PcapFileReader reads); nullopt for anything else (pcapng, old versions,
// modified formats, too short), which libpcap then reads.
std::optional<ClassicPcapFormat> classic_pcap_format(std::span<const std::uint8_t> header);

class PcapFileReader final : public PacketSource {
 public:
  static constexpr std::size_t kFileHeaderSize = 24;
  static constexpr std::size_t kRecordHeaderSize = 16;
  // libpcap's largest sane record for every link type Limen decodes (its max_snaplen_for_dlt).
  static constexpr std::uint32_t kMaxCaptureLength = 262144;

  // `fd` positioned anywhere (reading starts after the file header); `snapshot` is the file's
  // snapshot length as libpcap adjusted it (pcap_snapshot).
  PcapFileReader(int fd, std::string name, decode::LinkType link, ClassicPcapFormat format,
                 std::uint32_t snapshot);
  ~PcapFileReader() override;

  const std::string& name() const override { return name_; }
  decode::LinkType link_type() const override { return link_; }
  ReadStatus dispatch(PacketHandler& handler, int max_packets) override;
  const std::string& error() const override { return error_; }
  const std::string& warning() const override { return warning_; }
  CaptureStats stats() override;
  bool wall_clock_time() const override { return false; }
  void break_loop() override;

 private:
  enum class Next : std::uint8_t { Packet, End, Failed };
  // Reads the next record into `packet`, its bytes left in the buffer until the next call.
  Next next(RawPacket& packet);
  // Makes `need` bytes available from pos_ unless the file ends first; false on a read error.
  bool fill(std::size_t need);
  // Skips `count` bytes after a record cut to the snapshot length; false when the file ends
  // or fails first (error recorded).
  bool skip(std::uint32_t count, std::uint32_t caplen);
  std::uint32_t u32(std::size_t at) const;
  std::int64_t time_part(std::uint32_t v) const;
  // Read-ahead: takes the block read into the other slot, the unread bytes moved in front of
  // it, and asks for the next; false on a read error (read_errno_ set).
  bool take_next_block();
  void read_ahead_loop();
  void stop_read_ahead();
  void fail_truncated(std::string detail);
  void fail(std::string_view cause, const std::string& detail);

  int fd_;
  std::string name_;
  decode::LinkType link_;
  ClassicPcapFormat format_;
  std::uint32_t snapshot_;
  // Two slots of kSlotBytes: kHeadroom for the unread end of the previous block, then a block.
  MappedMemory memory_;       // one huge page where the system has them: one fault, not 512
  std::uint8_t* buffer_;      // the slot being parsed
  std::size_t pos_ = 0;       // next unread byte in buffer_
  std::size_t end_ = 0;       // end of what was read into buffer_
  std::uint64_t offset_ = 0;  // file offset of buffer_[end_]
  int read_errno_ = 0;
  bool failed_ = false;
  std::atomic<bool> break_requested_{false};
  std::string error_;
  std::string warning_;
  std::uint64_t packets_ = 0;
  std::uint64_t bytes_ = 0;

  // pthread rather than std::thread: starting one allocates nothing from the heap, so a replay
  // stays free of allocations after warm-up even across many files.
  struct ReadAhead {
    pthread_t thread{};
    bool started = false;
    std::mutex mutex;
    std::condition_variable changed;
    bool requested = false;      // a block is wanted at `at` into `slot`
    bool done = false;           // it was read: `got` bytes, `error` an errno or 0
    bool stop = false;
    std::uint8_t* slot = nullptr;
    std::uint64_t at = 0;
    std::size_t got = 0;
    int error = 0;
  };
  bool ahead_enabled_ = false;  // the file is larger than a block and the thread started
  bool ahead_active_ = false;   // a block is being read ahead (until the end of the file)
  ReadAhead ahead_;
};

}  // namespace limen::capture
