#include "engine/signing.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace herald {
namespace {

constexpr std::string_view kSymmetricPrefix = "whsec_";
constexpr std::string_view kSigningKeyPrefix = "whsk_";
constexpr std::string_view kPublicKeyPrefix = "whpk_";
constexpr std::size_t kEd25519SignatureBytes = 64;

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

const unsigned char* Bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

// Signing cannot fail for valid keys short of running out of memory, and
// sending the request unsigned instead would be worse than stopping.
[[noreturn]] void AbortOnOpenSslFailure(const char* operation) {
  std::fprintf(stderr, "herald: OpenSSL failed in %s: %s\n", operation,
               ERR_error_string(ERR_get_error(), nullptr));
  std::abort();
}

std::string SignedContent(std::string_view id, std::int64_t timestamp, std::string_view body) {
  std::string content;
  content.reserve(id.size() + body.size() + 24);
  content.append(id);
  content.push_back('.');
  content.append(std::to_string(timestamp));
  content.push_back('.');
  content.append(body);
  return content;
}

bool IsBase64Character(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// Strips `prefix` and decodes the base64 rest, or returns an error that
// names `what` and never the value.
Result<std::string> DecodePrefixed(std::string_view text, std::string_view prefix,
                                   std::string_view what) {
  if (!text.starts_with(prefix)) {
    return Error{ErrorCode::kInvalidArgument,
                 std::string(what) + " must start with `" + std::string(prefix) + "`"};
  }
  std::optional<std::string> decoded = Base64Decode(text.substr(prefix.size()));
  if (!decoded.has_value()) {
    return Error{ErrorCode::kInvalidArgument,
                 std::string(what) + " is not valid base64 after `" + std::string(prefix) + "`"};
  }
  return std::move(*decoded);
}

PkeyPtr PublicKeyFromBytes(std::string_view public_key) {
  return PkeyPtr(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Bytes(public_key), public_key.size()));
}

bool VerifyEd25519(std::string_view public_key, std::string_view content,
                   std::string_view signature) {
  const PkeyPtr key = PublicKeyFromBytes(public_key);
  const MdCtxPtr context(EVP_MD_CTX_new());
  if (!key || !context) return false;
  if (EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, key.get()) != 1) return false;
  return EVP_DigestVerify(context.get(), Bytes(signature), signature.size(), Bytes(content),
                          content.size()) == 1;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::vector<std::string_view> SplitOnSpaces(std::string_view text) {
  std::vector<std::string_view> parts;
  while (!text.empty()) {
    const std::size_t space = text.find(' ');
    const std::string_view part = text.substr(0, space);
    if (!part.empty()) parts.push_back(part);
    if (space == std::string_view::npos) break;
    text.remove_prefix(space + 1);
  }
  return parts;
}

// Returns the one-based number of the key that signed `entry`, or 0.
std::size_t MatchSignature(const VerificationKeys& keys, std::string_view entry,
                           std::string_view id, std::int64_t timestamp, std::string_view body) {
  if (entry.starts_with("v1,")) {
    for (std::size_t i = 0; i < keys.secrets.size(); ++i) {
      if (ConstantTimeEquals(entry, SignSymmetric(keys.secrets[i], id, timestamp, body))) {
        return i + 1;
      }
    }
  } else if (entry.starts_with("v1a,")) {
    const std::optional<std::string> signature = Base64Decode(entry.substr(4));
    if (!signature.has_value() || signature->size() != kEd25519SignatureBytes) return 0;
    const std::string content = SignedContent(id, timestamp, body);
    for (std::size_t i = 0; i < keys.public_keys.size(); ++i) {
      if (VerifyEd25519(keys.public_keys[i], content, *signature)) {
        return keys.secrets.size() + i + 1;
      }
    }
  }
  return 0;
}

Verification Invalid(std::string reason) {
  return Verification{SignatureStatus::kInvalid, 0, std::move(reason)};
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string encoded(4 * ((bytes.size() + 2) / 3), '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()), Bytes(bytes),
                                     static_cast<int>(bytes.size()));
  encoded.resize(static_cast<std::size_t>(length));
  return encoded;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  // EVP_DecodeBlock accepts whitespace and ignores padding, so the input is
  // checked here and the padding bytes are cut from its output.
  const std::size_t data_length =
      text.find_first_of('=') == std::string_view::npos ? text.size() : text.find_first_of('=');
  const std::string_view data = text.substr(0, data_length);
  const std::string_view padding = text.substr(data_length);
  if (!std::all_of(data.begin(), data.end(), IsBase64Character)) return std::nullopt;
  if (data.size() % 4 == 1 || padding.size() > 2) return std::nullopt;
  if (!padding.empty() && (padding.find_first_not_of('=') != std::string_view::npos ||
                           (data.size() + padding.size()) % 4 != 0)) {
    return std::nullopt;
  }

  const std::size_t missing = (4 - data.size() % 4) % 4;
  const std::string padded = std::string(data) + std::string(missing, '=');
  std::string decoded(padded.size() / 4 * 3, '\0');
  const int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                                     Bytes(padded), static_cast<int>(padded.size()));
  if (length < 0) return std::nullopt;
  decoded.resize(static_cast<std::size_t>(length) - missing);
  return decoded;
}

