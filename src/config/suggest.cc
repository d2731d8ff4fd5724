#include "suggest.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include <fmt/format.h>

#include "ascii.h"

namespace herald::config_internal {
std::size_t EditDistance(std::string_view a, std::string_view b) {
  // Two-row dynamic programme over the prefixes of `a` and `b`.
  std::vector<std::size_t> previous(b.size() + 1);
  std::vector<std::size_t> current(b.size() + 1);
  std::iota(previous.begin(), previous.end(), std::size_t{0});

  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = AsciiToLower(a[i - 1]) == AsciiToLower(b[j - 1]) ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::optional<std::string> ClosestMatch(std::string_view word,
                                        std::span<const std::string_view> candidates) {
  std::optional<std::string_view> best;
  std::size_t best_distance = 0;
  for (std::string_view candidate : candidates) {
    const std::size_t max_distance = std::max<std::size_t>(2, candidate.size() / 3);
    const std::size_t distance = EditDistance(word, candidate);
    if (distance > max_distance) continue;
    if (!best.has_value() || distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  if (!best.has_value()) return std::nullopt;
  return std::string(*best);
}

std::string DidYouMean(std::string_view word, std::span<const std::string_view> candidates) {
  const std::optional<std::string> match = ClosestMatch(word, candidates);
  if (!match.has_value()) return "";
  return fmt::format(" Did you mean `{}`?", *match);
}

}  // namespace herald::config_internal
