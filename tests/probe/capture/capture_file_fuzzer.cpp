// libFuzzer target: arbitrary bytes as a capture file (pcap or pcapng), read to the end in
// small bursts. Whatever the bytes, opening and reading end in a clean status, and every
// packet view respects data.size() <= wire_length. Seeds: any pcap/pcapng files.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "probe/capture/pcap_source.h"

namespace {

class CheckingHandler final : public limen::capture::PacketHandler {
 public:
  void on_packet(const limen::capture::RawPacket& packet) override {
    if (packet.data.size() > packet.wire_length) std::abort();
    // Touch every byte so ASan sees a view that runs past libpcap's buffer.
    for (const std::uint8_t b : packet.data) sum_ = static_cast<std::uint8_t>(sum_ + b);
  }
  std::uint8_t sum_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;  // fmemopen rejects empty buffers; open_file handles empty files
  std::FILE* file = fmemopen(const_cast<std::uint8_t*>(data), size, "rb");
  if (file == nullptr) return 0;
  std::string error;
  auto source = limen::capture::open_stream(file, "fuzz", error);
  if (!source) {
    if (error.rfind("fuzz: ", 0) != 0) std::abort();
    return 0;
  }
  CheckingHandler handler;
  for (int i = 0; i < 100000; ++i) {
    const auto status = source->dispatch(handler, 8);
    if (status == limen::capture::ReadStatus::End) break;
    if (status == limen::capture::ReadStatus::Error) {
      if (source->error().rfind("fuzz: ", 0) != 0) std::abort();
      break;
    }
    if (status != limen::capture::ReadStatus::Packets) std::abort();
  }
  return 0;
}