Result<std::string> ParseSymmetricSecret(std::string_view text) {
  if (text.starts_with(kSigningKeyPrefix)) {
    return Error{ErrorCode::kInvalidArgument,
                 "the secret is an Ed25519 signing key (`whsk_`); set it as signingKey"};
  }
  Result<std::string> secret = DecodePrefixed(text, kSymmetricPrefix, "the secret");
  if (!secret.ok()) return secret;
  if (secret->size() < kMinSymmetricSecretBytes || secret->size() > kMaxSymmetricSecretBytes) {
    return Error{ErrorCode::kInvalidArgument,
                 "the secret decodes to " + std::to_string(secret->size()) +
                     " bytes; Standard Webhooks secrets have 24 to 64 random bytes"};
  }
  return secret;
}

Result<std::string> ParseSigningKey(std::string_view text) {
  if (text.starts_with(kSymmetricPrefix)) {
    return Error{ErrorCode::kInvalidArgument,
                 "the signing key is a shared secret (`whsec_`); set it as secret"};
  }
  Result<std::string> key = DecodePrefixed(text, kSigningKeyPrefix, "the signing key");
  if (!key.ok()) return key;
  if (key->size() != kEd25519SeedBytes && key->size() != 2 * kEd25519SeedBytes) {
    return Error{ErrorCode::kInvalidArgument,
                 "the signing key decodes to " + std::to_string(key->size()) +
                     " bytes; an Ed25519 key has 32 (seed) or 64 (seed and public key)"};
  }
  std::string seed = key->substr(0, kEd25519SeedBytes);
  if (key->size() == 2 * kEd25519SeedBytes &&
      !ConstantTimeEquals(key->substr(kEd25519SeedBytes), DerivePublicKey(seed))) {
    return Error{ErrorCode::kInvalidArgument,
                 "the last 32 bytes of the signing key are not the public key "
                 "of its seed"};
  }
  return seed;
}

Result<std::string> ParsePublicKey(std::string_view text) {
  Result<std::string> key = DecodePrefixed(text, kPublicKeyPrefix, "the public key");
  if (!key.ok()) return key;
  if (key->size() != kEd25519PublicKeyBytes) {
    return Error{ErrorCode::kInvalidArgument, "the public key decodes to " +
                                                  std::to_string(key->size()) +
                                                  " bytes; an Ed25519 public key has 32"};
  }
  if (!PublicKeyFromBytes(key.value())) {
    return Error{ErrorCode::kInvalidArgument, "the public key is not a valid Ed25519 key"};
  }
  return key;
}

std::string DerivePublicKey(std::string_view seed) {
  const PkeyPtr key(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(seed), seed.size()));
  if (!key) AbortOnOpenSslFailure("EVP_PKEY_new_raw_private_key");
  std::string public_key(kEd25519PublicKeyBytes, '\0');
  std::size_t length = public_key.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(public_key.data()),
                                  &length) != 1) {
    AbortOnOpenSslFailure("EVP_PKEY_get_raw_public_key");
  }
  return public_key;
}

