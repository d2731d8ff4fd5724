#include "duration.h"

#include <gtest/gtest.h>

namespace herald::config_internal {
namespace {

using std::chrono::milliseconds;

TEST(ParseDurationTest, AcceptedForms) {
  const std::vector<std::pair<std::string, milliseconds>> cases = {
      {"10", milliseconds(10000)},    {"0.5", milliseconds(500)},     {"250ms", milliseconds(250)},
      {"30s", milliseconds(30000)},   {"1.5s", milliseconds(1500)},   {"2m", milliseconds(120000)},
      {"0.25m", milliseconds(15000)}, {"1e3", milliseconds(1000000)}, {"0", milliseconds(0)},
      {"-1s", milliseconds(-1000)},   {"0.0004", milliseconds(0)},
  };
  for (const auto& [text, expected] : cases) {
    SCOPED_TRACE(text);
    const std::optional<milliseconds> parsed = ParseDuration(text);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, expected);
  }
}

TEST(ParseDurationTest, RejectedForms) {
  for (const std::string text : {"", "abc", "10h", "s", "ms", "5 s", " 5s", "+5", "nan", "inf",
                                 "1e10", "0x10", "10sec", "1,5s"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(ParseDuration(text), std::nullopt);
  }
}

TEST(FormatSecondsTest, TrimsZeros) {
  EXPECT_EQ(FormatSeconds(std::chrono::duration<double>(30.36)), "30.36s");
  EXPECT_EQ(FormatSeconds(std::chrono::duration<double>(2)), "2s");
  EXPECT_EQ(FormatSeconds(std::chrono::duration<double>(0.5)), "0.5s");
  EXPECT_EQ(FormatSeconds(milliseconds(1234)), "1.234s");
}

}  // namespace
}  // namespace herald::config_internal
