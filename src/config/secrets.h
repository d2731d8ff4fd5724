#ifndef HERALD_SRC_CONFIG_SECRETS_H_
#define HERALD_SRC_CONFIG_SECRETS_H_

// Secret values in a config: references that keep them out of the YAML, and
// the Standard Webhooks signing keys of a webhook.

#include <cstddef>
#include <string>
#include <string_view>

#include "herald/config.h"
#include "herald/result.h"
#include "yaml_fields.h"

namespace herald::config_internal {

// Files named by `file:` larger than this are rejected, so a mistyped path
// such as /dev/zero cannot stall loading.
inline constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;

struct ResolvedSecret {
  std::string value;
  // Origin of the value, for messages: "environment variable `X`",
  // "file `/p`" or "the literal value".
  std::string source;
  bool literal = false;
};

// Resolves a secret reference: "${VAR}" (the whole value) reads the
// variable through `env`, "file:PATH" reads the file with trailing CR and LF
// removed, and anything else is the value itself. Fails when the variable
// is unset or empty, or the file cannot be read, is empty or is too large.
// Messages name the variable or the file, never the value.
Result<ResolvedSecret> ResolveSecretReference(std::string_view raw, const EnvLookup& env);

// Reads the webhook keys `secret`, `secrets` and `signingKey` into
// `webhook.signing_secrets` and `webhook.signing_key`, reporting every
// problem to `reader`.
void ParseSigningKeys(const Fields& fields, const FieldReader& reader, const EnvLookup& env,
                      WebhookConfig& webhook);

}  // namespace herald::config_internal

#endif  // HERALD_SRC_CONFIG_SECRETS_H_
