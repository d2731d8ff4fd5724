#include <cstdlib>
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
using testing_config::FakeEnv;
using testing_config::Load;

const std::string kMerlinExamplePath =
    std::string(HERALD_SOURCE_DIR) + "/examples/merlin/webhooks.yaml";

// The Merlin example config rewritten in the MLP library's shape.
constexpr std::string_view kMerlinExampleMlpShape = R"(
webhooks:
  enabled: true
  config:
    on-model-version-predeployment:
      - url: http://127.0.0.1:8000/async-webhook
        method: POST
        async: true
        name: async
    on-model-version-deployed:
      - url: http://127.0.0.1:8000/async-webhook
        method: POST
        async: true
        name: async
    on-model-version-undeployed:
      - url: http://127.0.0.1:8000/sync-webhook
        method: POST
        finalResponse: true
        name: sync
)";

// Checks the config that both shapes of the Merlin example describe.
void ExpectMerlinExample(const LoadResult& result) {
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  const Config& config = *result.config;
  EXPECT_TRUE(config.enabled);
  EXPECT_EQ(config.events.size(), 3u);

  const EventConfig* predeployment = config.FindEvent("on-model-version-predeployment");
  ASSERT_NE(predeployment, nullptr);
  EXPECT_EQ(predeployment->policy, EventPolicy::kGate);
  ASSERT_EQ(predeployment->webhooks.size(), 1u);
  EXPECT_EQ(predeployment->webhooks[0].name, "async");
  EXPECT_EQ(predeployment->webhooks[0].url, "http://127.0.0.1:8000/async-webhook");
  EXPECT_TRUE(predeployment->webhooks[0].async);

  const EventConfig* undeployed = config.FindEvent("on-model-version-undeployed");
  ASSERT_NE(undeployed, nullptr);
  EXPECT_EQ(undeployed->policy, EventPolicy::kNotification);
  ASSERT_EQ(undeployed->webhooks.size(), 1u);
  EXPECT_EQ(undeployed->webhooks[0].name, "sync");
  EXPECT_FALSE(undeployed->webhooks[0].async);
  EXPECT_TRUE(undeployed->webhooks[0].final_response);

  // The gate has only an async webhook. The sync webhook keeps the defaults
  // of 3 attempts of 10s, 30.36s in all, under the slow-chain threshold.
  ASSERT_EQ(result.warnings.size(), 1u) << Describe(result.warnings);
  EXPECT_EQ(result.warnings[0].event, "on-model-version-predeployment");
  EXPECT_THAT(result.warnings[0].message, HasSubstr("nothing can veto the deployment"));
}

TEST(ConfigLoaderTest, MerlinExampleLoads) {
  const LoadResult result = LoadConfigFile(kMerlinExamplePath, FakeEnv());
  ExpectMerlinExample(result);
  ASSERT_NE(result.config, nullptr);
  EXPECT_EQ(result.config->source, kMerlinExamplePath);
  EXPECT_EQ(result.warnings[0].file, kMerlinExamplePath);
}

TEST(ConfigLoaderTest, MlpShapeLoads) {
  const LoadResult result = Load(kMerlinExampleMlpShape);
  ExpectMerlinExample(result);
  ASSERT_NE(result.config, nullptr);
  EXPECT_EQ(result.config->source, "test.yaml");
}

TEST(ConfigLoaderTest, MissingFile) {
  const std::string path = std::string(HERALD_SOURCE_DIR) + "/examples/no-such-config.yaml";
  const LoadResult result = LoadConfigFile(path, FakeEnv());
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].file, path);
  EXPECT_THAT(result.errors[0].message, HasSubstr("cannot open the config file"));
  EXPECT_EQ(result.config, nullptr);
}

