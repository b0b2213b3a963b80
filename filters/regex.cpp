#define PCRE2_CODE_UNIT_WIDTH 8
#include "filters/regex.h"

#include <pcre2.h>

#include <array>

namespace limen::rules {
namespace {

// Bounds one search's backtracking: far above what a sane pattern needs on a
// field of a few KiB, far below what would stall a worker.
constexpr std::uint32_t kMatchLimit = 1'000'000;
constexpr std::uint32_t kDepthLimit = 10'000;
// A repeated group takes ~32 bytes of JIT stack per subject byte: 512 KiB answers
// 16 KiB of text, sixteen times the most a transaction holds.
constexpr std::size_t kJitStackStart = 32 * 1024;
constexpr std::size_t kJitStackMax = 512 * 1024;

thread_local std::uint64_t t_limit_hits = 0;

// One per thread that searches: created on its first search, freed at its exit.
struct Scratch {
  pcre2_match_data* data = nullptr;
  pcre2_match_context* context = nullptr;
  pcre2_jit_stack* stack = nullptr;

  Scratch() {
    data = pcre2_match_data_create(1, nullptr); // only "did it match": one pair
    context = pcre2_match_context_create(nullptr);
    stack = pcre2_jit_stack_create(kJitStackStart, kJitStackMax, nullptr);
    if (context != nullptr) {
      pcre2_set_match_limit(context, kMatchLimit);
      pcre2_set_depth_limit(context, kDepthLimit);
      if (stack != nullptr) pcre2_jit_stack_assign(context, nullptr, stack);
    }
  }
  ~Scratch() {
    pcre2_jit_stack_free(stack);
    pcre2_match_context_free(context);
    pcre2_match_data_free(data);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

} // namespace

struct Regex::Code {
  pcre2_code* code = nullptr;
  explicit Code(pcre2_code* c) : code(c) {}
  ~Code() { pcre2_code_free(code); }
  Code(const Code&) = delete;
  Code& operator=(const Code&) = delete;
};

Regex Regex::compile(std::string_view pattern, std::string& error, std::size_t& error_offset) {
  // NEVER_UTF/NEVER_UCP: a field's bytes are not promised to be UTF-8, and a
  // (*UTF) in the pattern must not turn an invalid byte into a match error.
  // NEVER_BACKSLASH_C: \C can split a character and is never needed here.
  constexpr std::uint32_t options = PCRE2_DOLLAR_ENDONLY | PCRE2_NEVER_UTF | PCRE2_NEVER_UCP |
                                    PCRE2_NEVER_BACKSLASH_C;
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* compiled =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options, &code,
                    &offset, nullptr);
  Regex r;
  if (compiled == nullptr) {
    std::array<PCRE2_UCHAR, 256> message{};
    const int n = pcre2_get_error_message(code, message.data(), message.size());
    error = n > 0 ? std::string(reinterpret_cast<const char*>(message.data()),
                                static_cast<std::size_t>(n))
                  : "invalid syntax";
    error_offset = offset;
    return r;
  }
  r.code_ = std::make_shared<const Code>(compiled);
  // Without JIT (a platform PCRE2 was built without it) the interpreter runs
  // the same pattern, under the same limits.
  r.jit_ = pcre2_jit_compile(compiled, PCRE2_JIT_COMPLETE) == 0;
  return r;
}

bool Regex::search(std::string_view text) const noexcept {
  if (code_ == nullptr) return false;
  Scratch& s = scratch();
  if (s.data == nullptr || s.context == nullptr) return false;
  // An empty view may carry a null pointer, which PCRE2 accepts only with length 0.
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.empty() ? "" : text.data());
  const int rc = jit_ ? pcre2_jit_match(code_->code, subject, text.size(), 0, 0, s.data, s.context)
                      : pcre2_match(code_->code, subject, text.size(), 0, 0, s.data, s.context);
  if (rc >= 0) return true; // 0: matched, the one-pair ovector too small for groups
  if (rc != PCRE2_ERROR_NOMATCH) ++t_limit_hits;
  return false;
}

std::uint64_t Regex::thread_limit_hits() noexcept {
  return t_limit_hits;
}

} // namespace limen::rules
