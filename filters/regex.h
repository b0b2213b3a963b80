#pragma once
// A compiled `~` pattern: PCRE2, JIT-compiled where the platform allows, searched
// anywhere in a text field's bytes.
//
// Why PCRE2 and not std::regex: libstdc++'s matcher allocates on every search and
// recurses once per subject byte, so a long hostile field could exhaust a worker's
// stack; PCRE2's JIT matches without touching the heap, with bounded stack and a
// match limit. The compiled code is immutable and shared by every worker; the
// match scratch (match data, JIT stack) belongs to the calling thread and is made
// on its first search, so a warm worker never allocates here.
//
// Semantics: byte-wise (no UTF mode, whatever the pattern says), case-sensitive
// unless the pattern says (?i), `$` only at the very end. A search that exceeds
// the match limit counts as no match, and is counted for the thread that ran it
// (a worker reports its count in its stats events).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace limen::rules {

class Regex {
 public:
  // Compiles `pattern`; on failure returns an empty Regex and sets `error` to
  // PCRE2's reason and `error_offset` to the byte of the pattern it points at.
  static Regex compile(std::string_view pattern, std::string& error, std::size_t& error_offset);

  Regex() = default;
  [[nodiscard]] bool valid() const noexcept { return code_ != nullptr; }

  // True when the pattern matches somewhere in `text`. Never throws; allocates
  // only on a thread's first search.
  [[nodiscard]] bool search(std::string_view text) const noexcept;

  // Searches by the calling thread that gave up at the match limit (each
  // reported as no match).
  [[nodiscard]] static std::uint64_t thread_limit_hits() noexcept;

 private:
  struct Code;
  std::shared_ptr<const Code> code_;
  bool jit_ = false;
};

} // namespace limen::rules
