// limen-bench-generate: writes the captures the benchmarks replay (bench/README.md).
//
//   limen-bench-generate --mode mix [--size 1G] [--seed N] --out FILE
//   limen-bench-generate --mode concurrent [--flows 1000000] [--seed N] --out FILE
//   limen-bench-generate --mode remix --input IN [--min-packets N] [--max-gap SEC] --out FILE
//
// The same arguments give a byte-identical file. Exit codes: 0 written, 1 bad arguments, 2 a file
// could not be read or written (nothing is left at --out then).

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "modes.h"

namespace {

constexpr const char* kUsage =
    "usage: limen-bench-generate --mode mix [--size SIZE] [--seed N] --out FILE\n"
    "       limen-bench-generate --mode concurrent [--flows N] [--seed N] --out FILE\n"
    "       limen-bench-generate --mode remix --input FILE [--min-packets N] [--max-gap SEC]\n"
    "                            --out FILE\n"
    "SIZE: bytes with an optional K, M or G suffix (powers of 1024); default 1G.\n"
    "FILE '-' is standard output.\n";

// A whole number with an optional binary suffix; nullopt when it is not one.
std::optional<std::uint64_t> parse_size(std::string_view s, bool suffix_allowed) {
  if (s.empty()) return std::nullopt;
  std::uint64_t scale = 1;
  if (suffix_allowed) {
    switch (s.back()) {
      case 'K':
      case 'k':
        scale = std::uint64_t{1} << 10;
        break;
      case 'M':
      case 'm':
        scale = std::uint64_t{1} << 20;
        break;
      case 'G':
      case 'g':
        scale = std::uint64_t{1} << 30;
        break;
      default:
        break;
    }
    if (scale != 1) s.remove_suffix(1);
  }
  if (s.empty() || s.size() > 15) return std::nullopt;
  std::uint64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v * scale;
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "limen-bench-generate: %s\n%s", message.c_str(), kUsage);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace limen::bench;
  std::map<std::string, std::string> args;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a.substr(0, 2) != "--" || i + 1 >= argc)
      return usage_error("bad argument '" + std::string(a) + "'");
    args[std::string(a.substr(2))] = argv[++i];
  }
  auto take = [&args](const std::string& name) -> std::optional<std::string> {
    const auto it = args.find(name);
    if (it == args.end()) return std::nullopt;
    std::string v = it->second;
    args.erase(it);
    return v;
  };
  // A numeric option: its default when absent, nullopt (after a message) when malformed.
  auto number = [&take](const std::string& name, std::uint64_t fallback, bool suffix) {
    const auto v = take(name);
    if (!v) return std::optional<std::uint64_t>(fallback);
    const auto n = parse_size(*v, suffix);
    if (!n)
      std::fprintf(stderr, "limen-bench-generate: --%s: not a number: %s\n", name.c_str(),
                   v->c_str());
    return n;
  };

  const auto mode = take("mode");
  const auto out = take("out");
  if (!mode) return usage_error("--mode is required");
  if (!out) return usage_error("--out is required");
  int rc = 0;
  try {
    if (*mode == "mix") {
      const auto size = number("size", std::uint64_t{1} << 30, true);
      const auto seed = number("seed", 1, false);
      if (!size || !seed) return 1;
      if (*size < (std::uint64_t{1} << 20)) return usage_error("--size must be at least 1M");
      if (!args.empty()) return usage_error("unknown option --" + args.begin()->first);
      rc = run_mix({*out, *size, *seed});
    } else if (*mode == "concurrent") {
      const auto flows = number("flows", 1000000, true);
      const auto seed = number("seed", 1, false);
      if (!flows || !seed) return 1;
      if (*flows == 0 || *flows > 16000000) return usage_error("--flows must be 1..16000000");
      if (!args.empty()) return usage_error("unknown option --" + args.begin()->first);
      rc = run_concurrent({*out, *flows, *seed});
    } else if (*mode == "remix") {
      const auto input = take("input");
      const auto min_packets = number("min-packets", 500000, true);
      const auto max_gap = number("max-gap", 60, false);
      if (!input) return usage_error("--input is required in remix mode");
      if (!min_packets || !max_gap) return 1;
      if (!args.empty()) return usage_error("unknown option --" + args.begin()->first);
      rc = run_remix({*input, *out, *min_packets, *max_gap});
    } else {
      return usage_error("unknown mode '" + *mode + "'");
    }
  } catch (const std::exception& e) {
    // The writer has removed what it had written (PcapWriter::close()).
    std::fprintf(stderr, "limen-bench-generate: %s\n", e.what());
    return 2;
  }
  return rc;
}
