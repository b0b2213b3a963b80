#pragma once
// "Did you mean ...?" for misspelt names and keywords: the closest candidate by edit distance
// (optimal string alignment, case-insensitive), if it is close enough to be a plausible typo.

#include <span>
#include <string>
#include <string_view>

namespace limen::rules {

// Case-insensitive optimal-string-alignment distance (an adjacent swap costs 1).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The closest candidate within max(1, |word| / 3) edits (at most 3) and fewer edits than either
// word has letters, or "" when none is.
std::string_view closest(std::string_view word, std::span<const std::string_view> candidates);

// " (did you mean 'x'?)" with prefix prepended to x, or "" when nothing is close.
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates,
                         std::string_view prefix = {});

}  // namespace limen::rules
