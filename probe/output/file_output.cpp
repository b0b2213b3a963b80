#include "probe/output/file_output.h"

#include <cerrno>
#include <cstring>

namespace limen::output {

std::unique_ptr<FileOutput> FileOutput::open(const std::string& path, std::string& error) {
  if (path == "-") return std::unique_ptr<FileOutput>(new FileOutput(stdout, "-", false));
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) {
    error = "cannot open EVE output " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  return std::unique_ptr<FileOutput>(new FileOutput(f, path, true));
}

FileOutput::FileOutput(std::FILE* file, std::string path, bool owned)
    : file_(file), path_(std::move(path)), owned_(owned) {
  // Large blocks: the output thread writes many small lines, and flushes every 100 ms anyway.
  // stdout outlives this object, so it keeps a buffer of stdio's own (fully buffered still).
  constexpr std::size_t kBufferBytes = std::size_t{1} << 20;
  if (owned_) buffer_ = std::make_unique_for_overwrite<char[]>(kBufferBytes);
  std::setvbuf(file_, buffer_.get(), _IOFBF, kBufferBytes);
}

FileOutput::~FileOutput() { close(); }

void FileOutput::note_error() {
  ++counters_.dropped;
  if (last_error_.empty()) last_error_ = describe() + ": " + std::strerror(errno);
}

void FileOutput::write(std::string_view, std::uint64_t, std::uint64_t, std::string_view line) {
  if (file_ == nullptr) {
    ++counters_.dropped;
    return;
  }
  // Only the output thread touches the file: the unlocked calls skip a lock per line.
  if (fwrite_unlocked(line.data(), 1, line.size(), file_) != line.size() ||
      fputc_unlocked('\n', file_) == EOF) {
    note_error();
    return;
  }
  ++counters_.written;
}

void FileOutput::flush() {
  if (file_ != nullptr && std::fflush(file_) != 0) note_error();
}

void FileOutput::close() {
  if (file_ == nullptr) return;
  flush();
  if (owned_ && std::fclose(file_) != 0) note_error();
  file_ = nullptr;
}

std::string FileOutput::describe() const {
  return path_ == "-" ? std::string("EVE on stdout") : "EVE file " + path_;
}

}  // namespace limen::output
