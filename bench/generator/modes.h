#pragma once
// The three modes of limen-bench-generate. Each writes one capture and returns the exit code;
// I/O errors throw std::runtime_error (the writer names the file), caught by main().

#include <cstdint>
#include <string>

namespace limen::bench {

// Packet time of the first frame of a synthetic capture: 2026-03-02 08:00:00 UTC, as the
// project's own demo capture.
inline constexpr std::uint64_t kStartUs = 1772438400ULL * 1000000;

struct MixOptions {
  std::string out;
  std::uint64_t size = std::uint64_t{1} << 30;
  std::uint64_t seed = 1;
};
int run_mix(const MixOptions& o);

struct ConcurrentOptions {
  std::string out;
  std::uint64_t flows = 1000000;
  std::uint64_t seed = 1;
};
int run_concurrent(const ConcurrentOptions& o);

struct RemixOptions {
  std::string input;
  std::string out;
  std::uint64_t min_packets = 500000;
  std::uint64_t max_gap_s = 60;
};
int run_remix(const RemixOptions& o);

}  // namespace limen::bench
