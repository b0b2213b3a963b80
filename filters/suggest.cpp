#include "filters/suggest.h"

#include <algorithm>
#include <vector>

namespace limen::rules {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  // Three rolling rows: the swap rule looks two rows back.
  std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1]))
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

std::string_view closest(std::string_view word, std::span<const std::string_view> candidates) {
  // Names are short; anything longer is not a typo of a name, and would cost quadratic time.
  if (word.empty() || word.size() > 64) return {};
  const std::size_t limit = std::clamp<std::size_t>(word.size() / 3, 1, 3);
  std::string_view best;
  std::size_t best_distance = limit + 1;
  for (const std::string_view c : candidates) {
    if (c.size() > 64) continue;
    const std::size_t d = edit_distance(word, c);
    // Replacing a whole short word is not a typo ('b' is no misspelling of 'a').
    if (d < best_distance && d < word.size() && d < c.size()) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates,
                         std::string_view prefix) {
  const std::string_view best = closest(word, candidates);
  if (best.empty()) return {};
  return " (did you mean '" + std::string(prefix) + std::string(best) + "'?)";
}

}  // namespace limen::rules
