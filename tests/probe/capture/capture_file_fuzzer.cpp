// libFuzzer target: arbitrary bytes as a capture file (pcap or pcapng), read to the end in
// small bursts. Whatever the bytes, opening and reading end in a clean status, and every
// packet view respects data.size() <= wire_length. The bytes sit in a memory file with a
// descriptor, so classic pcap goes through PcapFileReader as from disk, and pcapng through
// libpcap. Seeds: any pcap/pcapng files.

#include <sys/mman.h>
#include <unistd.h>

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
  static const int fd = memfd_create("capture-fuzz", MFD_CLOEXEC);
  if (fd < 0) std::abort();
  // The previous input's stream moved the shared offset: rewind it too.
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size) ||
      lseek(fd, 0, SEEK_SET) != 0)
    std::abort();
  // A stream of its own over the same memory file, closed (with its descriptor) by the source.
  const int own = dup(fd);
  if (own < 0) std::abort();
  std::FILE* file = fdopen(own, "rb");
  if (file == nullptr) std::abort();
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
