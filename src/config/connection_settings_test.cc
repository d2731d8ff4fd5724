// Loads configs with `egress:` and `tls:` settings.

#include "connection_settings.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_test_util.h"
#include "herald/config.h"

namespace herald {
namespace {

using ::testing::HasSubstr;
using testing_config::Describe;
using testing_config::Load;

// A file in a fresh temporary directory, removed with the directory.
class TempFile {
 public:
  TempFile() {
    std::string pattern = ::testing::TempDir() + "herald-tls-XXXXXX";
    const char* made = ::mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr);
    directory_ = pattern;
    path_ = directory_ + "/file.pem";
    std::ofstream(path_) << "-----BEGIN CERTIFICATE-----\n";
  }
  ~TempFile() {
    std::remove(path_.c_str());
    ::rmdir(directory_.c_str());
  }

  const std::string& path() const { return path_; }
  const std::string& directory() const { return directory_; }

 private:
  std::string directory_;
  std::string path_;
};

std::string WithSettings(const std::string& settings, const std::string& webhook_extra = "") {
  return "webhooks:\n"
         "  enabled: true\n" +
         settings +
         "  config:\n"
         "    on-model-version-deployed:\n"
         "      - name: notify\n"
         "        url: http://127.0.0.1:8000/hook\n"
         "        async: true\n" +
         webhook_extra;
}

TEST(EgressConfigTest, ParsesRules) {
  const LoadResult result =
      Load(WithSettings("  egress:\n"
                        "    allow: [10.20.0.0/16, '*.svc.local', fd00::/8]\n"
                        "    deny: [10.20.99.0/24]\n"
                        "    allowLinkLocal: true\n"));
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  const EgressPolicy& egress = result.config->egress;
  ASSERT_EQ(egress.allow.size(), 3u);
  ASSERT_TRUE(egress.allow[0].network.has_value());
  EXPECT_EQ(egress.allow[0].network->ToString(), "10.20.0.0/16");
  EXPECT_EQ(egress.allow[1].host, "*.svc.local");
  EXPECT_EQ(egress.allow[2].network->base.family, IpAddress::Family::kV6);
  ASSERT_EQ(egress.deny.size(), 1u);
  EXPECT_EQ(egress.deny[0].text, "10.20.99.0/24");
  EXPECT_TRUE(egress.allow_link_local);
}

TEST(EgressConfigTest, MerlinShapeAndCase) {
  const LoadResult result = Load(
      "WebhooksConfig:\n"
      "  Enabled: true\n"
      "  Egress:\n"
      "    Deny: [127.0.0.0/8]\n"
      "  Config: {}\n");
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  ASSERT_EQ(result.config->egress.deny.size(), 1u);
}

TEST(EgressConfigTest, DefaultsToNoRules) {
  const LoadResult result = Load(WithSettings(""));
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  EXPECT_TRUE(result.config->egress.allow.empty());
  EXPECT_TRUE(result.config->egress.deny.empty());
  EXPECT_FALSE(result.config->egress.allow_link_local);
}

TEST(EgressConfigTest, InvalidCidrNamesItsIndex) {
  const LoadResult result =
      Load(WithSettings("  egress:\n"
                        "    allow: [10.0.0.0/8, hooks.example.com, 10.0.0.0/33]\n"));
  ASSERT_EQ(result.errors.size(), 1u) << Describe(result.errors);
  EXPECT_EQ(result.errors[0].field, "egress.allow[2]");
  EXPECT_THAT(result.errors[0].message, HasSubstr("invalid CIDR `10.0.0.0/33`"));
}

TEST(EgressConfigTest, ReportsWrongShapes) {
  struct Case {
    const char* settings;
    const char* field;
  };
  const Case cases[] = {
      {"  egress: [10.0.0.0/8]\n", "egress"},
      {"  egress:\n    allow: 10.0.0.0/8\n", "egress.allow"},
      {"  egress:\n    deny: [{a: b}]\n", "egress.deny[0]"},
      {"  egress:\n    deny: ['not a host']\n", "egress.deny[0]"},
      {"  egress:\n    allowLinkLocal: maybe\n", "egress.allowLinkLocal"},
      {"  egress:\n    alow: []\n", "egress.alow"},
  };
  for (const Case& c : cases) {
    const LoadResult result = Load(WithSettings(c.settings));
    ASSERT_EQ(result.errors.size(), 1u) << c.settings << Describe(result.errors);
    EXPECT_EQ(result.errors[0].field, c.field) << c.settings;
  }
}

TEST(TlsConfigTest, WebhookOverridesGlobalKeyByKey) {
  const TempFile ca;
  const TempFile cert;
  const LoadResult result =
      Load(WithSettings("  tls:\n"
                        "    caFile: " +
                            ca.path() + "\n",
                        "        tls:\n"
                        "          certFile: " +
                            cert.path() + "\n"));
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  EXPECT_TRUE(result.warnings.empty()) << Describe(result.warnings);
  EXPECT_EQ(result.config->tls.ca_file, ca.path());
  EXPECT_TRUE(result.config->tls.cert_file.empty());
  const WebhookConfig& webhook = result.config->FindEvent("on-model-version-deployed")->webhooks[0];
  EXPECT_EQ(webhook.tls.ca_file, ca.path());
  EXPECT_EQ(webhook.tls.cert_file, cert.path());
  EXPECT_TRUE(webhook.tls.key_file.empty());
  EXPECT_FALSE(webhook.tls.insecure_skip_verify);
}

TEST(TlsConfigTest, MissingFileIsAnError) {
  const TempFile existing;
  const std::string missing = existing.directory() + "/missing.pem";
  const LoadResult result =
      Load(WithSettings("  tls:\n"
                        "    caFile: " +
                            missing + "\n",
                        "        tls:\n"
                        "          keyFile: " +
                            existing.directory() + "\n"));
  ASSERT_EQ(result.errors.size(), 2u) << Describe(result.errors);
  EXPECT_EQ(result.errors[0].field, "tls.caFile");
  EXPECT_THAT(result.errors[0].message, HasSubstr("No such file or directory"));
  EXPECT_EQ(result.errors[1].field, "tls.keyFile");
  EXPECT_EQ(result.errors[1].webhook_name, "notify");
  EXPECT_THAT(result.errors[1].message, HasSubstr("is not a regular file"));
}

TEST(TlsConfigTest, KeyWithoutCertificate) {
  const TempFile key;
  const LoadResult result = Load(WithSettings("", "        tls: {keyFile: " + key.path() + "}\n"));
  ASSERT_EQ(result.errors.size(), 1u) << Describe(result.errors);
  EXPECT_EQ(result.errors[0].field, "tls.keyFile");
  EXPECT_THAT(result.errors[0].message, HasSubstr("certFile is not"));
}

TEST(TlsConfigTest, InsecureSkipVerifyWarnsPerWebhook) {
  const std::string yaml = WithSettings("  tls: {insecureSkipVerify: true}\n");
  for (int load = 0; load < 2; ++load) {
    const LoadResult result = Load(yaml);
    ASSERT_TRUE(result.ok()) << Describe(result.errors);
    ASSERT_EQ(result.warnings.size(), 1u) << Describe(result.warnings);
    EXPECT_EQ(result.warnings[0].field, "tls.insecureSkipVerify");
    EXPECT_THAT(result.warnings[0].message,
                HasSubstr("certificate verification is disabled for webhook notify"));
  }
}

TEST(TlsConfigTest, WebhookCanReenableVerification) {
  const LoadResult result = Load(WithSettings("  tls: {insecureSkipVerify: true}\n",
                                              "        tls: {insecureSkipVerify: false}\n"));
  ASSERT_TRUE(result.ok()) << Describe(result.errors);
  EXPECT_TRUE(result.warnings.empty()) << Describe(result.warnings);
}

TEST(TlsConfigTest, ReportsWrongShapes) {
  struct Case {
    const char* settings;
    const char* field;
  };
  const Case cases[] = {
      {"  tls: true\n", "tls"},
      {"  tls: {caFile: ''}\n", "tls.caFile"},
      {"  tls: {caFile: [a]}\n", "tls.caFile"},
      {"  tls: {insecureSkipVerify: sometimes}\n", "tls.insecureSkipVerify"},
      {"  tls: {verify: false}\n", "tls.verify"},
  };
  for (const Case& c : cases) {
    const LoadResult result = Load(WithSettings(c.settings));
    ASSERT_EQ(result.errors.size(), 1u) << c.settings << Describe(result.errors);
    EXPECT_EQ(result.errors[0].field, c.field) << c.settings;
  }
}

}  // namespace
}  // namespace herald
