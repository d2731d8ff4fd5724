// Per-field checks of one webhook entry, through the public loader.

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "config_test_util.h"
#include "herald/config.h"

namespace herald {
namespace {

using ::testing::HasSubstr;
using testing_config::ConfigWithEvent;
using testing_config::Describe;
using testing_config::Load;

using ErrorCase = testing_config::DiagnosticCase;

// Checks that `list` gives exactly the one error that `expected` describes.
void ExpectSingleError(const ErrorCase& expected,
                       std::map<std::string, std::string, std::less<>> env = {}) {
  SCOPED_TRACE(expected.label);
  const LoadResult result = Load(ConfigWithEvent(expected.list), std::move(env));
  ASSERT_EQ(result.errors.size(), 1u) << Describe(result.errors);
  const Diagnostic& error = result.errors[0];
  EXPECT_EQ(error.severity, Severity::kError);
  EXPECT_EQ(error.file, "test.yaml");
  EXPECT_EQ(error.event, "on-model-version-deployed");
  EXPECT_EQ(error.webhook_index, expected.index);
  EXPECT_EQ(error.webhook_name, expected.webhook_name);
  EXPECT_EQ(error.field, expected.field);
  EXPECT_THAT(error.message, HasSubstr(expected.message_part));
  EXPECT_EQ(result.config, nullptr);
}

TEST(WebhookParserTest, TargetErrors) {
  const std::vector<ErrorCase> cases = {
      {"missing name", R"([{url: "http://127.0.0.1:9000/a", finalResponse: true}])", 0, "", "name",
       "missing required key `name`"},
      {"empty name", R"([{name: "", url: "http://127.0.0.1:9000/a", finalResponse: true}])", 0, "",
       "name", "must not be empty"},
      {"name is a list", R"([{name: [a], url: "http://127.0.0.1:9000/a", finalResponse: true}])", 0,
       "", "name", "must be a string, got a list"},
      {"missing url", "[{name: a, finalResponse: true}]", 0, "a", "url",
       "missing required key `url`"},
      {"ftp url", R"([{name: a, url: "ftp://example.com/x", finalResponse: true}])", 0, "a", "url",
       "invalid url `ftp://example.com/x`: the scheme must be http or https"},
      {"url without host", R"([{name: a, url: "http:///x", finalResponse: true}])", 0, "a", "url",
       "the host is missing"},
      {"url with space", R"([{name: a, url: "http://example.com/a b", finalResponse: true}])", 0,
       "a", "url", "contains a space"},
      {"url with fragment", R"([{name: a, url: "http://example.com/a#b", finalResponse: true}])", 0,
       "a", "url", "has a fragment"},
      {"relative url", R"([{name: a, url: "/hook", finalResponse: true}])", 0, "a", "url",
       "not absolute"},
      {"unknown method",
       R"([{name: a, url: "http://127.0.0.1:9000/a", method: FETCH, finalResponse: true}])", 0, "a",
       "method", "must be one of GET, POST, PUT, PATCH or DELETE, got `FETCH`"},
      {"entry is a string", R"(["http://127.0.0.1:9000/a"])", 0, "", "",
       "each webhook must be a mapping"},
  };
  for (const ErrorCase& test_case : cases) ExpectSingleError(test_case);
}

TEST(WebhookParserTest, DeliveryErrors) {
  const std::string prefix = R"([{name: a, url: "http://127.0.0.1:9000/a", finalResponse: true, )";
  const std::vector<ErrorCase> cases = {
      {"async not bool", prefix + "async: maybe}]", 0, "a", "async",
       "must be true or false, got `maybe`"},
      {"negative numRetries", prefix + "numRetries: -1}]", 0, "a", "numRetries",
       "must be 0 or more, got -1"},
      {"numRetries text", prefix + "numRetries: abc}]", 0, "a", "numRetries",
       "must be an integer, got `abc`"},
      {"numRetries fraction", prefix + "numRetries: 2.5}]", 0, "a", "numRetries",
       "must be an integer, got `2.5`"},
      {"numRetries huge", prefix + "numRetries: 99999999999}]", 0, "a", "numRetries",
       "must be at most 2147483647"},
      {"numRetries overflow", prefix + "numRetries: 99999999999999999999}]", 0, "a", "numRetries",
       "out of range"},
      {"zero timeout", prefix + "timeout: 0}]", 0, "a", "timeout", "must be at least 1ms, got `0`"},
      {"negative timeout", prefix + "timeout: -5}]", 0, "a", "timeout",
       "must be at least 1ms, got `-5`"},
      {"timeout unit", prefix + "timeout: 10h}]", 0, "a", "timeout", "must be a duration"},
      {"timeout map", prefix + "timeout: {s: 1}}]", 0, "a", "timeout", "got a mapping"},
      {"finalResponse text",
       R"([{name: a, url: "http://127.0.0.1:9000/a", finalResponse: "yes please"}])", 0, "a",
       "finalResponse", "must be true or false"},
  };
  for (const ErrorCase& test_case : cases) ExpectSingleError(test_case);
}

TEST(WebhookParserTest, AuthErrors) {
  const std::string prefix = R"([{name: a, url: "http://127.0.0.1:9000/a", finalResponse: true, )";
  const std::vector<ErrorCase> cases = {
      {"enabled without token", prefix + "authEnabled: true}]", 0, "a", "authToken",
       "authEnabled is true but authToken is missing"},
      {"empty token", prefix + R"(authEnabled: true, authToken: ""}])", 0, "a", "authToken",
       "authToken is empty"},
      {"unset variable", prefix + "authEnabled: true, authToken: \"${HOOK_TOKEN}\"}]", 0, "a",
       "authToken", "environment variable `HOOK_TOKEN` is not set"},
      {"bad variable name", prefix + "authEnabled: true, authToken: \"${1X}\"}]", 0, "a",
       "authToken", "`1X` is not a valid environment variable name"},
      {"token with LF", prefix + R"(authEnabled: true, authToken: "ab\ncd"}])", 0, "a", "authToken",
       "contains CR, LF or NUL"},
      {"authEnabled text", prefix + "authEnabled: sometimes, authToken: t}]", 0, "a", "authEnabled",
       "must be true or false, got `sometimes`"},
  };
  for (const ErrorCase& test_case : cases) ExpectSingleError(test_case);
}

TEST(WebhookParserTest, EmptyEnvVariable) {
  ExpectSingleError({"empty variable",
                     R"([{name: a, url: "http://127.0.0.1:9000/a", finalResponse: true, )"
                     "authEnabled: true, authToken: \"${HOOK_TOKEN}\"}]",
                     0, "a", "authToken", "environment variable `HOOK_TOKEN` is empty"},
                    {{"HOOK_TOKEN", ""}});
}

TEST(WebhookParserTest, HeaderErrors) {
  const std::string prefix = R"([{name: a, url: "http://127.0.0.1:9000/a", finalResponse: true, )";
  const std::vector<ErrorCase> cases = {
      {"headers list", prefix + "headers: [X-A]}]", 0, "a", "headers",
       "must be a mapping of header name to value, got a list"},
      {"name not token", prefix + R"(headers: {"Bad Header": v}}])", 0, "a", "headers",
       "header name `Bad Header` is not a valid HTTP token"},
      {"name with CR", prefix + R"(headers: {"X-A\r": v}}])", 0, "a", "headers",
       "a header name contains CR, LF or NUL"},
      {"value with LF", prefix + R"(headers: {X-A: "a\nb"}}])", 0, "a", "headers",
       "the value of header `X-A` contains CR, LF or NUL"},
      {"value with NUL", prefix + R"(headers: {X-A: "a\0b"}}])", 0, "a", "headers",
       "the value of header `X-A` contains CR, LF or NUL"},
      {"value is a map", prefix + "headers: {X-A: {b: c}}}]", 0, "a", "headers",
       "the value of header `X-A` must be a string, got a mapping"},
      {"repeated name", prefix + "headers: {X-A: b, x-a: c}}]", 0, "a", "headers",
       "header `x-a` is set twice"},
      {"content type", prefix + "headers: {content-type: text/plain}}]", 0, "a", "headers",
       "header `content-type` cannot be set in the config: herald sends every payload as "
       "application/json"},
      {"authorization", prefix + "headers: {Authorization: Basic x}}]", 0, "a", "headers",
       "set authEnabled and authToken instead"},
      {"herald prefix", prefix + "headers: {X-Herald-Attempt: 1}}]", 0, "a", "headers",
       "X-Herald-* headers carry herald's delivery metadata"},
  };
  for (const ErrorCase& test_case : cases) ExpectSingleError(test_case);

  for (const std::string reserved : {"Content-Length", "Host", "User-Agent", "Transfer-Encoding"}) {
    ExpectSingleError({reserved, prefix + "headers: {" + reserved + ": x}}]", 0, "a", "headers",
                       "header `" + reserved + "` cannot be set"});
  }
}

TEST(WebhookParserTest, KeyErrors) {
  const std::string prefix = R"([{name: a, url: "http://127.0.0.1:9000/a", finalResponse: true, )";
  const std::vector<ErrorCase> cases = {
      {"near key", prefix + "numRetry: 2}]", 0, "a", "numRetry",
       "unknown key `numRetry`. Did you mean `numRetries`?"},
      {"near key upper case", prefix + "TimeOut: 5, Asynch: true}]", 0, "a", "Asynch",
       "unknown key `Asynch`. Did you mean `async`?"},
      {"far key", prefix + "colour: red}]", 0, "a", "colour",
       "unknown key `colour`. Valid keys: name, url, method, async, finalResponse, useDataFrom, "
       "numRetries, timeout, authEnabled, authToken, headers, secret, secrets, signingKey, tls."},
      {"repeated key", prefix + R"(URL: "http://127.0.0.1:9000/b"}])", 0, "a", "URL",
       "key `url` is given twice"},
  };
  for (const ErrorCase& test_case : cases) ExpectSingleError(test_case);
}

TEST(WebhookParserTest, Defaults) {
  const LoadResult result =
      Load(ConfigWithEvent(R"([{name: a, url: "http://127.0.0.1:9000/a", finalResponse: true}])"));
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  const EventConfig* event = result.config->FindEvent("on-model-version-deployed");
  ASSERT_NE(event, nullptr);
  ASSERT_EQ(event->webhooks.size(), 1u);

  const WebhookConfig& webhook = event->webhooks[0];
  EXPECT_EQ(webhook.name, "a");
  EXPECT_EQ(webhook.url, "http://127.0.0.1:9000/a");
  EXPECT_EQ(webhook.method, "POST");
  EXPECT_FALSE(webhook.async);
  EXPECT_TRUE(webhook.final_response);
  EXPECT_EQ(webhook.use_data_from, "");
  EXPECT_EQ(webhook.max_attempts, 3);
  EXPECT_EQ(webhook.timeout, std::chrono::seconds(10));
  EXPECT_EQ(webhook.auth_token, std::nullopt);
  EXPECT_TRUE(webhook.headers.empty());
  EXPECT_EQ(webhook.position, 0u);
}

TEST(WebhookParserTest, TokenFromFile) {
  const std::string path = ::testing::TempDir() + "herald-token-file";
  { std::ofstream(path, std::ios::trunc) << "token-from-file\n"; }
  const LoadResult result = Load(ConfigWithEvent(
      "[{name: a, url: \"http://127.0.0.1:9000/a\", finalResponse: true, authEnabled: true, "
      "authToken: \"file:" +
      path + "\"}]"));
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  EXPECT_EQ(result.config->FindEvent("on-model-version-deployed")->webhooks[0].auth_token,
            "token-from-file");

  const LoadResult missing = Load(ConfigWithEvent(
      "[{name: a, url: \"http://127.0.0.1:9000/a\", finalResponse: true, authEnabled: true, "
      "authToken: \"file:/nonexistent/token\"}]"));
  ASSERT_EQ(missing.errors.size(), 1u) << Describe(missing.errors);
  EXPECT_EQ(missing.errors[0].field, "authToken");
  EXPECT_THAT(missing.errors[0].message, HasSubstr("/nonexistent/token"));
}

TEST(WebhookParserTest, AllFieldsSet) {
  const LoadResult result = Load(ConfigWithEvent(
                                     R"([{name: first, url: "http://127.0.0.1:9000/a", timeout: 2},
          {name: b, url: "https://hooks.example.com/b", method: put, finalResponse: true,
           useDataFrom: first, numRetries: 5, timeout: 250ms, authEnabled: true,
           authToken: "${HOOK_TOKEN}", headers: {X-Team: ml, X-Count: 5}}])"),
                                 {{"HOOK_TOKEN", "token-from-env"}});
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  const WebhookConfig& webhook = result.config->FindEvent("on-model-version-deployed")->webhooks[1];

  EXPECT_EQ(webhook.method, "PUT");
  EXPECT_EQ(webhook.use_data_from, "first");
  EXPECT_EQ(webhook.max_attempts, 5);
  EXPECT_EQ(webhook.timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(webhook.auth_token, "token-from-env");
  ASSERT_EQ(webhook.headers.size(), 2u);
  EXPECT_EQ(webhook.headers[0].name, "X-Team");
  EXPECT_EQ(webhook.headers[0].value, "ml");
  EXPECT_EQ(webhook.headers[1].name, "X-Count");
  EXPECT_EQ(webhook.headers[1].value, "5");
  EXPECT_EQ(webhook.position, 1u);
}

TEST(WebhookParserTest, NumRetriesZeroMeansThree) {
  const LoadResult result = Load(ConfigWithEvent(
      R"([{name: a, url: "http://127.0.0.1:9000/a", finalResponse: true, numRetries: 0}])"));
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  EXPECT_EQ(result.config->FindEvent("on-model-version-deployed")->webhooks[0].max_attempts, 3);
}

TEST(WebhookParserTest, TimeoutForms) {
  const std::vector<std::pair<std::string, std::chrono::milliseconds>> cases = {
      {"5", std::chrono::seconds(5)},
      {"0.5", std::chrono::milliseconds(500)},
      {"250ms", std::chrono::milliseconds(250)},
      {"\"30s\"", std::chrono::seconds(30)},
      {"1m", std::chrono::seconds(60)},
  };
  for (const auto& [text, expected] : cases) {
    SCOPED_TRACE(text);
    const LoadResult result = Load(ConfigWithEvent(
        R"([{name: a, url: "http://127.0.0.1:9000/a", finalResponse: true, timeout: )" + text +
        "}]"));
    ASSERT_TRUE(result.ok()) << Describe(result.errors);
    EXPECT_EQ(result.config->FindEvent("on-model-version-deployed")->webhooks[0].timeout, expected);
  }
}

TEST(WebhookParserTest, MethodCaseInsensitive) {
  for (const std::string method : {"get", "Post", "PUT", "patch", "delete"}) {
    SCOPED_TRACE(method);
    const LoadResult result = Load(ConfigWithEvent(
        R"([{name: a, url: "http://127.0.0.1:9000/a", finalResponse: true, method: )" + method +
        "}]"));
    ASSERT_TRUE(result.ok()) << Describe(result.errors);
    std::string upper = method;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(result.config->FindEvent("on-model-version-deployed")->webhooks[0].method, upper);
  }
}

TEST(WebhookParserTest, LiteralTokenKept) {
  const LoadResult result = Load(ConfigWithEvent(
      R"([{name: a, url: "http://127.0.0.1:9000/a", finalResponse: true, authEnabled: true,
           authToken: literal-token}])"));
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  EXPECT_TRUE(result.warnings.size() <= 1u);
  EXPECT_EQ(result.config->FindEvent("on-model-version-deployed")->webhooks[0].auth_token,
            "literal-token");
}

TEST(WebhookParserTest, TokenIgnoredWhenAuthDisabled) {
  const LoadResult result = Load(ConfigWithEvent(
      R"([{name: a, url: "http://127.0.0.1:9000/a", finalResponse: true, timeout: 1,
           authEnabled: false, authToken: "${UNSET_VARIABLE}"}])"));
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  ASSERT_EQ(result.warnings.size(), 1u) << Describe(result.warnings);
  EXPECT_EQ(result.warnings[0].field, "authToken");
  EXPECT_EQ(result.warnings[0].webhook_index, 0u);
  EXPECT_EQ(result.warnings[0].message, "authToken is ignored because authEnabled is false");
  EXPECT_EQ(result.config->FindEvent("on-model-version-deployed")->webhooks[0].auth_token,
            std::nullopt);
}

TEST(WebhookParserTest, PartialReferenceWarns) {
  const LoadResult result =
      Load(ConfigWithEvent(
               R"([{name: a, url: "http://127.0.0.1:9000/a", finalResponse: true, timeout: 1,
           authEnabled: true, authToken: "Bearer ${HOOK_TOKEN}"}])"),
           {{"HOOK_TOKEN", "unused"}});
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  ASSERT_EQ(result.warnings.size(), 1u) << Describe(result.warnings);
  EXPECT_EQ(result.warnings[0].field, "authToken");
  EXPECT_THAT(result.warnings[0].message, HasSubstr("sent literally"));
  EXPECT_EQ(result.config->FindEvent("on-model-version-deployed")->webhooks[0].auth_token,
            "Bearer ${HOOK_TOKEN}");
}

TEST(WebhookParserTest, SecretsNeverInDiagnostics) {
  const std::string secret = "s3cr3t-planted-value";
  const std::string yaml = ConfigWithEvent(
      "[{name: env, url: \"http://127.0.0.1:9000/a\", finalResponse: true, numRetries: -1,"
      "  authEnabled: true, authToken: \"${HOOK_TOKEN}\", headers: {Host: x}},"
      " {name: off, url: \"http://127.0.0.1:9000/b\", async: true, authEnabled: false,"
      "  authToken: \"" +
      secret +
      "\"},"
      " {name: crlf, url: \"http://127.0.0.1:9000/c\", async: true, authEnabled: true,"
      "  authToken: \"" +
      secret +
      "\\r\\n\"},"
      " {name: hdr, url: \"http://127.0.0.1:9000/d\", async: true,"
      "  headers: {Authorization: \"Bearer " +
      secret + "\", X-Key: \"" + secret +
      "\\n\"}},"
      " {name: map, url: \"http://127.0.0.1:9000/e\", async: true, authEnabled: true,"
      "  authToken: {value: \"" +
      secret + "\"}}]");
  const LoadResult result = Load(yaml, {{"HOOK_TOKEN", secret}});

  // Each planted webhook must have produced a diagnostic, so the check
  // below covers the paths that see the token.
  ASSERT_GE(result.errors.size(), 5u) << Describe(result.errors);
  ASSERT_GE(result.warnings.size(), 1u);
  for (const auto* list : {&result.errors, &result.warnings}) {
    for (const Diagnostic& diagnostic : *list) {
      EXPECT_EQ(diagnostic.ToString().find(secret), std::string::npos) << diagnostic.ToString();
      EXPECT_EQ(diagnostic.ToString().find("s3cr3t"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace herald
