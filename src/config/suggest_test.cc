#include "suggest.h"

#include <array>

#include <gtest/gtest.h>

namespace herald::config_internal {
namespace {

constexpr std::array<std::string_view, 4> kKeys = {"name", "url", "numRetries", "finalResponse"};

TEST(EditDistanceTest, Values) {
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("URL", "url"), 0u);
  EXPECT_EQ(EditDistance("numRetry", "numRetries"), 3u);
}

TEST(ClosestMatchTest, FindsNearKeys) {
  EXPECT_EQ(ClosestMatch("uri", kKeys), "url");
  EXPECT_EQ(ClosestMatch("numRetry", kKeys), "numRetries");
  EXPECT_EQ(ClosestMatch("FinalResponce", kKeys), "finalResponse");
  EXPECT_EQ(ClosestMatch("nmae", kKeys), "name");
  EXPECT_EQ(ClosestMatch("retries", kKeys), "numRetries");
}

TEST(ClosestMatchTest, IgnoresFarKeys) {
  EXPECT_EQ(ClosestMatch("colour", kKeys), std::nullopt);
  EXPECT_EQ(ClosestMatch("timeout", kKeys), std::nullopt);
  EXPECT_EQ(ClosestMatch("x", std::span<const std::string_view>()), std::nullopt);
}

TEST(DidYouMeanTest, Text) {
  EXPECT_EQ(DidYouMean("uri", kKeys), " Did you mean `url`?");
  EXPECT_EQ(DidYouMean("colour", kKeys), "");
}

}  // namespace
}  // namespace herald::config_internal
