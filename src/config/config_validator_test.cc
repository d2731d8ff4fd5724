// Checks across the webhooks of one event, and the timing warnings.

#include "config_validator.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_test_util.h"
#include "herald/config.h"

namespace herald {
namespace {

using ::testing::HasSubstr;
using testing_config::ConfigWithEvent;
using testing_config::Describe;
using testing_config::Load;

using ReferenceCase = testing_config::DiagnosticCase;

TEST(ConfigValidatorTest, ReferenceErrors) {
  const std::vector<ReferenceCase> cases = {
      {"duplicate name",
       R"([{name: a, url: "http://127.0.0.1:9000/a", finalResponse: true},
           {name: a, url: "http://127.0.0.1:9000/b", async: true}])",
       1, "a", "name", "duplicate webhook name `a`: webhook #1 already uses it"},
      {"two finalResponse",
       R"([{name: a, url: "http://127.0.0.1:9000/a", finalResponse: true},
           {name: b, url: "http://127.0.0.1:9000/b", finalResponse: true}])",
       1, "b", "finalResponse", "webhook #1 (a) already does"},
      {"no finalResponse", R"([{name: a, url: "http://127.0.0.1:9000/a"}])", std::nullopt, "",
       "finalResponse", "no sync webhook sets finalResponse"},
      {"finalResponse on async",
       R"([{name: a, url: "http://127.0.0.1:9000/a", async: true, finalResponse: true}])", 0, "a",
       "finalResponse", "an async webhook cannot give the final response"},
      {"useDataFrom itself",
       R"([{name: a, url: "http://127.0.0.1:9000/a", finalResponse: true, useDataFrom: a}])", 0,
       "a", "useDataFrom", "`a` names this webhook itself"},
      {"useDataFrom later",
       R"([{name: a, url: "http://127.0.0.1:9000/a", useDataFrom: b},
           {name: b, url: "http://127.0.0.1:9000/b", finalResponse: true}])",
       0, "a", "useDataFrom", "`b` is webhook #2, which runs later"},
      {"useDataFrom unknown",
       R"([{name: a, url: "http://127.0.0.1:9000/a"},
           {name: b, url: "http://127.0.0.1:9000/b", finalResponse: true, useDataFrom: zz}])",
       1, "b", "useDataFrom", "no webhook named `zz` in this event"},
      {"useDataFrom case differs",
       R"([{name: a, url: "http://127.0.0.1:9000/a"},
           {name: b, url: "http://127.0.0.1:9000/b", finalResponse: true, useDataFrom: A}])",
       1, "b", "useDataFrom", "no webhook named `A` in this event"},
      {"useDataFrom async source",
       R"([{name: a, url: "http://127.0.0.1:9000/a", async: true},
           {name: b, url: "http://127.0.0.1:9000/b", finalResponse: true, useDataFrom: a}])",
       1, "b", "useDataFrom", "`a` is async, so herald does not wait for its response"},
      {"useDataFrom on async",
       R"([{name: a, url: "http://127.0.0.1:9000/a", finalResponse: true},
           {name: b, url: "http://127.0.0.1:9000/b", async: true, useDataFrom: a}])",
       1, "b", "useDataFrom", "an async webhook cannot use another webhook's response"},
  };
  for (const ReferenceCase& test_case : cases) {
    SCOPED_TRACE(test_case.label);
    const LoadResult result = Load(ConfigWithEvent(test_case.list));
    ASSERT_EQ(result.errors.size(), 1u) << Describe(result.errors);
    const Diagnostic& error = result.errors[0];
    EXPECT_EQ(error.event, "on-model-version-deployed");
    EXPECT_EQ(error.webhook_index, test_case.index);
    EXPECT_EQ(error.webhook_name, test_case.webhook_name);
    EXPECT_EQ(error.field, test_case.field);
    EXPECT_THAT(error.message, HasSubstr(test_case.message_part));
  }
}

TEST(ConfigValidatorTest, ValidChain) {
  const LoadResult result = Load(ConfigWithEvent(
      R"([{name: a, url: "http://127.0.0.1:9000/a", timeout: 1},
          {name: log, url: "http://127.0.0.1:9000/log", async: true},
          {name: b, url: "http://127.0.0.1:9000/b", timeout: 1, useDataFrom: a,
           finalResponse: true}])"));
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  EXPECT_TRUE(result.warnings.empty()) << Describe(result.warnings);
}

TEST(ConfigValidatorTest, EmptyListAllowed) {
  const LoadResult result = Load(ConfigWithEvent("[]"));
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  EXPECT_TRUE(result.warnings.empty()) << Describe(result.warnings);
  EXPECT_EQ(result.config->events.count("on-model-version-deployed"), 1u);
  EXPECT_EQ(result.config->FindEvent("on-model-version-deployed"), nullptr);
}

TEST(ConfigValidatorTest, OnlyAsyncNeedsNoFinalResponse) {
  const LoadResult result = Load(ConfigWithEvent(
      R"([{name: a, url: "http://127.0.0.1:9000/a", async: true},
          {name: b, url: "http://127.0.0.1:9000/b", async: true}])"));
  EXPECT_TRUE(result.ok()) << Describe(result.errors);
}

