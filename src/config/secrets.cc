#include "secrets.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <utility>

#include "engine/signing.h"

namespace herald::config_internal {
namespace {

constexpr std::string_view kFilePrefix = "file:";
constexpr std::string_view kLiteralWarning =
    "secret written literally in the config; use ${VAR} or file:";

bool IsEnvName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front())) != 0) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  });
}

Result<ResolvedSecret> ResolveEnv(std::string_view variable, const EnvLookup& env) {
  if (!IsEnvName(variable)) {
    return Error{ErrorCode::kInvalidArgument,
                 fmt::format("`{}` is not a valid environment variable name; use letters, "
                             "digits and '_', not starting with a digit",
                             variable)};
  }
  std::optional<std::string> value = env(variable);
  if (!value.has_value()) {
    return Error{ErrorCode::kNotFound,
                 fmt::format("environment variable `{}` is not set", variable)};
  }
  if (value->empty()) {
    return Error{ErrorCode::kInvalidArgument,
                 fmt::format("environment variable `{}` is empty", variable)};
  }
  return ResolvedSecret{std::move(*value), fmt::format("environment variable `{}`", variable)};
}

Result<ResolvedSecret> ResolveFile(std::string_view path) {
  const std::string name(path);
  std::ifstream file(name, std::ios::binary);
  if (!file) {
    return Error{ErrorCode::kNotFound,
                 fmt::format("cannot read file `{}`: {}", name, std::strerror(errno))};
  }
  std::string contents(kMaxSecretFileBytes + 1, '\0');
  file.read(contents.data(), static_cast<std::streamsize>(contents.size()));
  contents.resize(static_cast<std::size_t>(file.gcount()));
  if (contents.size() > kMaxSecretFileBytes) {
    return Error{ErrorCode::kInvalidArgument,
                 fmt::format("file `{}` is larger than {} bytes", name, kMaxSecretFileBytes)};
  }
  // Editors and `echo` end files with a newline that is not part of the key.
  while (!contents.empty() && (contents.back() == '\n' || contents.back() == '\r')) {
    contents.pop_back();
  }
  if (contents.empty()) {
    return Error{ErrorCode::kInvalidArgument, fmt::format("file `{}` is empty", name)};
  }
  return ResolvedSecret{std::move(contents), fmt::format("file `{}`", name)};
}

// Resolves the string at `node` and reports a problem under `field`.
std::optional<ResolvedSecret> ReadSecret(const YAML::Node& node, const std::string& field,
                                         const EnvLookup& env, const FieldReader& reader) {
  const std::optional<std::string> raw = reader.ReadString(node, field);
  if (!raw.has_value()) return std::nullopt;
  if (raw->empty()) {
    reader.Error(field, "must not be empty; set it to `${VAR}` or `file:PATH`");
    return std::nullopt;
  }
  Result<ResolvedSecret> resolved = ResolveSecretReference(*raw, env);
  if (!resolved.ok()) {
    reader.Error(field, resolved.error().message);
    return std::nullopt;
  }
  if (resolved->literal) reader.Warning(field, std::string(kLiteralWarning));
  return std::move(resolved.value());
}

std::optional<std::string> ReadSymmetricSecret(const YAML::Node& node, const std::string& field,
                                               const EnvLookup& env, const FieldReader& reader) {
  const std::optional<ResolvedSecret> resolved = ReadSecret(node, field, env, reader);
  if (!resolved.has_value()) return std::nullopt;
  Result<std::string> secret = ParseSymmetricSecret(resolved->value);
  if (!secret.ok()) {
    reader.Error(field, fmt::format("{} (read from {})", secret.error().message, resolved->source));
    return std::nullopt;
  }
  return std::move(secret.value());
}

void ParseSecretList(const YAML::Node& node, const EnvLookup& env, const FieldReader& reader,
                     WebhookConfig& webhook) {
  if (!node.IsSequence() || node.size() == 0) {
    reader.Error("secrets", fmt::format("must be a non-empty list of secrets, got {}",
                                        node.IsSequence() ? "an empty list" : DescribeValue(node)));
    return;
  }
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string field = fmt::format("secrets[{}]", i);
    std::optional<std::string> secret = ReadSymmetricSecret(node[i], field, env, reader);
    if (!secret.has_value()) continue;
    // Two references may resolve to one value while a rotation is prepared;
    // a second signature with the same key would add nothing.
    if (std::find(webhook.signing_secrets.begin(), webhook.signing_secrets.end(), *secret) !=
        webhook.signing_secrets.end()) {
      reader.Warning(field, "is the same secret as an earlier entry; it is signed with once");
      continue;
    }
    webhook.signing_secrets.push_back(std::move(*secret));
  }
}

}  // namespace

Result<ResolvedSecret> ResolveSecretReference(std::string_view raw, const EnvLookup& env) {
  if (raw.size() > 3 && raw.starts_with("${") && raw.ends_with("}")) {
    return ResolveEnv(raw.substr(2, raw.size() - 3), env);
  }
  if (raw.starts_with(kFilePrefix)) {
    const std::string_view path = raw.substr(kFilePrefix.size());
    if (path.empty()) {
      return Error{ErrorCode::kInvalidArgument, "`file:` must be followed by a path"};
    }
    return ResolveFile(path);
  }
  return ResolvedSecret{std::string(raw), "the literal value", true};
}

void ParseSigningKeys(const Fields& fields, const FieldReader& reader, const EnvLookup& env,
                      WebhookConfig& webhook) {
  const std::optional<YAML::Node> single = fields.Get("secret");
  const std::optional<YAML::Node> list = fields.Get("secrets");
  if (single.has_value() && list.has_value()) {
    reader.Error("secrets",
                 "set either `secret` or `secrets`, not both; list every secret "
                 "under `secrets` while rotating");
  } else if (single.has_value()) {
    if (auto secret = ReadSymmetricSecret(*single, "secret", env, reader)) {
      webhook.signing_secrets.push_back(std::move(*secret));
    }
  } else if (list.has_value()) {
    ParseSecretList(*list, env, reader, webhook);
  }

  const std::optional<YAML::Node> key_node = fields.Get("signingKey");
  if (!key_node.has_value()) return;
  const std::optional<ResolvedSecret> resolved = ReadSecret(*key_node, "signingKey", env, reader);
  if (!resolved.has_value()) return;
  Result<std::string> seed = ParseSigningKey(resolved->value);
  if (!seed.ok()) {
    reader.Error("signingKey",
                 fmt::format("{} (read from {})", seed.error().message, resolved->source));
    return;
  }
  webhook.signing_key = std::move(seed.value());
}

}  // namespace herald::config_internal
