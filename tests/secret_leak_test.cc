// Secrets never reach herald's output. A bearer token and signing keys,
// given through the environment and through file:, must not appear in the
// stdout or stderr of `validate`, `send` and `serve`, nor in the service's
// API answers (delivery log, metrics). This holds in every output format
// and log level, and for every encoding of the keys.

#include <httplib.h>
#include <signal.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "subprocess.h"
#include "testing/loopback_receiver.h"

namespace herald::test {
namespace {

// Printable key bytes, so that the decoded form is searchable text too.
constexpr char kToken[] = "leak-canary-bearer-9f3a7c";
constexpr char kEnvSecretBytes[] = "leak-canary-hmac-secret-bytes-01";
constexpr char kFileSecretBytes[] = "leak-canary-file-secret-bytes-02";
constexpr char kSeedBytes[] = "leak-canary-ed25519-seed-bytes03";
constexpr char kShortSecretBytes[] = "leak-canary-16by";
constexpr char kApiToken[] = "leak-canary-api-token-5d41";

std::string Base64(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    unsigned value = 0;
    for (std::size_t j = 0; j < 3; ++j) {
      value = (value << 8) | (j < n ? static_cast<unsigned char>(bytes[i + j]) : 0U);
    }
    for (std::size_t j = 0; j < 4; ++j) {
      out += j <= n ? kAlphabet[(value >> (18 - 6 * j)) & 0x3FU] : '=';
    }
  }
  return out;
}

std::string Hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    out += kDigits[static_cast<unsigned char>(c) >> 4];
    out += kDigits[static_cast<unsigned char>(c) & 0xFU];
  }
  return out;
}

const std::string kEnvSecret = "whsec_" + Base64(kEnvSecretBytes);
const std::string kFileSecret = "whsec_" + Base64(kFileSecretBytes);
const std::string kSigningKey = "whsk_" + Base64(kSeedBytes);

// Every form in which a secret could leak.
std::vector<std::string> ForbiddenStrings() {
  std::vector<std::string> forbidden = {kToken, Base64(kToken),
                                        Base64(std::string("Bearer ") + kToken), kApiToken};
  for (const std::string bytes :
       {kEnvSecretBytes, kFileSecretBytes, kSeedBytes, kShortSecretBytes}) {
    forbidden.push_back(bytes);
    forbidden.push_back(Base64(bytes));
    // Without padding, in case a message trims it.
    forbidden.push_back(Base64(bytes).substr(0, 20));
    forbidden.push_back(Hex(bytes));
  }
  return forbidden;
}

void ExpectNoSecret(const ProcessResult& result, const std::string& label) {
  for (const std::string& secret : ForbiddenStrings()) {
    EXPECT_EQ(result.out.find(secret), std::string::npos)
        << label << ": stdout contains `" << secret << "`:\n"
        << result.out;
    EXPECT_EQ(result.err.find(secret), std::string::npos)
        << label << ": stderr contains `" << secret << "`:\n"
        << result.err;
  }
}

class SecretLeakTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(secret_path_, kFileSecret + "\n");
    WriteFile(key_path_, kSigningKey + "\n");
    WriteFile(payload_path_,
              R"({"event_type":"on-model-version-predeployment","version_endpoint":{"id":"v1"}})");
    const std::string base = "http://127.0.0.1:" + std::to_string(receiver_.port());
    WriteFile(config_path_,
              "webhooks:\n"
              "  enabled: true\n"
              "  retry: {initialBackoff: 10ms, maxBackoff: 20ms}\n"
              "  config:\n"
              "    on-model-version-predeployment:\n"
              "      - name: quota\n"
              "        url: " +
                  base +
                  "/quota\n"
                  "        finalResponse: true\n"
                  "        authEnabled: true\n"
                  "        authToken: ${LEAK_TOKEN}\n"
                  "        secrets: [\"${LEAK_SECRET}\", \"file:" +
                  secret_path_ +
                  "\"]\n"
                  "        signingKey: file:" +
                  key_path_ +
                  "\n"
                  "      - name: audit\n"
                  "        url: " +
                  base +
                  "/audit\n"
                  "        async: true\n"
                  "        secret: ${LEAK_SECRET}\n");
  }

  ProcessResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), HERALD_BINARY);
    return RunProcess(args, "", env_);
  }

  std::vector<std::string> Send(std::vector<std::string> extra) {
    std::vector<std::string> args = std::move(extra);
    args.insert(args.end(), {"send", "--config", config_path_, "--event",
                             "on-model-version-predeployment", "--payload", payload_path_});
    return args;
  }

  const std::vector<std::pair<std::string, std::string>> env_ = {
      {"LEAK_TOKEN", kToken}, {"LEAK_SECRET", kEnvSecret}, {"LEAK_API_TOKEN", kApiToken}};
  const std::string dir_ = MakeTempDir();
  const std::string secret_path_ = dir_ + "/secret";
  const std::string key_path_ = dir_ + "/signing.key";
  const std::string payload_path_ = dir_ + "/payload.json";
  const std::string config_path_ = dir_ + "/webhooks.yaml";
  LoopbackReceiver receiver_;
};

const std::vector<std::vector<std::string>> kOutputModes = {
    {},
    {"--log-level", "trace"},
    {"--log-format", "json"},
    {"--log-level", "trace", "--log-format", "json"},
};

