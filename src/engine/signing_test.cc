#include "engine/signing.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace herald {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

// The vectors of the Standard Webhooks reference libraries: the JavaScript
// test "sign function works" and the Go test TestAsymmetricWebhookSign.
// Both were recomputed with Node's crypto module.
constexpr std::string_view kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view kSigningKey = "whsk_VEVTVFNJR05JTkdLRVlET05PVFVTRVRISVNGT1JBTlk=";
constexpr std::string_view kPublicKey = "whpk_ZlN4eg7dSSqi0moX9hQUk3orrOouK3QVQSlJa248c/g=";
constexpr std::string_view kId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t kTimestamp = 1614265330;
constexpr std::string_view kBody = R"({"test": 2432232314})";
constexpr std::string_view kSymmetricSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
constexpr std::string_view kAsymmetricSignature =
    "v1a,tQ9V2XOqn7jL/"
    "DQenEFpqIugdBVtiMmER5mhSkXBNwM0mkATuDe6KYYUuxqtaiHeYGb7KaaBRdM5WqyeFiL8Ag="
    "=";

const system_clock::time_point kSignedAt = system_clock::time_point(seconds(kTimestamp));

std::string Secret() { return ParseSymmetricSecret(kSecret).value(); }
std::string Seed() { return ParseSigningKey(kSigningKey).value(); }

SignedHeaders Headers(std::string signature) {
  return SignedHeaders{std::string(kId), std::to_string(kTimestamp), std::move(signature)};
}

TEST(SigningTest, SymmetricMatchesReferenceVector) {
  EXPECT_EQ(SignSymmetric(Secret(), kId, kTimestamp, kBody), kSymmetricSignature);
}

TEST(SigningTest, AsymmetricMatchesReferenceVector) {
  EXPECT_EQ(SignAsymmetric(Seed(), kId, kTimestamp, kBody), kAsymmetricSignature);
}

TEST(SigningTest, DerivesPublicKeyOfSeed) {
  EXPECT_EQ(FormatPublicKey(DerivePublicKey(Seed())), kPublicKey);
}

TEST(SigningTest, HeaderListsSecretsThenSigningKey) {
  const std::string other = std::string(32, 'k');
  const std::string header =
      BuildSignatureHeader({Secret(), other}, Seed(), kId, kTimestamp, kBody);

  EXPECT_EQ(header, std::string(kSymmetricSignature) + " " +
                        SignSymmetric(other, kId, kTimestamp, kBody) + " " +
                        std::string(kAsymmetricSignature));
  EXPECT_EQ(BuildSignatureHeader({}, std::nullopt, kId, kTimestamp, kBody), "");
}

TEST(SigningTest, Base64RoundTripsEveryLength) {
  std::string bytes;
  for (int length = 0; length < 10; ++length) {
    EXPECT_EQ(Base64Decode(Base64Encode(bytes)), bytes) << "length " << length;
    bytes.push_back(static_cast<char>(0xF0 + length));
  }
  EXPECT_EQ(Base64Decode("Zm9vYg"), "foob");  // Padding left out.
  EXPECT_EQ(Base64Decode("Zm9vYg=="), "foob");
}

TEST(SigningTest, Base64RejectsMalformedText) {
  EXPECT_EQ(Base64Decode("Zm9v Yg=="), std::nullopt);
  EXPECT_EQ(Base64Decode("Zm9vY"), std::nullopt);
  EXPECT_EQ(Base64Decode("Zm9vYg="), std::nullopt);
  EXPECT_EQ(Base64Decode("Zm9vYg==="), std::nullopt);
  EXPECT_EQ(Base64Decode("Zm=9vYg="), std::nullopt);
  EXPECT_EQ(Base64Decode("Zm9v_-=="), std::nullopt);
}

