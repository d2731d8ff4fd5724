#include "engine/retry_policy.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace herald {

using std::chrono::milliseconds;

milliseconds BackoffDelay(const RetrySettings& settings, int failed_attempts, Random& random) {
  // Doubling stops once the cap is reached, so the shift cannot overflow.
  double nominal = static_cast<double>(settings.initial_backoff.count());
  const double cap = static_cast<double>(settings.max_backoff.count());
  for (int i = 1; i < failed_attempts && nominal < cap; ++i) {
    nominal *= 2;
  }
  nominal = std::min(nominal, cap);

  const double factor = 1.0 - settings.jitter + 2.0 * settings.jitter * random.Uniform();
  return milliseconds(
      static_cast<milliseconds::rep>(std::llround(std::max(0.0, nominal * factor))));
}

std::optional<milliseconds> ParseRetryAfter(std::string_view value,
                                            std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) {
    return std::nullopt;
  }

  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    long long seconds = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (error != std::errc() || end != value.data() + value.size()) {
      // Too many digits to fit: treat as "very long"; the caller caps it.
      return milliseconds::max();
    }
    if (seconds > std::chrono::duration_cast<std::chrono::seconds>(milliseconds::max()).count()) {
      return milliseconds::max();
    }
    return std::chrono::seconds(seconds);
  }

  // libcurl's date parser accepts the three HTTP-date formats of RFC 9110.
  const std::string text(value);
  const time_t when = curl_getdate(text.c_str(), nullptr);
  if (when == -1) {
    return std::nullopt;
  }
  // from_time_t() counts in nanoseconds, which overflow for dates past the
  // year 2262 (or before 1677), so such dates are settled in seconds first.
  constexpr std::int64_t kHundredYearsInSeconds = std::int64_t{100} * 366 * 24 * 3600;
  const std::int64_t now_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (when <= now_seconds) {
    return milliseconds(0);
  }
  if (when - now_seconds > kHundredYearsInSeconds) {
    return milliseconds::max();
  }
  const auto target = std::chrono::system_clock::from_time_t(when);
  if (target <= now) {
    return milliseconds(0);
  }
  return std::chrono::duration_cast<milliseconds>(target - now);
}

RetryDecision DecideRetry(const Classification& classification, const HttpResponse& response,
                          int attempts_made, int max_attempts, const RetrySettings& settings,
                          std::optional<milliseconds> remaining, Random& random,
                          std::chrono::system_clock::time_point now) {
  RetryDecision decision;
  if (classification.verdict == Verdict::kSuccess) {
    return decision;
  }
  if (classification.verdict == Verdict::kPermanent) {
    decision.stop_reason = "not retryable";
    return decision;
  }
  if (attempts_made >= max_attempts) {
    decision.stop_reason =
        fmt::format("gave up after {} attempt{}", attempts_made, attempts_made == 1 ? "" : "s");
    return decision;
  }

  milliseconds delay = BackoffDelay(settings, attempts_made, random);
  if (const auto header = response.FindHeader("Retry-After")) {
    if (const auto requested = ParseRetryAfter(*header, now)) {
      delay = std::max(delay, std::min(*requested, settings.max_retry_after));
    }
  }

  if (remaining && *remaining <= delay) {
    decision.stop_reason = fmt::format(
        "event deadline leaves {} ms, less than the {} ms wait "
        "before attempt {}",
        std::max<milliseconds::rep>(0, remaining->count()), delay.count(), attempts_made + 1);
    decision.deadline_exceeded = true;
    return decision;
  }

  decision.retry = true;
  decision.delay = delay;
  return decision;
}

}  // namespace herald
