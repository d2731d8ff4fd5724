#include "engine/retry_policy.h"

#include <gtest/gtest.h>

#include "testing/fakes.h"

namespace herald {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test::FakeRandom;

const std::chrono::system_clock::time_point kNow =
    std::chrono::system_clock::from_time_t(1'767'225'600);  // 2026-01-01T00:00:00Z

HttpResponse Status(int status, std::vector<Header> headers = {}) {
  HttpResponse response;
  response.status = status;
  response.headers = std::move(headers);
  return response;
}

TEST(BackoffDelay, DoublesFromInitialWithoutJitter) {
  RetrySettings settings;
  settings.jitter = 0.0;
  FakeRandom random(0.9);
  EXPECT_EQ(BackoffDelay(settings, 1, random), milliseconds(100));
  EXPECT_EQ(BackoffDelay(settings, 2, random), milliseconds(200));
  EXPECT_EQ(BackoffDelay(settings, 3, random), milliseconds(400));
  EXPECT_EQ(BackoffDelay(settings, 6, random), milliseconds(3200));
}

TEST(BackoffDelay, CappedAtMaxBackoff) {
  RetrySettings settings;
  settings.jitter = 0.0;
  FakeRandom random;
  EXPECT_EQ(BackoffDelay(settings, 7, random), milliseconds(5000));
  EXPECT_EQ(BackoffDelay(settings, 1000, random), milliseconds(5000));
}

TEST(BackoffDelay, JitterSpansPlusMinusFactor) {
  RetrySettings settings;  // jitter 0.2
  FakeRandom low(0.0);
  FakeRandom middle(0.5);
  FakeRandom high(0.999999);
  EXPECT_EQ(BackoffDelay(settings, 1, low), milliseconds(80));
  EXPECT_EQ(BackoffDelay(settings, 1, middle), milliseconds(100));
  EXPECT_EQ(BackoffDelay(settings, 1, high), milliseconds(120));
  EXPECT_EQ(BackoffDelay(settings, 3, low), milliseconds(320));
}

TEST(ParseRetryAfter, DelaySeconds) {
  EXPECT_EQ(ParseRetryAfter("3", kNow), milliseconds(3000));
  EXPECT_EQ(ParseRetryAfter(" 0 ", kNow), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("99999999999999999999999", kNow), milliseconds::max());
}

TEST(ParseRetryAfter, HttpDate) {
  // kNow plus 90 seconds.
  EXPECT_EQ(ParseRetryAfter("Thu, 01 Jan 2026 00:01:30 GMT", kNow), milliseconds(90'000));
  EXPECT_EQ(ParseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", kNow), milliseconds(0));
}

// Such dates overflowed std::chrono::system_clock's nanoseconds, which
// UndefinedBehaviorSanitizer reported; found by fuzz/fuzz_retry_after.
TEST(ParseRetryAfter, DateBeyondClockRange) {
  const std::string fuzzed(
      "Sun Nov  6\xff\xff\xff\xff\xff"
      "99999999\xff",
      24);
  EXPECT_EQ(ParseRetryAfter(fuzzed, kNow), milliseconds::max());
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 9999999 08:49:37 GMT", kNow), milliseconds::max());
}

TEST(ParseRetryAfter, RejectsGarbage) {
  EXPECT_EQ(ParseRetryAfter("", kNow), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", kNow), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-5", kNow), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("1.5", kNow), std::nullopt);
}

TEST(DecideRetry, SuccessStops) {
  FakeRandom random;
  const auto decision =
      DecideRetry({Verdict::kSuccess, ""}, Status(200), 1, 3, {}, std::nullopt, random, kNow);
  EXPECT_FALSE(decision.retry);
  EXPECT_TRUE(decision.stop_reason.empty());
}

TEST(DecideRetry, PermanentStops) {
  FakeRandom random;
  const auto decision = DecideRetry({Verdict::kPermanent, "HTTP 404"}, Status(404), 1, 3, {},
                                    std::nullopt, random, kNow);
  EXPECT_FALSE(decision.retry);
  EXPECT_EQ(decision.stop_reason, "not retryable");
}

TEST(DecideRetry, StopsWhenAttemptsUsedUp) {
  FakeRandom random;
  const auto decision = DecideRetry({Verdict::kRetryable, "HTTP 503"}, Status(503), 3, 3, {},
                                    std::nullopt, random, kNow);
  EXPECT_FALSE(decision.retry);
  EXPECT_EQ(decision.stop_reason, "gave up after 3 attempts");
}

TEST(DecideRetry, RetriesWithBackoff) {
  FakeRandom random(0.5);
  const auto decision = DecideRetry({Verdict::kRetryable, "HTTP 503"}, Status(503), 2, 3, {},
                                    std::nullopt, random, kNow);
  EXPECT_TRUE(decision.retry);
  EXPECT_EQ(decision.delay, milliseconds(200));
}

TEST(DecideRetry, HonoursRetryAfterUpToCap) {
  FakeRandom random(0.5);
  const auto two_seconds =
      DecideRetry({Verdict::kRetryable, "HTTP 429"}, Status(429, {{"retry-after", "2"}}), 1, 3, {},
                  std::nullopt, random, kNow);
  EXPECT_TRUE(two_seconds.retry);
  EXPECT_EQ(two_seconds.delay, seconds(2));

  const auto capped =
      DecideRetry({Verdict::kRetryable, "HTTP 429"}, Status(429, {{"Retry-After", "3600"}}), 1, 3,
                  {}, std::nullopt, random, kNow);
  EXPECT_EQ(capped.delay, seconds(30));
}

TEST(DecideRetry, RetryAfterShorterThanBackoffKeepsBackoff) {
  FakeRandom random(0.5);
  const auto decision =
      DecideRetry({Verdict::kRetryable, "HTTP 503"}, Status(503, {{"Retry-After", "0"}}), 3, 5, {},
                  std::nullopt, random, kNow);
  EXPECT_EQ(decision.delay, milliseconds(400));
}

TEST(DecideRetry, StopsWhenDeadlineShorterThanDelay) {
  FakeRandom random(0.5);
  const auto decision = DecideRetry({Verdict::kRetryable, "timeout"}, Status(0), 1, 3, {},
                                    milliseconds(50), random, kNow);
  EXPECT_FALSE(decision.retry);
  EXPECT_TRUE(decision.deadline_exceeded);
  EXPECT_NE(decision.stop_reason.find("deadline"), std::string::npos);
}

}  // namespace
}  // namespace herald
