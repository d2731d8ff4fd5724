// The signing keys of a webhook (`secret`, `secrets`, `signingKey`) and the
// references that resolve them, through the public loader.

#include "secrets.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "config_test_util.h"
#include "herald/config.h"

namespace herald {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing_config::ConfigWithEvent;
using testing_config::Describe;
using testing_config::FakeEnv;
using testing_config::Load;

// 24 and 32 key bytes; the second decodes to
// "second-rotation-secret-32-bytes!".
constexpr std::string_view kSecretA = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view kSecretB = "whsec_c2Vjb25kLXJvdGF0aW9uLXNlY3JldC0zMi1ieXRlcyE=";
constexpr std::string_view kSecretBBytes = "second-rotation-secret-32-bytes!";
// 16 key bytes, too few.
constexpr std::string_view kShortSecret = "whsec_c2l4dGVlbi1ieXRlcy1hYg==";
// The 32-byte seed "TESTSIGNINGKEYDONOTUSETHISFORANY".
constexpr std::string_view kSigningKey = "whsk_VEVTVFNJR05JTkdLRVlET05PVFVTRVRISVNGT1JBTlk=";

std::string Webhook(std::string_view keys) {
  return ConfigWithEvent(fmt::format(
      R"([{{name: a, url: "http://127.0.0.1:9000/a", finalResponse: true, {}}}])", keys));
}

const WebhookConfig& OnlyWebhook(const LoadResult& result) {
  return result.config->events.at("on-model-version-deployed").webhooks.at(0);
}

std::string WriteTempFile(const std::string& name, const std::string& contents) {
  const std::string path = ::testing::TempDir() + "/herald_secrets_test_" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
  return path;
}

TEST(SecretsTest, SecretFromEnvironment) {
  const LoadResult result =
      Load(Webhook("secret: \"${HOOK_SECRET}\""), {{"HOOK_SECRET", std::string(kSecretB)}});

  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  EXPECT_TRUE(result.warnings.empty()) << Describe(result.warnings);
  EXPECT_THAT(OnlyWebhook(result).signing_secrets,
              ::testing::ElementsAre(std::string(kSecretBBytes)));
  EXPECT_EQ(OnlyWebhook(result).signing_key, std::nullopt);
}

TEST(SecretsTest, SecretFromFileWithoutTrailingNewline) {
  const std::string path = WriteTempFile("secret", std::string(kSecretB) + "\r\n");

  const LoadResult result = Load(Webhook("Secret: \"file:" + path + "\""));

  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  EXPECT_THAT(OnlyWebhook(result).signing_secrets,
              ::testing::ElementsAre(std::string(kSecretBBytes)));
}

TEST(SecretsTest, LiteralSecretLoadsWithWarning) {
  const LoadResult result = Load(Webhook(fmt::format("secret: {}", kSecretB)));

  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  ASSERT_EQ(result.warnings.size(), 1U) << Describe(result.warnings);
  EXPECT_EQ(result.warnings[0].field, "secret");
  EXPECT_EQ(result.warnings[0].message,
            "secret written literally in the config; use ${VAR} or file:");
  EXPECT_THAT(result.warnings[0].ToString(), Not(HasSubstr(kSecretB.substr(6))));
}

TEST(SecretsTest, RotatedSecretsKeepOrder) {
  const LoadResult result =
      Load(Webhook("secrets: [\"${NEW_SECRET}\", \"${OLD_SECRET}\", \"${SAME}\"]"),
           {{"NEW_SECRET", std::string(kSecretB)},
            {"OLD_SECRET", std::string(kSecretA)},
            {"SAME", std::string(kSecretB)}});

  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  const WebhookConfig& webhook = OnlyWebhook(result);
  ASSERT_EQ(webhook.signing_secrets.size(), 2U);
  EXPECT_EQ(webhook.signing_secrets[0], kSecretBBytes);
  EXPECT_EQ(webhook.signing_secrets[1].size(), 24U);
  ASSERT_EQ(result.warnings.size(), 1U) << Describe(result.warnings);
  EXPECT_EQ(result.warnings[0].field, "secrets[2]");
}

TEST(SecretsTest, SigningKeyDecodesSeed) {
  const LoadResult result =
      Load(Webhook("signingKey: \"${SIGNING_KEY}\", secret: \"${S}\""),
           {{"SIGNING_KEY", std::string(kSigningKey)}, {"S", std::string(kSecretA)}});

  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  EXPECT_EQ(OnlyWebhook(result).signing_key, "TESTSIGNINGKEYDONOTUSETHISFORANY");
  EXPECT_EQ(OnlyWebhook(result).signing_secrets.size(), 1U);
}

struct SecretErrorCase {
  std::string label;
  std::string keys;
  std::string field;
  std::string message_part;
};

TEST(SecretsTest, ErrorsNameFieldAndNeverValue) {
  const std::string missing_file = ::testing::TempDir() + "/herald_secrets_test_missing";
  std::remove(missing_file.c_str());
  const std::string empty_file = WriteTempFile("empty", "\n");
  const std::string large_file =
      WriteTempFile("large", std::string(config_internal::kMaxSecretFileBytes + 1, 'x'));
  const std::vector<SecretErrorCase> cases = {
      {"unset variable", "secret: \"${UNSET}\"", "secret",
       "environment variable `UNSET` is not set"},
      {"empty variable", "secret: \"${EMPTY}\"", "secret", "environment variable `EMPTY` is empty"},
      {"bad variable name", "secret: \"${1X}\"", "secret", "not a valid environment variable name"},
      {"missing file", "secret: \"file:" + missing_file + "\"", "secret", "cannot read file"},
      {"empty file", "secret: \"file:" + empty_file + "\"", "secret", "is empty"},
      {"large file", "secret: \"file:" + large_file + "\"", "secret", "is larger than 65536 bytes"},
      {"no prefix", "secret: \"${NO_PREFIX}\"", "secret",
       "must start with `whsec_` (read from environment variable `NO_PREFIX`)"},
      {"bad base64", "secret: \"${BAD_BASE64}\"", "secret", "is not valid base64 after `whsec_`"},
      {"short secret", "secret: \"${SHORT}\"", "secret", "decodes to 16 bytes"},
      {"key as secret", "secret: \"${KEY}\"", "secret", "set it as signingKey"},
      {"secret and secrets", "secret: \"${A}\", secrets: [\"${A}\"]", "secrets", "not both"},
      {"secrets not a list", "secrets: \"${A}\"", "secrets", "must be a non-empty list"},
      {"empty secrets", "secrets: []", "secrets", "got an empty list"},
      {"bad list entry", "secrets: [\"${A}\", \"${SHORT}\"]", "secrets[1]", "decodes to 16 bytes"},
      {"secret as key", "signingKey: \"${A}\"", "signingKey", "set it as secret"},
      {"short key", "signingKey: \"${SHORT_KEY}\"", "signingKey", "decodes to 16 bytes"},
  };
  const std::map<std::string, std::string, std::less<>> env = {
      {"EMPTY", ""},
      {"NO_PREFIX", std::string(kSecretA.substr(6))},
      {"BAD_BASE64", "whsec_MfKQ9r8GKYqr*TwjUPD8ILPZIo2LaLaSw"},
      {"SHORT", std::string(kShortSecret)},
      {"KEY", std::string(kSigningKey)},
      {"A", std::string(kSecretA)},
      {"SHORT_KEY", "whsk_c2l4dGVlbi1ieXRlcy1hYg=="},
  };

  for (const SecretErrorCase& test : cases) {
    SCOPED_TRACE(test.label);
    const LoadResult result = Load(Webhook(test.keys), env);
    ASSERT_EQ(result.errors.size(), 1U) << Describe(result.errors);
    EXPECT_EQ(result.errors[0].field, test.field);
    EXPECT_THAT(result.errors[0].message, HasSubstr(test.message_part));
    for (const auto& [name, value] : env) {
      if (value.size() > 8) {
        EXPECT_THAT(result.errors[0].message, Not(HasSubstr(value.substr(6))));
      }
    }
  }
}

TEST(SecretsTest, SignatureHeadersAreReserved) {
  const LoadResult result = Load(Webhook("headers: {Webhook-Signature: v1}"));

  ASSERT_EQ(result.errors.size(), 1U) << Describe(result.errors);
  EXPECT_THAT(result.errors[0].message, HasSubstr("herald signs requests itself"));
}

TEST(ResolveSecretReferenceTest, MarksOnlyLiteralsAsLiteral) {
  const EnvLookup env = FakeEnv({{"TOKEN", "t0ken"}});

  const auto from_env = config_internal::ResolveSecretReference("${TOKEN}", env);
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->value, "t0ken");
  EXPECT_FALSE(from_env->literal);

  const auto literal = config_internal::ResolveSecretReference("${TOKEN", env);
  ASSERT_TRUE(literal.ok());
  EXPECT_EQ(literal->value, "${TOKEN");
  EXPECT_TRUE(literal->literal);

  EXPECT_FALSE(config_internal::ResolveSecretReference("file:", env).ok());
}

}  // namespace
}  // namespace herald
