#include "headers.h"

#include <gtest/gtest.h>

namespace herald::config_internal {
namespace {

TEST(IsHttpTokenTest, Values) {
  EXPECT_TRUE(IsHttpToken("X-Request-Id"));
  EXPECT_TRUE(IsHttpToken("x_custom.v2!#$%&'*+^`|~"));
  EXPECT_FALSE(IsHttpToken(""));
  EXPECT_FALSE(IsHttpToken("X Request"));
  EXPECT_FALSE(IsHttpToken("X-Request:"));
  EXPECT_FALSE(IsHttpToken("X-\"quoted\""));
  EXPECT_FALSE(IsHttpToken("X-\xc3\xa9"));
}

TEST(ContainsLineBreakOrNulTest, Values) {
  EXPECT_FALSE(ContainsLineBreakOrNul("plain value\twith tab"));
  EXPECT_TRUE(ContainsLineBreakOrNul("a\rb"));
  EXPECT_TRUE(ContainsLineBreakOrNul("a\nb"));
  EXPECT_TRUE(ContainsLineBreakOrNul(std::string_view("a\0b", 3)));
}

TEST(FindReservedHeaderReasonTest, ReservedNames) {
  for (const std::string name :
       {"Content-Type", "content-length", "HOST", "User-Agent", "Authorization",
        "Transfer-Encoding", "X-Herald-Attempt", "x-herald-delivery-id", "webhook-id",
        "Webhook-Timestamp", "WEBHOOK-SIGNATURE"}) {
    SCOPED_TRACE(name);
    const std::optional<std::string> reason = FindReservedHeaderReason(name);
    ASSERT_TRUE(reason.has_value());
    EXPECT_FALSE(reason->empty());
  }
  EXPECT_EQ(FindReservedHeaderReason("Authorization"),
            "herald builds it from authToken; set authEnabled and authToken instead");
}

TEST(FindReservedHeaderReasonTest, AllowedNames) {
  for (const std::string name :
       {"X-Request-Id", "X-Herald", "Accept", "X-Api-Key", "webhook-signatures", "Webhook"}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(FindReservedHeaderReason(name), std::nullopt);
  }
}

}  // namespace
}  // namespace herald::config_internal
