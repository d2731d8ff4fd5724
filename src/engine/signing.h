#ifndef HERALD_ENGINE_SIGNING_H_
#define HERALD_ENGINE_SIGNING_H_

// Standard Webhooks signatures (https://www.standardwebhooks.com, spec
// version 1.0.0): the key formats, signing, and verification.
//
// A request is signed over "ID.TIMESTAMP.BODY", where ID is the webhook-id
// header, TIMESTAMP the webhook-timestamp header in Unix seconds, and BODY
// the exact body bytes. The webhook-signature header lists one signature per
// key, separated by spaces: "v1,BASE64" for HMAC-SHA256 with a shared secret
// and "v1a,BASE64" for Ed25519.
//
//   auto secret = herald::ParseSymmetricSecret("whsec_...");
//   std::string header = herald::BuildSignatureHeader(
//       {secret.value()}, std::nullopt, id, timestamp, body);
//
// Key formats: a shared secret is "whsec_" + base64 of 24 to 64 random
// bytes. An Ed25519 signing key is "whsk_" + base64 of its 32-byte seed, or
// of the 64-byte form of seed and public key. A public key is "whpk_" +
// base64 of its 32 bytes.
//
// Every function is thread-safe. Keys are passed as decoded bytes in
// std::string; no function here logs or returns a key in an error message.
// Signing aborts the process when OpenSSL fails, which for keys that passed
// the Parse functions happens only when memory runs out.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "herald/result.h"

namespace herald {

inline constexpr std::string_view kWebhookIdHeader = "webhook-id";
inline constexpr std::string_view kWebhookTimestampHeader = "webhook-timestamp";
inline constexpr std::string_view kWebhookSignatureHeader = "webhook-signature";

// Byte lengths of the key material.
inline constexpr std::size_t kMinSymmetricSecretBytes = 24;
inline constexpr std::size_t kMaxSymmetricSecretBytes = 64;
inline constexpr std::size_t kEd25519SeedBytes = 32;
inline constexpr std::size_t kEd25519PublicKeyBytes = 32;

// The Standard Webhooks libraries reject timestamps further than this from
// their clock, in either direction.
inline constexpr std::chrono::seconds kDefaultTimestampTolerance{5 * 60};

// Encodes `bytes` as standard base64 with padding.
std::string Base64Encode(std::string_view bytes);

// Decodes standard base64; padding may be left out. Returns nullopt when
// `text` contains another character or has an impossible length.
std::optional<std::string> Base64Decode(std::string_view text);

// Decodes a "whsec_" secret into its 24 to 64 key bytes. The error message
// states what is wrong without repeating the value.
Result<std::string> ParseSymmetricSecret(std::string_view text);

// Decodes a "whsk_" Ed25519 signing key into its 32-byte seed. The 64-byte
// form must end with the public key that belongs to the seed.
Result<std::string> ParseSigningKey(std::string_view text);

// Decodes a "whpk_" Ed25519 public key into its 32 bytes.
Result<std::string> ParsePublicKey(std::string_view text);

// Returns the 32-byte Ed25519 public key of a 32-byte seed.
std::string DerivePublicKey(std::string_view seed);

// Formats a 32-byte public key as "whpk_" + base64.
std::string FormatPublicKey(std::string_view public_key);

// Returns "v1," + base64 of HMAC-SHA256(secret, "ID.TIMESTAMP.BODY").
std::string SignSymmetric(std::string_view secret, std::string_view id, std::int64_t timestamp,
                          std::string_view body);

// Returns "v1a," + base64 of the Ed25519 signature of "ID.TIMESTAMP.BODY"
// under the 32-byte `seed`.
std::string SignAsymmetric(std::string_view seed, std::string_view id, std::int64_t timestamp,
                           std::string_view body);

// Returns the webhook-signature header value: one "v1" signature per secret
// in order, then the "v1a" signature when `seed` is set, separated by
// spaces. Returns "" when there are no keys.
std::string BuildSignatureHeader(const std::vector<std::string>& secrets,
                                 const std::optional<std::string>& seed, std::string_view id,
                                 std::int64_t timestamp, std::string_view body);

// Returns the Unix time in whole seconds, rounded down.
std::int64_t UnixSeconds(std::chrono::system_clock::time_point time);

// Keys that a receiver accepts, as decoded bytes. Keys are numbered from 1
// in this order: every secret, then every public key.
struct VerificationKeys {
  std::vector<std::string> secrets;
  std::vector<std::string> public_keys;

  bool empty() const { return secrets.empty() && public_keys.empty(); }
};

// The Standard Webhooks headers of one request; nullopt when absent.
struct SignedHeaders {
  std::optional<std::string> id;
  std::optional<std::string> timestamp;
  std::optional<std::string> signature;
};

enum class SignatureStatus {
  kValid,    // One signature matched one of the keys.
  kInvalid,  // Headers present, but no signature matched or the timestamp is
             // off.
  kMissing,  // None of the three headers is present.
};

struct Verification {
  SignatureStatus status = SignatureStatus::kMissing;
  // One-based number of the key that matched; 0 unless kValid.
  std::size_t key_number = 0;
  // Reason the request is invalid; empty otherwise.
  std::string reason;
};

// Verifies a request as the Standard Webhooks libraries do: all three
// headers present, the timestamp within `tolerance` of `now`, and at least
// one "v1" or "v1a" signature in the header matching one of `keys` over
// "ID.TIMESTAMP.BODY". HMAC signatures are compared in constant time.
Verification VerifySignature(const VerificationKeys& keys, const SignedHeaders& headers,
                             std::string_view body, std::chrono::system_clock::time_point now,
                             std::chrono::seconds tolerance = kDefaultTimestampTolerance);

}  // namespace herald

#endif  // HERALD_ENGINE_SIGNING_H_
