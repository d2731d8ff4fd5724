// Standard Webhooks interoperability: real herald deliveries to a loopback
// receiver, verified by the reference npm package `standardwebhooks` run on
// Node (tests/node/verify.mjs). That package (1.3.0) verifies only "v1"
// HMAC signatures, so "v1a" Ed25519 signatures are verified here with
// OpenSSL directly, against a public key computed outside herald.

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/signing.h"
#include "herald/config.h"
#include "herald/dispatcher.h"
#include "subprocess.h"
#include "testing/fakes.h"
#include "testing/loopback_receiver.h"

namespace herald::test {
namespace {

using std::chrono::seconds;

const std::string kNode = HERALD_NODE;
const std::string kNodeDir = HERALD_NODE_DIR;

constexpr char kEvent[] = "on-model-version-deployed";
constexpr char kPayload[] =
    R"({"event_type":"on-model-version-deployed","version_endpoint":{"id":"v1","name":"ü"}})";

// Two rotation secrets of 24 and 32 bytes, and an unrelated one.
constexpr char kSecretOld[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kSecretNew[] = "whsec_c2Vjb25kLXJvdGF0aW9uLXNlY3JldC0zMi1ieXRlcyE=";
constexpr char kSecretOther[] = "whsec_dW5yZWxhdGVkLXNlY3JldC0yNC1ieQ==";
// The seed of the Go library's test vector, and its public key as Node's
// crypto module computes it.
constexpr char kSigningKey[] = "whsk_VEVTVFNJR05JTkdLRVlET05PVFVTRVRISVNGT1JBTlk=";
constexpr char kPublicKey[] = "ZlN4eg7dSSqi0moX9hQUk3orrOouK3QVQSlJa248c/g=";

// What the receiver got for one delivery.
struct Delivered {
  std::string id;
  std::string timestamp;
  std::string signature;
  std::string body;
};

// Fails the test, with the fix, when Node or the npm package is missing.
void RequireNode() {
  ASSERT_TRUE(::access(kNode.c_str(), X_OK) == 0)
      << "node was not found at configure time (`" << kNode
      << "`); install Node.js (scripts/install-deps.sh) and reconfigure with "
         "CMake";
  ASSERT_TRUE(std::filesystem::exists(kNodeDir + "/node_modules/standardwebhooks/package.json"))
      << "the npm package standardwebhooks is missing; run "
         "scripts/install-node-deps.sh";
}

class SignatureInteropTest : public ::testing::Test {
 protected:
  // Delivers kPayload once to a webhook with `keys` (YAML keys of the
  // webhook entry) and returns what the receiver got.
  Delivered Deliver(const std::string& keys, Clock* clock = nullptr) {
    const std::string yaml = "webhooks:\n  enabled: true\n  config:\n    " + std::string(kEvent) +
                             ":\n      - name: signed\n        url: " + receiver_.url("/hook") +
                             "\n        async: true\n" + keys;
    const LoadResult loaded = LoadConfigString(yaml, "interop.yaml", [](std::string_view name) {
      const std::map<std::string, std::string, std::less<>> env = {
          {"SECRET_OLD", kSecretOld}, {"SECRET_NEW", kSecretNew}, {"SIGNING_KEY", kSigningKey}};
      const auto it = env.find(name);
      return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
    EXPECT_TRUE(loaded.ok()) << (loaded.errors.empty() ? "" : loaded.errors[0].ToString());
    if (!loaded.ok()) return {};

    DispatcherOptions options;
    options.clock = clock;
    auto dispatcher = Dispatcher::Create(loaded.config, std::move(options));
    const std::size_t before = receiver_.request_count();
    EXPECT_TRUE(dispatcher->Invoke(kEvent, kPayload).ok());
    dispatcher->Drain();
    EXPECT_EQ(receiver_.request_count(), before + 1);
    const ReceivedRequest request = receiver_.requests().back();
    return Delivered{request.FindHeader("webhook-id").value_or(""),
                     request.FindHeader("webhook-timestamp").value_or(""),
                     request.FindHeader("webhook-signature").value_or(""), request.body};
  }

  LoopbackReceiver receiver_;
};

// One request for verify.mjs.
nlohmann::json Check(const std::string& secret, const Delivered& delivered,
                     std::optional<std::int64_t> now = std::nullopt) {
  nlohmann::json line = {{"secret", secret},
                         {"id", delivered.id},
                         {"timestamp", delivered.timestamp},
                         {"signature", delivered.signature},
                         {"bodyBase64", Base64Encode(delivered.body)}};
  if (now.has_value()) line["now"] = *now;
  return line;
}

// Runs verify.mjs on `checks` and returns its results, one per check.
std::vector<nlohmann::json> RunNodeVerify(const std::vector<nlohmann::json>& checks) {
  std::string input;
  for (const nlohmann::json& check : checks) input += check.dump() + "\n";
  const ProcessResult result =
      RunProcess({kNode, kNodeDir + "/verify.mjs"}, input, {}, std::chrono::seconds(30));
  EXPECT_EQ(result.exit_code, 0) << result.err;

  std::vector<nlohmann::json> answers;
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);) answers.push_back(nlohmann::json::parse(line));
  EXPECT_EQ(answers.size(), checks.size()) << result.out << result.err;
  answers.resize(checks.size());
  return answers;
}

void ExpectAccepted(const nlohmann::json& answer, const std::string& label) {
  EXPECT_EQ(answer.value("accepted", false), true) << label << ": " << answer.dump();
}

void ExpectRejected(const nlohmann::json& answer, const std::string& label,
                    const std::string& error) {
  EXPECT_EQ(answer.value("accepted", true), false) << label << ": " << answer.dump();
  EXPECT_EQ(answer.value("error", ""), error) << label;
}

TEST_F(SignatureInteropTest, OneSecretGenuineTamperedStale) {
  ASSERT_NO_FATAL_FAILURE(RequireNode());
  const Delivered genuine = Deliver("        secret: ${SECRET_NEW}\n");
  ASSERT_EQ(genuine.body, kPayload);
  Delivered tampered = genuine;
  tampered.body.replace(tampered.body.find("v1"), 2, "v2");
  FakeClock past;  // Its wall clock is fixed at 2026-01-01T00:00:00Z.
  const Delivered stale = Deliver("        secret: ${SECRET_NEW}\n", &past);
  const std::int64_t stale_time = std::stoll(stale.timestamp);

  const std::vector<nlohmann::json> answers = RunNodeVerify({
      Check(kSecretNew, genuine),
      Check(kSecretNew, tampered),
      Check(kSecretNew, stale, stale_time + 600),
      Check(kSecretNew, stale, stale_time + 60),
      Check(kSecretOther, genuine),
  });

  ExpectAccepted(answers[0], "genuine");
  ExpectRejected(answers[1], "tampered body", "No matching signature found");
  ExpectRejected(answers[2], "signed 10 minutes before now", "Message timestamp too old");
  ExpectAccepted(answers[3], "signed 1 minute before now");
  ExpectRejected(answers[4], "unrelated secret", "No matching signature found");
}

TEST_F(SignatureInteropTest, RotatedSecretsEachVerify) {
  ASSERT_NO_FATAL_FAILURE(RequireNode());
  const Delivered delivered = Deliver(
      "        secrets:\n          - ${SECRET_NEW}\n          - "
      "${SECRET_OLD}\n");
  EXPECT_EQ(delivered.signature.find("v1,"), 0U) << delivered.signature;
  EXPECT_NE(delivered.signature.find(" v1,"), std::string::npos) << delivered.signature;
  Delivered tampered = delivered;
  tampered.body += " ";

  const std::vector<nlohmann::json> answers = RunNodeVerify({
      Check(kSecretNew, delivered),
      Check(kSecretOld, delivered),
      Check(kSecretOld, tampered),
      Check(kSecretOther, delivered),
  });

  ExpectAccepted(answers[0], "new secret");
  ExpectAccepted(answers[1], "old secret");
  ExpectRejected(answers[2], "tampered body", "No matching signature found");
  ExpectRejected(answers[3], "unrelated secret", "No matching signature found");
}

// Verifies the "v1a" entry of the signature header with OpenSSL alone.
bool OpenSslVerifiesV1a(const Delivered& delivered) {
  const std::string prefix = "v1a,";
  const std::size_t at = delivered.signature.find(prefix);
  if (at == std::string::npos) return false;
  std::string encoded = delivered.signature.substr(at + prefix.size());
  encoded = encoded.substr(0, encoded.find(' '));
  const std::optional<std::string> signature = Base64Decode(encoded);
  const std::optional<std::string> public_key = Base64Decode(kPublicKey);
  if (!signature || !public_key) return false;

  const std::string content = delivered.id + "." + delivered.timestamp + "." + delivered.body;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                  reinterpret_cast<const unsigned char*>(public_key->data()),
                                  public_key->size()),
      EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  EVP_MD_CTX_free);
  if (!key || !context) return false;
  if (EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, key.get()) != 1) return false;
  return EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature->data()),
                          signature->size(), reinterpret_cast<const unsigned char*>(content.data()),
                          content.size()) == 1;
}

TEST_F(SignatureInteropTest, Ed25519SignatureVerifiesWithOpenSsl) {
  ASSERT_NO_FATAL_FAILURE(RequireNode());
  const Delivered delivered =
      Deliver("        secret: ${SECRET_OLD}\n        signingKey: ${SIGNING_KEY}\n");
  Delivered tampered = delivered;
  tampered.body += " ";
  Delivered replayed = delivered;
  replayed.timestamp = std::to_string(std::stoll(delivered.timestamp) + 1);

  EXPECT_TRUE(OpenSslVerifiesV1a(delivered)) << delivered.signature;
  EXPECT_FALSE(OpenSslVerifiesV1a(tampered));
  EXPECT_FALSE(OpenSslVerifiesV1a(replayed));
  // The package skips the v1a entry and accepts the v1 one beside it.
  const std::vector<nlohmann::json> answers = RunNodeVerify({Check(kSecretOld, delivered)});
  ExpectAccepted(answers[0], "v1 beside v1a");
}

}  // namespace
}  // namespace herald::test
