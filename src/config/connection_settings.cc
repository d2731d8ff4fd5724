#include "connection_settings.h"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace herald::config_internal {
namespace {

constexpr std::array<std::string_view, 3> kEgressKeys = {"allow", "deny", "allowLinkLocal"};
constexpr std::array<std::string_view, 4> kTlsKeys = {"caFile", "certFile", "keyFile",
                                                      "insecureSkipVerify"};

// Reads `egress.allow` or `egress.deny`.
std::vector<EgressRule> LoadRules(const YAML::Node& node, std::string_view field,
                                  const FieldReader& reader) {
  std::vector<EgressRule> rules;
  if (!node.IsSequence()) {
    reader.Error(
        field, fmt::format("must be a list of CIDRs and host names, got {}", DescribeValue(node)));
    return rules;
  }
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string item_field = fmt::format("{}[{}]", field, i);
    const std::optional<std::string> text = reader.ReadString(node[i], item_field);
    if (!text.has_value()) continue;
    Result<EgressRule> rule = EgressRule::Parse(*text);
    if (!rule.ok()) {
      reader.Error(item_field, rule.error().message);
      continue;
    }
    rules.push_back(std::move(rule).value());
  }
  return rules;
}

// Returns why `path` is not a readable regular file, or nullopt. Only
// metadata is read, so a FIFO or device path cannot block the load.
std::optional<std::string> FindUnreadableFile(const std::string& path) {
  if (path.empty()) return "must not be empty";
  if (path.find('\0') != std::string::npos) return "must not contain NUL";
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) {
    return fmt::format("cannot read `{}`: {}", path, std::strerror(errno));
  }
  if (!S_ISREG(status.st_mode)) return fmt::format("`{}` is not a regular file", path);
  if (::access(path.c_str(), R_OK) != 0) {
    return fmt::format("cannot read `{}`: {}", path, std::strerror(errno));
  }
  return std::nullopt;
}

std::optional<std::string> ReadTlsFile(const Fields& fields, std::string_view key,
                                       const FieldReader& reader) {
  const std::optional<YAML::Node> node = fields.Get(key);
  if (!node.has_value()) return std::nullopt;
  const std::string field = fmt::format("tls.{}", key);
  std::optional<std::string> path = reader.ReadString(*node, field);
  if (!path.has_value()) return std::nullopt;
  if (std::optional<std::string> problem = FindUnreadableFile(*path)) {
    reader.Error(field, std::move(*problem));
    return std::nullopt;
  }
  return path;
}

}  // namespace

void LoadEgressPolicy(const YAML::Node& node, const FieldReader& reader, EgressPolicy& policy) {
  if (!node.IsMap()) {
    reader.Error("egress", fmt::format("must be a mapping with `allow`, `deny` or "
                                       "`allowLinkLocal`, got {}",
                                       DescribeValue(node)));
    return;
  }
  const Fields fields = reader.ReadFields(node, kEgressKeys, "egress.");
  if (auto value = fields.Get("allow")) policy.allow = LoadRules(*value, "egress.allow", reader);
  if (auto value = fields.Get("deny")) policy.deny = LoadRules(*value, "egress.deny", reader);
  if (auto value = fields.Get("allowLinkLocal")) {
    policy.allow_link_local = reader.ReadBool(*value, "egress.allowLinkLocal").value_or(false);
  }
}

TlsOverride ReadTlsOverride(const YAML::Node& node, const FieldReader& reader) {
  TlsOverride tls;
  if (!node.IsMap()) {
    reader.Error("tls", fmt::format("must be a mapping with caFile, certFile, keyFile or "
                                    "insecureSkipVerify, got {}",
                                    DescribeValue(node)));
    return tls;
  }
  const Fields fields = reader.ReadFields(node, kTlsKeys, "tls.");
  tls.ca_file = ReadTlsFile(fields, "caFile", reader);
  tls.cert_file = ReadTlsFile(fields, "certFile", reader);
  tls.key_file = ReadTlsFile(fields, "keyFile", reader);
  if (auto value = fields.Get("insecureSkipVerify")) {
    tls.insecure_skip_verify = reader.ReadBool(*value, "tls.insecureSkipVerify");
  }
  return tls;
}

void ApplyTlsOverride(const TlsOverride& override, TlsSettings& settings) {
  if (override.ca_file) settings.ca_file = *override.ca_file;
  if (override.cert_file) settings.cert_file = *override.cert_file;
  if (override.key_file) settings.key_file = *override.key_file;
  if (override.insecure_skip_verify) settings.insecure_skip_verify = *override.insecure_skip_verify;
}

void CheckWebhookTls(const WebhookConfig& webhook, const FieldReader& reader) {
  if (!webhook.tls.key_file.empty() && webhook.tls.cert_file.empty()) {
    reader.Error("tls.keyFile",
                 "keyFile is set but certFile is not; set the client "
                 "certificate in certFile or remove keyFile");
  }
  if (webhook.tls.insecure_skip_verify) {
    reader.Warning("tls.insecureSkipVerify",
                   fmt::format("certificate verification is disabled for webhook {}, so anyone "
                               "on the network path can impersonate it; set caFile to the "
                               "receiver's CA instead",
                               webhook.name));
  }
}

}  // namespace herald::config_internal