TEST_F(SecretLeakTest, ValidatePrintsNoSecret) {
  for (const auto& mode : kOutputModes) {
    std::vector<std::string> args = mode;
    args.insert(args.end(), {"validate", config_path_});
    const ProcessResult result = Run(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    ExpectNoSecret(result, "validate " + ::testing::PrintToString(mode));
  }
}

TEST_F(SecretLeakTest, SendSuccessAndFailurePrintNoSecret) {
  for (const int status : {200, 503}) {
    for (auto mode : kOutputModes) {
      for (const bool json_report : {false, true}) {
        const std::string label = "send HTTP " + std::to_string(status) +
                                  (json_report ? " --json " : " ") + ::testing::PrintToString(mode);
        receiver_.SetResponse("/quota", ScriptedResponse::Status(status, "{}"));
        std::vector<std::string> args = Send(mode);
        if (json_report) args.push_back("--json");
        const std::size_t before = receiver_.request_count();

        const ProcessResult result = Run(args);

        EXPECT_EQ(result.exit_code, status == 200 ? 0 : 1) << label << "\n" << result.err;
        EXPECT_GT(receiver_.request_count(), before) << label;
        ExpectNoSecret(result, label);
      }
    }
  }

  // The keys took effect: the quota webhook signed with both secrets and
  // the signing key.
  const ReceivedRequest first = receiver_.requests().front();
  const std::string signature = first.FindHeader("webhook-signature").value_or("");
  EXPECT_EQ(signature.rfind("v1,", 0), 0U) << signature;
  EXPECT_NE(signature.find(" v1,"), std::string::npos) << signature;
  EXPECT_NE(signature.find(" v1a,"), std::string::npos) << signature;
  EXPECT_EQ(first.FindHeader("authorization"), std::string("Bearer ") + kToken);
}

TEST_F(SecretLeakTest, InvalidAndLiteralSecretsPrintNoSecret) {
  const std::string literal_config = dir_ + "/literal.yaml";
  WriteFile(literal_config,
            "webhooks:\n"
            "  enabled: true\n"
            "  config:\n"
            "    on-model-version-deployed:\n"
            "      - name: a\n"
            "        url: http://127.0.0.1:9/a\n"
            "        async: true\n"
            "        secret: " +
                kEnvSecret +
                "\n"
                "        signingKey: " +
                kSigningKey + "\n");
  const ProcessResult literal = Run({"validate", literal_config});
  EXPECT_EQ(literal.exit_code, 0) << literal.err;
  EXPECT_NE((literal.out + literal.err).find("secret written literally in the config"),
            std::string::npos)
      << literal.out << literal.err;
  ExpectNoSecret(literal, "validate with literal keys");

  const std::string short_config = dir_ + "/short.yaml";
  WriteFile(short_config,
            "webhooks:\n"
            "  enabled: true\n"
            "  config:\n"
            "    on-model-version-deployed:\n"
            "      - name: a\n"
            "        url: http://127.0.0.1:9/a\n"
            "        async: true\n"
            "        secret: ${LEAK_SHORT}\n");
  const ProcessResult invalid = RunProcess({HERALD_BINARY, "validate", short_config}, "",
                                           {{"LEAK_SHORT", "whsec_" + Base64(kShortSecretBytes)}});
  EXPECT_EQ(invalid.exit_code, 2) << invalid.err;
  EXPECT_NE(invalid.err.find("decodes to 16 bytes"), std::string::npos) << invalid.err;
  ExpectNoSecret(invalid, "validate with a short secret");
}

TEST_F(SecretLeakTest, ServeLogsAndApiShowNoSecret) {
  receiver_.EnqueueResponse("/quota", ScriptedResponse::Status(200, "{}"));
  receiver_.SetResponse("/quota", ScriptedResponse::Status(503, "{}"));
  BackgroundProcess serve;
  ASSERT_TRUE(serve.Start({HERALD_BINARY, "--log-level", "trace", "--log-format", "json", "serve",
                           "--config", config_path_, "--listen", "127.0.0.1:0", "--data-dir",
                           dir_ + "/data", "--api-token-env", "LEAK_API_TOKEN"},
                          env_));
  ASSERT_TRUE(serve.WaitForStderr("listening on", std::chrono::seconds(20))) << serve.err();
  httplib::Client client("127.0.0.1", ParseListeningPort(serve.err()));
  client.set_bearer_token_auth(kApiToken);
  const std::string payload = ReadFile(payload_path_);

  // One event passes the gate (and queues the signed async webhook), one
  // fails it after retries.
  auto passed = client.Post("/v1/events", payload, "application/json");
  ASSERT_TRUE(passed);
  EXPECT_EQ(passed->status, 200) << passed->body;
  auto vetoed = client.Post("/v1/events", payload, "application/json");
  ASSERT_TRUE(vetoed);
  EXPECT_EQ(vetoed->status, 422) << vetoed->body;
  ASSERT_TRUE(receiver_.WaitForRequests(5, std::chrono::seconds(20)));

  std::vector<std::string> answers = {passed->body, vetoed->body};
  for (int i = 0; i < 200; ++i) {
    auto pending = client.Get("/v1/deliveries?status=pending");
    if (pending && pending->body.find("\"delivery_id\"") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  auto list = client.Get("/v1/deliveries");
  ASSERT_TRUE(list);
  answers.push_back(list->body);
  const nlohmann::json listed = nlohmann::json::parse(list->body);
  for (const auto& delivery : listed["deliveries"]) {
    auto detail = client.Get("/v1/deliveries/" + delivery["delivery_id"].get<std::string>());
    ASSERT_TRUE(detail);
    answers.push_back(detail->body);
  }
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  answers.push_back(metrics->body);
  auto unauthorized = httplib::Client("127.0.0.1", ParseListeningPort(serve.err())).Get("/metrics");
  ASSERT_TRUE(unauthorized);
  EXPECT_EQ(unauthorized->status, 401);
  answers.push_back(unauthorized->body);

  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(std::chrono::seconds(20)), 0);
  ProcessResult output;
  output.err = serve.err();
  output.out = "";
  for (const std::string& answer : answers) output.out += answer + "\n";
  ExpectNoSecret(output, "serve logs and API answers");
  // The log was written at trace level, so it is not empty by accident.
  EXPECT_NE(output.err.find("\"level\":\"info\""), std::string::npos) << output.err;
}

}  // namespace
}  // namespace herald::test
