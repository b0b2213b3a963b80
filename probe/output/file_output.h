#pragma once
// FileOutput: EVE JSON lines appended to a file, or written to stdout for the path "-".

#include <cstdio>
#include <memory>
#include <string>

#include "probe/output/event_output.h"

namespace limen::output {

class FileOutput final : public EventOutput {
 public:
  // nullptr and `error` (naming the path and the cause) when the file cannot be opened.
  static std::unique_ptr<FileOutput> open(const std::string& path, std::string& error);
  ~FileOutput() override;

  void write(std::string_view probe, std::uint64_t run, std::uint64_t seq,
             std::string_view line) override;
  void flush() override;
  void close() override;
  [[nodiscard]] std::string describe() const override;

 private:
  FileOutput(std::FILE* file, std::string path, bool owned);
  void note_error();

  std::FILE* file_;
  std::string path_;
  bool owned_;
  // stdio's buffer for a file we own. glibc ignores the size given to setvbuf without a buffer
  // and keeps 4 KiB: an EVE file took a write system call per 4 KiB, 16,000 per 67 MB.
  std::unique_ptr<char[]> buffer_;
};

}  // namespace limen::output
