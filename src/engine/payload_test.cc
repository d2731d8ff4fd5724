#include "engine/payload.h"

#include <gtest/gtest.h>

namespace herald {
namespace {

class PreparePayloadTest : public ::testing::Test {
 protected:
  EventCatalog catalog_ = EventCatalog::BuiltIn();
  const EventType& predeployment_ = *catalog_.Find("on-model-version-predeployment");
};

TEST_F(PreparePayloadTest, KeepsBytesWhenEventTypeMatches) {
  const std::string payload =
      "{ \"event_type\" : \"on-model-version-predeployment\",\n  \"version_endpoint\": "
      "{\"id\": 1.50, \"message\": \"d\\u00e9ploiement\"} }\n";
  Result<std::string> prepared = PreparePayload(catalog_, predeployment_, payload);
  ASSERT_TRUE(prepared.ok()) << prepared.error().message;
  EXPECT_EQ(prepared.value(), payload);
}

TEST_F(PreparePayloadTest, AcceptsAliasAsEventType) {
  const std::string payload = R"({"event_type":"on-version-endpoint-predeployment"})";
  Result<std::string> prepared = PreparePayload(catalog_, predeployment_, payload);
  ASSERT_TRUE(prepared.ok()) << prepared.error().message;
  EXPECT_EQ(prepared.value(), payload);
}

TEST_F(PreparePayloadTest, InsertsMissingEventTypeFirst) {
  Result<std::string> prepared =
      PreparePayload(catalog_, predeployment_, "  {\"version_endpoint\": {\"id\": 7}}");
  ASSERT_TRUE(prepared.ok()) << prepared.error().message;
  EXPECT_EQ(prepared.value(),
            "  {\"event_type\":\"on-model-version-predeployment\",\"version_endpoint\": "
            "{\"id\": 7}}");
}

TEST_F(PreparePayloadTest, InsertsIntoEmptyObject) {
  Result<std::string> prepared = PreparePayload(catalog_, predeployment_, "{ }");
  ASSERT_TRUE(prepared.ok()) << prepared.error().message;
  EXPECT_EQ(prepared.value(), "{\"event_type\":\"on-model-version-predeployment\" }");
}

TEST_F(PreparePayloadTest, RejectsOtherEvent) {
  Result<std::string> prepared =
      PreparePayload(catalog_, predeployment_, R"({"event_type":"on-model-version-deployed"})");
  ASSERT_FALSE(prepared.ok());
  EXPECT_EQ(prepared.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(prepared.error().message,
            "payload event_type \"on-model-version-deployed\" does not match the event "
            "\"on-model-version-predeployment\"");
}

TEST_F(PreparePayloadTest, RejectsInvalidInput) {
  for (const char* payload :
       {"", "{", "[1,2]", "\"text\"", "{\"event_type\": 5}", "{\"a\":\"\xC3\x28\"}"}) {
    Result<std::string> prepared = PreparePayload(catalog_, predeployment_, payload);
    EXPECT_FALSE(prepared.ok()) << payload;
    if (!prepared.ok()) {
      EXPECT_EQ(prepared.error().code, ErrorCode::kInvalidArgument);
    }
  }
}

// nlohmann::json reports such numbers with out_of_range, not parse_error;
// found by fuzz/fuzz_payload.
TEST_F(PreparePayloadTest, RejectsNumberBeyondDouble) {
  for (const char* payload : {"7e7777777", "{\"a\": 1e400}", "{\"a\": [-1e309]}"}) {
    Result<std::string> prepared = PreparePayload(catalog_, predeployment_, payload);
    ASSERT_FALSE(prepared.ok()) << payload;
    EXPECT_EQ(prepared.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(prepared.error().message.find("number overflow"), std::string::npos)
        << prepared.error().message;
  }
}

}  // namespace
}  // namespace herald