TEST(ConfigLoaderTest, KeysCaseInsensitive) {
  const LoadResult result = Load(R"(
WEBHOOKSCONFIG:
  ENABLED: true
  Config:
    on-model-created:
      - NAME: a
        Url: http://127.0.0.1:9000/a
        FINALRESPONSE: true
        NumRetries: 4
        TimeOut: 2
        AUTHENABLED: true
        AuthToken: t
        HEADERS: {X-Team: ml}
  RETRY: {InitialBackoff: 1s, MAXBACKOFF: 2s}
  MaxResponseBytes: 10
)");
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  const WebhookConfig& webhook = result.config->FindEvent("on-model-created")->webhooks[0];
  EXPECT_EQ(webhook.name, "a");
  EXPECT_EQ(webhook.url, "http://127.0.0.1:9000/a");
  EXPECT_TRUE(webhook.final_response);
  EXPECT_EQ(webhook.max_attempts, 4);
  EXPECT_EQ(webhook.timeout, std::chrono::seconds(2));
  EXPECT_EQ(webhook.auth_token, "t");
  ASSERT_EQ(webhook.headers.size(), 1u);
  EXPECT_EQ(webhook.headers[0].name, "X-Team");
  EXPECT_EQ(result.config->retry.initial_backoff, std::chrono::seconds(1));
  EXPECT_EQ(result.config->max_response_bytes, 10u);
}

TEST(ConfigLoaderTest, ConfigDefaults) {
  const LoadResult result = Load("webhooks:\n  config: {}\n");
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  const Config& config = *result.config;
  EXPECT_FALSE(config.enabled);
  EXPECT_EQ(config.retry.initial_backoff, std::chrono::milliseconds(100));
  EXPECT_EQ(config.retry.max_backoff, std::chrono::seconds(5));
  EXPECT_DOUBLE_EQ(config.retry.jitter, 0.2);
  EXPECT_EQ(config.retry.max_retry_after, std::chrono::seconds(30));
  EXPECT_EQ(config.max_response_bytes, 1024u * 1024u);
  EXPECT_TRUE(config.events.empty());
  EXPECT_EQ(config.catalog.events().size(), 12u);
}

TEST(ConfigLoaderTest, ExtensionSettings) {
  const LoadResult result = Load(R"(
webhooks:
  enabled: true
  retry:
    initialBackoff: 250ms
    maxBackoff: 2
    maxRetryAfter: 1m
    jitter: 0
  maxResponseBytes: 4096
  config: {}
)");
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  const Config& config = *result.config;
  EXPECT_EQ(config.retry.initial_backoff, std::chrono::milliseconds(250));
  EXPECT_EQ(config.retry.max_backoff, std::chrono::seconds(2));
  EXPECT_EQ(config.retry.max_retry_after, std::chrono::seconds(60));
  EXPECT_DOUBLE_EQ(config.retry.jitter, 0.0);
  EXPECT_EQ(config.max_response_bytes, 4096u);
}

TEST(ConfigLoaderTest, EnabledFalseStillValidates) {
  const LoadResult result = Load(R"(
webhooks:
  enabled: false
  config:
    on-model-created:
      - {name: a, url: "ftp://127.0.0.1/a"}
)");
  ASSERT_EQ(result.errors.size(), 2u) << Describe(result.errors);
  EXPECT_EQ(result.errors[0].field, "url");
  EXPECT_EQ(result.errors[1].field, "finalResponse");

  const LoadResult valid =
      Load("webhooks:\n  enabled: false\n  config:\n    on-model-created: []\n");
  ASSERT_TRUE(valid.ok()) << Describe(valid.errors);
  EXPECT_FALSE(valid.config->enabled);
}

