#include "pcap_writer.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace limen::bench {
namespace {

constexpr std::size_t kBufferBytes = std::size_t{8} << 20;

void le32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

}  // namespace

PcapWriter::PcapWriter(std::string path, std::uint32_t linktype, std::uint32_t snaplen,
                       bool nanosecond)
    : path_(std::move(path)) {
  file_ = path_ == "-" ? stdout : std::fopen(path_.c_str(), "wb");
  if (file_ == nullptr) {
    throw std::runtime_error("cannot create " + path_ + ": " + std::strerror(errno));
  }
  buffer_.reserve(kBufferBytes);
  std::uint8_t header[24] = {};
  le32(header, nanosecond ? 0xA1B23C4Du : 0xA1B2C3D4u);
  header[4] = 2;  // version 2.4
  header[6] = 4;
  le32(header + 16, snaplen);
  le32(header + 20, linktype);
  put(header, sizeof header);
}

PcapWriter::~PcapWriter() {
  if (file_ == nullptr) return;
  if (file_ == stdout) {
    std::fflush(stdout);
    return;
  }
  std::fclose(file_);
  std::remove(path_.c_str());
}

void PcapWriter::record(std::uint32_t sec, std::uint32_t frac, std::span<const std::uint8_t> data,
                        std::uint32_t wire_len) {
  std::uint8_t header[16];
  le32(header, sec);
  le32(header + 4, frac);
  le32(header + 8, static_cast<std::uint32_t>(data.size()));
  le32(header + 12, wire_len);
  put(header, sizeof header);
  put(data.data(), data.size());
  ++packets_;
}

void PcapWriter::put(const void* data, std::size_t n) {
  if (buffer_.size() + n > kBufferBytes) flush();
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  buffer_.insert(buffer_.end(), bytes, bytes + n);
  bytes_ += n;
}

void PcapWriter::flush() {
  if (buffer_.empty()) return;
  if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
    throw std::runtime_error("cannot write " + path_ + ": " + std::strerror(errno));
  }
  buffer_.clear();
}

void PcapWriter::close() {
  if (file_ == nullptr) return;
  std::string error;
  try {
    flush();
  } catch (const std::runtime_error& e) {
    error = e.what();
  }
  std::FILE* file = std::exchange(file_, nullptr);
  const bool closed = file == stdout ? std::fflush(file) == 0 : std::fclose(file) == 0;
  if (!error.empty()) throw std::runtime_error(error);
  if (!closed) throw std::runtime_error("cannot write " + path_ + ": " + std::strerror(errno));
}

}  // namespace limen::bench