std::string FormatPublicKey(std::string_view public_key) {
  return std::string(kPublicKeyPrefix) + Base64Encode(public_key);
}

std::string SignSymmetric(std::string_view secret, std::string_view id, std::int64_t timestamp,
                          std::string_view body) {
  const std::string content = SignedContent(id, timestamp, body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), Bytes(content),
           content.size(), mac, &mac_length) == nullptr) {
    AbortOnOpenSslFailure("HMAC");
  }
  return "v1," + Base64Encode(std::string_view(reinterpret_cast<const char*>(mac), mac_length));
}

std::string SignAsymmetric(std::string_view seed, std::string_view id, std::int64_t timestamp,
                           std::string_view body) {
  const std::string content = SignedContent(id, timestamp, body);
  const PkeyPtr key(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(seed), seed.size()));
  const MdCtxPtr context(EVP_MD_CTX_new());
  if (!key || !context) AbortOnOpenSslFailure("EVP_PKEY_new_raw_private_key");
  // Ed25519 hashes internally, so no digest is given.
  if (EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    AbortOnOpenSslFailure("EVP_DigestSignInit");
  }
  std::string signature(kEd25519SignatureBytes, '\0');
  std::size_t length = signature.size();
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     Bytes(content), content.size()) != 1) {
    AbortOnOpenSslFailure("EVP_DigestSign");
  }
  signature.resize(length);
  return "v1a," + Base64Encode(signature);
}

std::string BuildSignatureHeader(const std::vector<std::string>& secrets,
                                 const std::optional<std::string>& seed, std::string_view id,
                                 std::int64_t timestamp, std::string_view body) {
  std::string header;
  for (const std::string& secret : secrets) {
    if (!header.empty()) header.push_back(' ');
    header += SignSymmetric(secret, id, timestamp, body);
  }
  if (seed.has_value()) {
    if (!header.empty()) header.push_back(' ');
    header += SignAsymmetric(*seed, id, timestamp, body);
  }
  return header;
}

std::int64_t UnixSeconds(std::chrono::system_clock::time_point time) {
  return std::chrono::floor<std::chrono::seconds>(time.time_since_epoch()).count();
}

Verification VerifySignature(const VerificationKeys& keys, const SignedHeaders& headers,
                             std::string_view body, std::chrono::system_clock::time_point now,
                             std::chrono::seconds tolerance) {
  if (!headers.id && !headers.timestamp && !headers.signature) return Verification{};
  if (!headers.id) return Invalid("missing webhook-id header");
  if (!headers.timestamp) return Invalid("missing webhook-timestamp header");
  if (!headers.signature) return Invalid("missing webhook-signature header");

  // Unix seconds, as the reference libraries parse it: digits only.
  std::int64_t timestamp = 0;
  const std::string& text = *headers.timestamp;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), timestamp);
  if (error != std::errc() || end != text.data() + text.size() || text.empty() || timestamp < 0) {
    return Invalid("webhook-timestamp `" + text + "` is not a Unix time in seconds");
  }
  const std::int64_t age = UnixSeconds(now) - timestamp;
  if (age > tolerance.count()) {
    return Invalid("webhook-timestamp is " + std::to_string(age) + " s old; the tolerance is " +
                   std::to_string(tolerance.count()) + " s");
  }
  if (-age > tolerance.count()) {
    return Invalid("webhook-timestamp is " + std::to_string(-age) +
                   " s in the future; the tolerance is " + std::to_string(tolerance.count()) +
                   " s");
  }

  for (std::string_view entry : SplitOnSpaces(*headers.signature)) {
    const std::size_t key_number = MatchSignature(keys, entry, *headers.id, timestamp, body);
    if (key_number != 0) return Verification{SignatureStatus::kValid, key_number, ""};
  }
  return Invalid("no signature in webhook-signature matches any of the " +
                 std::to_string(keys.secrets.size() + keys.public_keys.size()) + " keys");
}

}  // namespace herald
