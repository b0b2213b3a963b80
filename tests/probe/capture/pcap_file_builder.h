#pragma once
// PcapFileBuilder: writes classic pcap files byte by byte for the capture tests, so each test
// states exactly what the file holds (link type, precision, record sizes, damage) with no
// dependency on libpcap's writer. Version 2.4, little-endian unless told otherwise.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <span>
#include <vector>

namespace limen::capture::testing {

class PcapFileBuilder {
 public:
  static constexpr std::size_t kFileHeaderSize = 24;
  static constexpr std::size_t kRecordHeaderSize = 16;

  explicit PcapFileBuilder(std::uint32_t linktype, bool nanosecond = false,
                           std::uint32_t snaplen = 65535, bool big_endian = false)
      : big_endian_(big_endian) {
    put32(nanosecond ? 0xa1b23c4d : 0xa1b2c3d4);
    put16(2);
    put16(4);
    put32(0);  // thiszone
    put32(0);  // sigfigs
    put32(snaplen);
    put32(linktype);
  }

  // A record whose header says caplen = data.size() unless told otherwise (to forge damage).
  PcapFileBuilder& add(std::uint32_t sec, std::uint32_t frac, std::span<const std::uint8_t> data,
                       std::uint32_t wire_length = 0) {
    return add_raw(sec, frac, static_cast<std::uint32_t>(data.size()),
                   wire_length != 0 ? wire_length : static_cast<std::uint32_t>(data.size()), data);
  }
  PcapFileBuilder& add_raw(std::uint32_t sec, std::uint32_t frac, std::uint32_t caplen,
                           std::uint32_t wire_length, std::span<const std::uint8_t> data) {
    put32(sec);
    put32(frac);
    put32(caplen);
    put32(wire_length);
    bytes_.insert(bytes_.end(), data.begin(), data.end());
    return *this;
  }

  [[nodiscard]] const std::vector<std::uint8_t>& bytes() const { return bytes_; }

  // Writes the first `length` bytes (all by default) to path.
  void write(const std::filesystem::path& path, std::size_t length = SIZE_MAX) const {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    const std::size_t n = length < bytes_.size() ? length : bytes_.size();
    out.write(reinterpret_cast<const char*>(bytes_.data()), static_cast<std::streamsize>(n));
  }

 private:
  void put16(std::uint16_t v) {
    for (int i = 0; i < 2; ++i)
      bytes_.push_back(static_cast<std::uint8_t>(v >> (big_endian_ ? 8 - 8 * i : 8 * i)));
  }
  void put32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
      bytes_.push_back(static_cast<std::uint8_t>(v >> (big_endian_ ? 24 - 8 * i : 8 * i)));
  }

  bool big_endian_;
  std::vector<std::uint8_t> bytes_;
};

}  // namespace limen::capture::testing