TEST(ConfigValidatorTest, GateWithoutSyncWarns) {
  const LoadResult result =
      Load(ConfigWithEvent(R"([{name: a, url: "http://127.0.0.1:9000/a", async: true}])",
                           "on-model-version-predeployment"));
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  ASSERT_EQ(result.warnings.size(), 1u) << Describe(result.warnings);
  const Diagnostic& warning = result.warnings[0];
  EXPECT_EQ(warning.severity, Severity::kWarning);
  EXPECT_EQ(warning.event, "on-model-version-predeployment");
  EXPECT_EQ(warning.webhook_index, std::nullopt);
  EXPECT_THAT(warning.message, HasSubstr("nothing can veto the deployment"));
}

TEST(ConfigValidatorTest, GateWithSyncDoesNotWarn) {
  const LoadResult result = Load(ConfigWithEvent(
      R"([{name: a, url: "http://127.0.0.1:9000/a", finalResponse: true, timeout: 5}])",
      "on-model-version-predeployment"));
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  EXPECT_TRUE(result.warnings.empty()) << Describe(result.warnings);
}

TEST(ConfigValidatorTest, SlowChainWarns) {
  // 40s x 2 attempts, plus one backoff of 100ms x 1.2: 80.12s.
  const LoadResult result = Load(ConfigWithEvent(
      R"([{name: a, url: "http://127.0.0.1:9000/a", finalResponse: true, timeout: 40,
           numRetries: 2}])"));
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  ASSERT_EQ(result.warnings.size(), 1u) << Describe(result.warnings);
  EXPECT_EQ(result.warnings[0].field, "deadline");
  EXPECT_THAT(result.warnings[0].message, HasSubstr("can take up to 80.12s"));
  EXPECT_THAT(result.warnings[0].message, HasSubstr("set a `deadline` for this event"));
}

TEST(ConfigValidatorTest, DefaultWebhookStaysUnderThreshold) {
  // 10s x 3 attempts plus backoffs of 120ms and 240ms: 30.36s, under 60s.
  const LoadResult result =
      Load(ConfigWithEvent(R"([{name: a, url: "http://127.0.0.1:9000/a", finalResponse: true}])"));
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  EXPECT_TRUE(result.warnings.empty()) << Describe(result.warnings);
}

TEST(ConfigValidatorTest, TwoDefaultWebhooksExceedThreshold) {
  // Two chained default webhooks: 2 x 30.36s = 60.72s.
  const LoadResult result = Load(ConfigWithEvent(
      R"([{name: a, url: "http://127.0.0.1:9000/a"},
          {name: b, url: "http://127.0.0.1:9000/b", finalResponse: true}])"));
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  ASSERT_EQ(result.warnings.size(), 1u) << Describe(result.warnings);
  EXPECT_THAT(result.warnings[0].message, HasSubstr("60.72s"));
}

TEST(ConfigValidatorTest, ShortDeadlineSilencesSlowChain) {
  const std::string yaml =
      "webhooks:\n"
      "  events:\n"
      "    on-model-version-deployed: {deadline: 35s}\n"
      "  config:\n"
      "    on-model-version-deployed: [{name: a, url: \"http://127.0.0.1:9000/a\",\n"
      "                                 finalResponse: true, timeout: 40, numRetries: 2}]\n";
  const LoadResult result = Load(yaml);
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  EXPECT_TRUE(result.warnings.empty()) << Describe(result.warnings);
  EXPECT_EQ(result.config->FindEvent("on-model-version-deployed")->deadline,
            std::chrono::seconds(35));
}

TEST(ConfigValidatorTest, LongDeadlineStillWarns) {
  const std::string yaml =
      "webhooks:\n"
      "  events:\n"
      "    on-model-version-deployed: {deadline: 2m}\n"
      "  config:\n"
      "    on-model-version-deployed: [{name: a, url: \"http://127.0.0.1:9000/a\",\n"
      "                                 finalResponse: true, timeout: 50, numRetries: 2}]\n";
  const LoadResult result = Load(yaml);
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  ASSERT_EQ(result.warnings.size(), 1u) << Describe(result.warnings);
  EXPECT_THAT(result.warnings[0].message, HasSubstr("the deadline of 120s does not bound that"));
}

TEST(WorstCaseSyncTimeTest, SumsSyncWebhooks) {
  RetrySettings retry;
  retry.initial_backoff = std::chrono::seconds(1);
  retry.max_backoff = std::chrono::seconds(4);
  retry.jitter = 0.5;

  EventConfig event;
  WebhookConfig sync;
  sync.timeout = std::chrono::seconds(2);
  sync.max_attempts = 5;  // delays 1, 2, 4, 4 seconds, each x1.5: 16.5s
  WebhookConfig async = sync;
  async.async = true;
  WebhookConfig single;
  single.timeout = std::chrono::milliseconds(500);
  single.max_attempts = 1;
  event.webhooks = {sync, async, single};

  // 2s x 5 + 16.5s + 0.5s x 1.
  EXPECT_DOUBLE_EQ(config_internal::WorstCaseSyncTime(event, retry).count(), 27.0);
}

TEST(WorstCaseSyncTimeTest, ManyAttemptsCapped) {
  RetrySettings retry;  // 100ms doubling to a 5s cap, jitter 0.2
  EventConfig event;
  WebhookConfig webhook;
  webhook.timeout = std::chrono::seconds(1);
  webhook.max_attempts = 1000000;
  event.webhooks = {webhook};

  // Delays 0.1 .. 3.2s (six, sum 6.3s) then 999993 capped at 5s, all x1.2.
  const double expected = 1000000.0 + (6.3 + 999993 * 5.0) * 1.2;
  EXPECT_NEAR(config_internal::WorstCaseSyncTime(event, retry).count(), expected, 1e-3);
}

}  // namespace
}  // namespace herald
