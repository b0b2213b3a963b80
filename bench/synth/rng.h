#pragma once
// Rng: the generator's only source of randomness, xoshiro256** seeded through splitmix64.
//
// Both algorithms are fixed here, and every derived value (ranges, chances, log-uniform sizes) is
// computed with integer arithmetic, so one seed gives a byte-identical capture on every machine,
// compiler and standard library. <random>'s distributions are implementation-defined, which is
// why they are not used.

#include <cstddef>
#include <cstdint>
#include <span>

namespace limen::bench {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& word : state_) word = splitmix64(seed);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, n); n = 0 gives 0. Lemire's multiply-shift: no modulo bias worth measuring
  // for the small ranges used here, and no loop.
  std::uint64_t below(std::uint64_t n) {
    __extension__ using Wide = unsigned __int128;  // GCC and Clang; -Wpedantic knows it is one
    return static_cast<std::uint64_t>((static_cast<Wide>(next()) * n) >> 64);
  }
  // Uniform in [lo, hi], both included.
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi) { return lo + below(hi - lo + 1); }
  std::uint32_t between32(std::uint64_t lo, std::uint64_t hi) {
    return static_cast<std::uint32_t>(between(lo, hi));
  }
  // True with probability percent / 100.
  bool chance(std::uint32_t percent) { return below(100) < percent; }
  // Roughly log-uniform in [lo, hi] (lo >= 1): a power of two is chosen uniformly, then a value
  // inside that octave. Sizes and think times of real traffic spread over decades like this.
  std::uint64_t log_between(std::uint64_t lo, std::uint64_t hi);
  void fill(std::span<std::uint8_t> out);

  // The seed expansion of xoshiro's authors, also useful to derive per-item values from an index.
  static std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t state_[4]{};
};

inline std::uint64_t Rng::log_between(std::uint64_t lo, std::uint64_t hi) {
  if (lo < 1) lo = 1;
  if (hi <= lo) return lo;
  const int lo_bit = 63 - __builtin_clzll(lo);
  const int hi_bit = 63 - __builtin_clzll(hi);
  const int octave =
      lo_bit + static_cast<int>(below(static_cast<std::uint64_t>(hi_bit - lo_bit + 1)));
  const std::uint64_t start = std::uint64_t{1} << octave;
  std::uint64_t value = start + below(start);
  if (value < lo) value = lo + below(start);
  return value > hi ? lo + below(hi - lo + 1) : value;
}

inline void Rng::fill(std::span<std::uint8_t> out) {
  std::size_t i = 0;
  while (i < out.size()) {
    std::uint64_t word = next();
    for (int b = 0; b < 8 && i < out.size(); ++b, ++i, word >>= 8) {
      out[i] = static_cast<std::uint8_t>(word);
    }
  }
}

}  // namespace limen::bench