TEST(SigningTest, SecretFormatErrorsNeverRepeatValue) {
  const struct {
    std::string text;
    std::string message;
  } cases[] = {
      {"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "must start with `whsec_`"},
      {"whsec_MfKQ9r8GKY!qrTwjUPD8ILPZIo2LaLaSw", "not valid base64"},
      {"whsec_" + Base64Encode(std::string(23, 'x')), "decodes to 23 bytes"},
      {"whsec_" + Base64Encode(std::string(65, 'x')), "decodes to 65 bytes"},
      {std::string(kSigningKey), "set it as signingKey"},
  };
  for (const auto& test : cases) {
    const Result<std::string> secret = ParseSymmetricSecret(test.text);
    ASSERT_FALSE(secret.ok()) << test.text;
    EXPECT_NE(secret.error().message.find(test.message), std::string::npos)
        << secret.error().message;
    EXPECT_EQ(secret.error().message.find(test.text.substr(6, 8)), std::string::npos)
        << secret.error().message;
  }
  EXPECT_EQ(ParseSymmetricSecret("whsec_" + Base64Encode(std::string(64, 'x'))).value().size(),
            64U);
}

TEST(SigningTest, SigningKeyAcceptsSeedAndLongForm) {
  const std::string long_form = "whsk_" + Base64Encode(Seed() + ParsePublicKey(kPublicKey).value());
  EXPECT_EQ(ParseSigningKey(long_form).value(), Seed());

  const std::string wrong_public_half = "whsk_" + Base64Encode(Seed() + std::string(32, 'p'));
  EXPECT_FALSE(ParseSigningKey(wrong_public_half).ok());
  EXPECT_FALSE(ParseSigningKey("whsk_" + Base64Encode(std::string(31, 's'))).ok());
  EXPECT_FALSE(ParseSigningKey(kSecret).ok());
  EXPECT_FALSE(ParsePublicKey("whpk_" + Base64Encode(std::string(33, 'p'))).ok());
}

TEST(SigningTest, VerifiesEachKeyKind) {
  const VerificationKeys keys{{std::string(40, 'a'), Secret()},
                              {ParsePublicKey(kPublicKey).value()}};

  const Verification symmetric =
      VerifySignature(keys, Headers(std::string(kSymmetricSignature)), kBody, kSignedAt);
  EXPECT_EQ(symmetric.status, SignatureStatus::kValid) << symmetric.reason;
  EXPECT_EQ(symmetric.key_number, 2U);

  const Verification asymmetric =
      VerifySignature(keys,
                      Headers("v2,abc v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= " +
                              std::string(kAsymmetricSignature)),
                      kBody, kSignedAt);
  EXPECT_EQ(asymmetric.status, SignatureStatus::kValid) << asymmetric.reason;
  EXPECT_EQ(asymmetric.key_number, 3U);
}

TEST(SigningTest, RejectsTamperedBodyAndUnknownKey) {
  const VerificationKeys keys{{Secret()}, {ParsePublicKey(kPublicKey).value()}};
  const std::string both =
      std::string(kSymmetricSignature) + " " + std::string(kAsymmetricSignature);

  const Verification tampered =
      VerifySignature(keys, Headers(both), R"({"test": 2432232315})", kSignedAt);
  EXPECT_EQ(tampered.status, SignatureStatus::kInvalid);
  EXPECT_NE(tampered.reason.find("no signature"), std::string::npos) << tampered.reason;

  const VerificationKeys other{{std::string(32, 'o')}, {}};
  EXPECT_EQ(VerifySignature(other, Headers(both), kBody, kSignedAt).status,
            SignatureStatus::kInvalid);
  EXPECT_EQ(VerifySignature(keys, Headers("v1a,AAAA"), kBody, kSignedAt).status,
            SignatureStatus::kInvalid);
}

TEST(SigningTest, EnforcesTimestampTolerance) {
  const VerificationKeys keys{{Secret()}, {}};
  const SignedHeaders headers = Headers(std::string(kSymmetricSignature));

  EXPECT_EQ(VerifySignature(keys, headers, kBody, kSignedAt + seconds(300)).status,
            SignatureStatus::kValid);
  const Verification stale = VerifySignature(keys, headers, kBody, kSignedAt + seconds(301));
  EXPECT_EQ(stale.status, SignatureStatus::kInvalid);
  EXPECT_NE(stale.reason.find("301 s old"), std::string::npos) << stale.reason;
  const Verification future = VerifySignature(keys, headers, kBody, kSignedAt - seconds(301));
  EXPECT_EQ(future.status, SignatureStatus::kInvalid);
  EXPECT_NE(future.reason.find("in the future"), std::string::npos) << future.reason;
}

TEST(SigningTest, ReportsMissingAndMalformedHeaders) {
  const VerificationKeys keys{{Secret()}, {}};
  EXPECT_EQ(VerifySignature(keys, SignedHeaders{}, kBody, kSignedAt).status,
            SignatureStatus::kMissing);

  SignedHeaders no_id = Headers(std::string(kSymmetricSignature));
  no_id.id.reset();
  const Verification missing_id = VerifySignature(keys, no_id, kBody, kSignedAt);
  EXPECT_EQ(missing_id.status, SignatureStatus::kInvalid);
  EXPECT_EQ(missing_id.reason, "missing webhook-id header");

  SignedHeaders bad_time = Headers(std::string(kSymmetricSignature));
  bad_time.timestamp = "1614265330.5";
  const Verification malformed = VerifySignature(keys, bad_time, kBody, kSignedAt);
  EXPECT_EQ(malformed.status, SignatureStatus::kInvalid);
  EXPECT_NE(malformed.reason.find("not a Unix time"), std::string::npos) << malformed.reason;
}

TEST(SigningTest, UnixSecondsRoundsDown) {
  EXPECT_EQ(UnixSeconds(kSignedAt + std::chrono::milliseconds(999)), kTimestamp);
}

}  // namespace
}  // namespace herald
