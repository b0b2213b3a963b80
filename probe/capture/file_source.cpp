// open_file: capture-file replay. The file is opened here rather than by pcap_open_offline so
// that each way of failing (missing, unreadable, a directory, empty) gets its own clear message
// before libpcap sees it. libpcap then checks the header of every file; classic pcap files are
// read by PcapFileReader, pcapng and the old variants by libpcap, converting nanosecond
// timestamps to microseconds.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>

#include "probe/capture/packet_source.h"
#include "probe/capture/pcap_file_reader.h"
#include "probe/capture/pcap_source.h"

namespace limen::capture {
namespace {

constexpr std::size_t kReadBufferBytes = std::size_t{1} << 20;

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

// Rephrases libpcap's open-time message ("unknown file format", "truncated dump file; tried to
// read 24 file header bytes, only got 10", ...) into a cause, keeping libpcap's text.
std::string describe_header_error(std::string_view detail) {
  std::string cause;
  if (detail.find("unknown file format") != std::string_view::npos)
    cause = "not a pcap or pcapng file";
  else if (detail.find("truncated") != std::string_view::npos)
    cause = "truncated capture file header";
  else
    cause = "unreadable capture file header";
  if (!detail.empty()) cause += " (" + std::string(detail) + ")";
  return cause;
}

}  // namespace

std::unique_ptr<PacketSource> open_file(const std::filesystem::path& path, std::string& error) {
  std::string name = path.string();
  if (name.empty()) {
    error = "capture file: empty file name";
    return nullptr;
  }
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(name.c_str(), "rb"));
  if (!file) {
    const int err = errno;
    error = name + ": cannot open (" + std::generic_category().message(err) + ")";
    return nullptr;
  }
  struct stat st {};
  if (fstat(fileno(file.get()), &st) != 0) {
    const int err = errno;
    error = name + ": cannot open (" + std::generic_category().message(err) + ")";
    return nullptr;
  }
  if (S_ISDIR(st.st_mode)) {
    error = name + ": is a directory, not a capture file";
    return nullptr;
  }
  if (S_ISREG(st.st_mode) && st.st_size == 0) {
    error = name + ": empty file, not a pcap or pcapng file";
    return nullptr;
  }

  return open_stream(file.release(), std::move(name), error);
}

std::unique_ptr<PacketSource> open_stream(std::FILE* file, std::string name, std::string& error) {
  // The first bytes are read beside the stream (pread leaves its position alone), to choose
  // the reader before libpcap reads the header through the stream.
  const int fd = fileno(file);
  std::optional<ClassicPcapFormat> classic;
  if (fd >= 0) {
    std::uint8_t header[PcapFileReader::kFileHeaderSize];
    if (pread(fd, header, sizeof header, 0) == static_cast<ssize_t>(sizeof header))
      classic = classic_pcap_format(header);
  }
  std::unique_ptr<char[]> read_buffer;
  if (!classic && fd >= 0) {
    // libpcap reads each record with two freads; through stdio's default buffer (the file
    // system's block size) that was a read system call every few packets, 10% of a replay.
    read_buffer = std::make_unique_for_overwrite<char[]>(kReadBufferBytes);
    if (std::setvbuf(file, read_buffer.get(), _IOFBF, kReadBufferBytes) != 0) read_buffer.reset();
  }

  char errbuf[PCAP_ERRBUF_SIZE] = {};
  // On failure libpcap leaves the FILE open; once it returns a handle, pcap_close closes both.
  PcapHandle handle(
      pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_MICRO, errbuf));
  if (!handle) {
    std::fclose(file);
    error = name + ": " + describe_header_error(errbuf);
    return nullptr;
  }
  const int dlt = pcap_datalink(handle.get());
  decode::LinkType link{};
  if (!link_type_from_dlt(dlt, link)) {
    error = unsupported_link_type_error(name, dlt);
    return nullptr;
  }
  if (classic) {
    // libpcap has checked the header; the reader takes its own descriptor and the handle
    // (with the stream) is closed.
    const int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (own < 0) {
      error = name + ": cannot open (" + std::generic_category().message(errno) + ")";
      return nullptr;
    }
    return std::make_unique<PcapFileReader>(
        own, std::move(name), link, *classic,
        static_cast<std::uint32_t>(pcap_snapshot(handle.get())));
  }
  return std::make_unique<PcapSource>(std::move(handle), PcapSource::Kind::File, std::move(name),
                                      link, std::string(), std::move(read_buffer));
}

}  // namespace limen::capture