TEST(ConfigLoaderTest, AliasResolves) {
  const LoadResult result =
      Load(ConfigWithEvent(R"([{name: a, url: "http://127.0.0.1:9000/a", async: true}])",
                           "on-version-endpoint-deployed"));
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  const Config& config = *result.config;
  ASSERT_EQ(config.events.count("on-model-version-deployed"), 1u);

  const EventConfig* by_name = config.FindEvent("on-model-version-deployed");
  const EventConfig* by_alias = config.FindEvent("on-version-endpoint-deployed");
  ASSERT_NE(by_name, nullptr);
  EXPECT_EQ(by_name, by_alias);
  EXPECT_EQ(by_name->name, "on-model-version-deployed");
  EXPECT_EQ(config.FindEvent("on-model-created"), nullptr);
  EXPECT_EQ(config.FindEvent("on-unknown"), nullptr);
}

TEST(ConfigLoaderTest, CustomEvent) {
  const LoadResult result = Load(R"(
webhooks:
  enabled: true
  config:
    on-table-new:
      - {name: a, url: "http://127.0.0.1:9000/a", finalResponse: true, timeout: 1}
  events:
    on-table-created:
      policy: gate
      deadline: 0.5
      description: A feature table was created.
      aliases: [on-table-new]
)");
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  const Config& config = *result.config;

  const EventType* type = config.catalog.Find("on-table-new");
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(type->name, "on-table-created");
  EXPECT_TRUE(type->custom);
  EXPECT_EQ(type->policy, EventPolicy::kGate);
  EXPECT_EQ(type->description, "A feature table was created.");

  const EventConfig* event = config.FindEvent("on-table-created");
  ASSERT_NE(event, nullptr);
  EXPECT_EQ(event->name, "on-table-created");
  EXPECT_EQ(event->policy, EventPolicy::kGate);
  EXPECT_EQ(event->deadline, std::chrono::milliseconds(500));
}

TEST(ConfigLoaderTest, BuiltInDeadline) {
  const LoadResult result = Load(R"(
webhooks:
  events:
    on-version-endpoint-predeployment: {deadline: "20s", policy: gate}
  config:
    on-model-version-predeployment:
      - {name: a, url: "http://127.0.0.1:9000/a", finalResponse: true, timeout: 1}
)");
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  EXPECT_EQ(result.config->FindEvent("on-model-version-predeployment")->deadline,
            std::chrono::seconds(20));
}

struct SettingErrorCase {
  std::string label;
  std::string yaml;
  std::string event;
  std::string field;
  std::string message_part;
};

void ExpectSettingErrors(const std::vector<SettingErrorCase>& cases) {
  for (const SettingErrorCase& test_case : cases) {
    SCOPED_TRACE(test_case.label);
    const LoadResult result = Load(test_case.yaml);
    ASSERT_EQ(result.errors.size(), 1u) << Describe(result.errors);
    const Diagnostic& error = result.errors[0];
    EXPECT_EQ(error.file, "test.yaml");
    EXPECT_EQ(error.event, test_case.event);
    EXPECT_EQ(error.webhook_index, std::nullopt);
    EXPECT_EQ(error.field, test_case.field);
    EXPECT_THAT(error.message, HasSubstr(test_case.message_part));
    EXPECT_EQ(result.config, nullptr);
  }
}

TEST(ConfigLoaderTest, ExtensionErrors) {
  ExpectSettingErrors({
      {"jitter range", "webhooks:\n  retry: {jitter: 1.5}\n", "", "retry.jitter",
       "must be from 0 to 1, got 1.5"},
      {"jitter text", "webhooks:\n  retry: {jitter: lots}\n", "", "retry.jitter",
       "must be a number, got `lots`"},
      {"backoff order", "webhooks:\n  retry: {initialBackoff: 2s, maxBackoff: 1s}\n", "",
       "retry.maxBackoff", "must not be shorter than retry.initialBackoff"},
      {"zero backoff", "webhooks:\n  retry: {initialBackoff: 0ms}\n", "", "retry.initialBackoff",
       "must be at least 1ms"},
      {"retry key", "webhooks:\n  retry: {maxBackof: 1s}\n", "", "retry.maxBackof",
       "unknown key `maxBackof`. Did you mean `maxBackoff`?"},
      {"retry list", "webhooks:\n  retry: [1s]\n", "", "retry", "must be a mapping, got a list"},
      {"zero bytes", "webhooks:\n  maxResponseBytes: 0\n", "", "maxResponseBytes",
       "must be a positive number of bytes, got 0"},
      {"bytes text", "webhooks:\n  maxResponseBytes: 1MiB\n", "", "maxResponseBytes",
       "must be an integer, got `1MiB`"},
      {"enabled text", "webhooks:\n  enabled: maybe\n", "", "enabled",
       "must be true or false, got `maybe`"},
      {"section key", "webhooks:\n  enable: true\n", "", "enable",
       "unknown key `enable`. Did you mean `enabled`?"},
  });
}

