#ifndef HERALD_SRC_CONFIG_SUGGEST_H_
#define HERALD_SRC_CONFIG_SUGGEST_H_

// "Did you mean" suggestions for misspelt keys and event names.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace herald::config_internal {

// Returns the Levenshtein distance between `a` and `b`, comparing ASCII
// letters case-insensitively.
std::size_t EditDistance(std::string_view a, std::string_view b);

// Returns the candidate closest to `word`, or nullopt when none is close.
// A candidate is close when its distance is at most a third of its length,
// and at least 2, so "numRetry" finds "numRetries" but "foo" finds nothing
// in the webhook keys. Ties go to the earlier candidate.
std::optional<std::string> ClosestMatch(std::string_view word,
                                        std::span<const std::string_view> candidates);

// Returns " Did you mean `X`?" for the closest candidate, or "" when none is
// close, ready to append to a message.
std::string DidYouMean(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace herald::config_internal

#endif  // HERALD_SRC_CONFIG_SUGGEST_H_
