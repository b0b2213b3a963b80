#pragma once
// PcapWriter: writes a classic little-endian pcap file through one large buffer, so a gigabyte
// costs a few hundred fwrite calls rather than one per packet.
//
// Errors (cannot create, short write, full disk) throw std::runtime_error naming the file: the
// generator is an offline tool, and a half-written benchmark capture must never look complete.

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

namespace limen::bench {

inline constexpr std::uint32_t kLinkEthernet = 1;
inline constexpr std::uint32_t kSnaplen = 65535;

class PcapWriter {
 public:
  // nanosecond: write the nanosecond-resolution magic (record fractions are then nanoseconds).
  PcapWriter(std::string path, std::uint32_t linktype, std::uint32_t snaplen,
             bool nanosecond = false);
  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  // One record: seconds, fraction (µs, or ns for a nanosecond file), the captured bytes and the
  // length the packet had on the wire.
  void record(std::uint32_t sec, std::uint32_t frac, std::span<const std::uint8_t> data,
              std::uint32_t wire_len);
  // Record of a whole frame at a microsecond timestamp.
  void frame(std::uint64_t ts_us, std::span<const std::uint8_t> data) {
    record(static_cast<std::uint32_t>(ts_us / 1000000), static_cast<std::uint32_t>(ts_us % 1000000),
           data, static_cast<std::uint32_t>(data.size()));
  }
  // Bytes of the file so far, header included, buffered or not.
  [[nodiscard]] std::uint64_t bytes() const { return bytes_; }
  [[nodiscard]] std::uint64_t packets() const { return packets_; }
  // Flushes and closes. A writer destroyed without close() (an exception on the way) removes
  // its file instead: a capture cut short must not be mistaken for a complete one.
  void close();

 private:
  void put(const void* data, std::size_t n);
  void flush();
  std::string path_;
  std::FILE* file_ = nullptr;
  std::vector<std::uint8_t> buffer_;
  std::uint64_t bytes_ = 0;
  std::uint64_t packets_ = 0;
};

}  // namespace limen::bench