TEST(ConfigLoaderTest, EventDeclarationErrors) {
  ExpectSettingErrors({
      {"custom without policy", "webhooks:\n  events:\n    on-x: {deadline: 1s}\n", "on-x",
       "policy", "must set `policy: gate` or `policy: notification`"},
      {"custom empty entry", "webhooks:\n  events:\n    on-x:\n", "on-x", "policy",
       "declares a custom event"},
      {"bad policy", "webhooks:\n  events:\n    on-x: {policy: veto}\n", "on-x", "policy",
       "must be gate or notification, got `veto`"},
      {"built-in policy", "webhooks:\n  events:\n    on-model-created: {policy: gate}\n",
       "on-model-created", "policy",
       "built-in notification event and its policy cannot be changed"},
      {"built-in description", "webhooks:\n  events:\n    on-model-created: {description: x}\n",
       "on-model-created", "description", "only `deadline` can be set"},
      {"built-in aliases", "webhooks:\n  events:\n    on-model-created: {aliases: [x]}\n",
       "on-model-created", "aliases", "only `deadline` can be set"},
      {"alias taken",
       "webhooks:\n  events:\n    on-x: {policy: gate, aliases: [on-model-created]}\n", "on-x",
       "aliases", "alias `on-model-created` is already a name of event `on-model-created`"},
      {"declared twice",
       "webhooks:\n  events:\n    on-model-version-deployed: {deadline: 1s}\n"
       "    on-version-endpoint-deployed: {deadline: 2s}\n",
       "on-version-endpoint-deployed", "", "declared twice"},
      {"bad deadline", "webhooks:\n  events:\n    on-model-created: {deadline: soon}\n",
       "on-model-created", "deadline", "must be a duration"},
      {"unknown setting", "webhooks:\n  events:\n    on-model-created: {dedline: 1s}\n",
       "on-model-created", "dedline", "Did you mean `deadline`?"},
      {"events list", "webhooks:\n  events: [on-x]\n", "", "events",
       "must be a mapping of event name to settings, got a list"},
  });
}

TEST(ConfigLoaderTest, EventErrors) {
  ExpectSettingErrors({
      {"unknown event", ConfigWithEvent("[]", "on-model-version-deploy"), "on-model-version-deploy",
       "", "unknown event `on-model-version-deploy`. Did you mean `on-model-version-deployed`?"},
      {"event case differs", ConfigWithEvent("[]", "On-Model-Created"), "On-Model-Created", "",
       "Did you mean `on-model-created`?"},
      {"unknown event far", ConfigWithEvent("[]", "deploy"), "deploy", "",
       "unknown event `deploy`. Event names are case-sensitive"},
      {"name and alias",
       "webhooks:\n  config:\n    on-model-version-deployed: []\n"
       "    on-version-endpoint-deployed: []\n",
       "on-version-endpoint-deployed", "",
       "already configured as `on-model-version-deployed`, and both names mean "
       "`on-model-version-deployed`"},
      {"same name twice",
       "webhooks:\n  config:\n    on-model-created: []\n    on-model-created: []\n",
       "on-model-created", "", "configured twice"},
      {"event not a list", ConfigWithEvent("{name: a}"), "on-model-version-deployed", "",
       "must be a list of webhooks, got a mapping"},
      {"config list", "webhooks:\n  config: [a]\n", "", "config",
       "must be a mapping of event name to a list of webhooks, got a list"},
  });
}

