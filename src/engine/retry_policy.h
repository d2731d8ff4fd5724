#ifndef HERALD_ENGINE_RETRY_POLICY_H_
#define HERALD_ENGINE_RETRY_POLICY_H_

#include <chrono>
#include <optional>
#include <string>

#include "engine/attempt_classifier.h"
#include "herald/clock.h"
#include "herald/config.h"
#include "herald/transport.h"

namespace herald {

// Returns the backoff before attempt `failed_attempts + 1`: initial_backoff
// doubled per failed attempt after the first, capped at max_backoff, then
// scaled by a factor drawn uniformly from [1 - jitter, 1 + jitter].
std::chrono::milliseconds BackoffDelay(const RetrySettings& settings, int failed_attempts,
                                       Random& random);

// Parses a Retry-After value: delay-seconds, or an HTTP-date relative to
// `now`. Returns nullopt for anything else. A date in the past is zero.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now);

struct RetryDecision {
  bool retry = false;
  // Wait before the next attempt, when `retry`.
  std::chrono::milliseconds delay{0};
  // Reason no further attempt is made, when not `retry` and the attempt failed.
  std::string stop_reason;
  // True when the stop is due to the event deadline.
  bool deadline_exceeded = false;
};

// Decides whether to make another attempt after one that was classified as
// `classification`. `attempts_made` counts attempts so far, including the
// one just classified. `remaining` is the time left before the event
// deadline, if there is one.
RetryDecision DecideRetry(const Classification& classification, const HttpResponse& response,
                          int attempts_made, int max_attempts, const RetrySettings& settings,
                          std::optional<std::chrono::milliseconds> remaining, Random& random,
                          std::chrono::system_clock::time_point now);

}  // namespace herald

#endif  // HERALD_ENGINE_RETRY_POLICY_H_