TEST(ConfigLoaderTest, TopLevelErrors) {
  ExpectSettingErrors({
      {"empty file", "", "", "", "the config is empty"},
      {"only comments", "# nothing here\n", "", "", "the config is empty"},
      {"root list", "- webhooks\n", "", "", "the top level must be a mapping"},
      {"both sections", "webhooks: {}\nWebhooksConfig: {}\n", "", "",
       "both `webhooks` and `WebhooksConfig` are present"},
      {"null section", "webhooks:\n", "", "webhooks",
       "must be a mapping with `enabled` and "
       "`config`, got null"},
      {"section list", "webhooks: [a]\n", "", "webhooks", "got a list"},
      {"bad YAML", "webhooks:\n  config: {a: [}\n", "", "", "invalid YAML at line 2, column"},
  });
}

TEST(ConfigLoaderTest, MissingSectionReported) {
  const LoadResult result = Load("webhook:\n  enabled: true\n");
  ASSERT_EQ(result.errors.size(), 2u) << Describe(result.errors);
  EXPECT_EQ(result.errors[0].field, "webhook");
  EXPECT_THAT(result.errors[0].message, HasSubstr("Did you mean `webhooks`?"));
  EXPECT_THAT(result.errors[1].message, HasSubstr("missing top-level section `webhooks:`"));
}

TEST(ConfigLoaderTest, BadYamlPosition) {
  const LoadResult result = Load("webhooks:\n  config:\n    a: b\n   c: d\n");
  ASSERT_EQ(result.errors.size(), 1u) << Describe(result.errors);
  EXPECT_THAT(result.errors[0].message, HasSubstr("invalid YAML at line 4, column 4"));
}

TEST(ConfigLoaderTest, ReportsAllErrors) {
  const LoadResult result = Load(R"(
webhooks:
  enabled: yes
  retry: {jitter: 2}
  config:
    on-model-created:
      - {name: a, url: "http://127.0.0.1:9000/a", async: maybe, finalResponse: true}
      - {name: a, url: "gopher://127.0.0.1/", async: true, numRetries: -2}
    on-model-deleet: []
)");
  ASSERT_EQ(result.errors.size(), 6u) << Describe(result.errors);
  EXPECT_EQ(result.errors[0].field, "retry.jitter");

  EXPECT_EQ(result.errors[1].field, "async");
  EXPECT_EQ(result.errors[1].webhook_index, 0u);
  EXPECT_EQ(result.errors[2].field, "url");
  EXPECT_EQ(result.errors[2].webhook_index, 1u);
  EXPECT_EQ(result.errors[3].field, "numRetries");
  EXPECT_EQ(result.errors[3].webhook_index, 1u);
  EXPECT_EQ(result.errors[4].field, "name");
  EXPECT_EQ(result.errors[4].webhook_index, 1u);

  EXPECT_EQ(result.errors[5].event, "on-model-deleet");
  EXPECT_THAT(result.errors[5].message, HasSubstr("Did you mean `on-model-deleted`?"));
  EXPECT_EQ(result.config, nullptr);
}

TEST(ProcessEnvTest, ReadsEnvironment) {
  ASSERT_EQ(setenv("HERALD_CONFIG_TEST_VARIABLE", "value-1", /*overwrite=*/1), 0);
  EXPECT_EQ(ProcessEnv("HERALD_CONFIG_TEST_VARIABLE"), "value-1");
  ASSERT_EQ(unsetenv("HERALD_CONFIG_TEST_VARIABLE"), 0);
  EXPECT_EQ(ProcessEnv("HERALD_CONFIG_TEST_VARIABLE"), std::nullopt);
}

}  // namespace
}  // namespace herald
