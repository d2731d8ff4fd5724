#include "webhook_parser.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "ascii.h"
#include "connection_settings.h"
#include "headers.h"
#include "secrets.h"
#include "url.h"
#include "yaml_fields.h"

namespace herald::config_internal {
namespace {

// Keys of a webhook entry, in the MLP library's spelling. Merlin's
// capitalised spelling (URL, FinalResponse, ...) matches case-insensitively.
constexpr std::array<std::string_view, 15> kWebhookKeys = {
    "name",        "url",        "method",  "async",       "finalResponse",
    "useDataFrom", "numRetries", "timeout", "authEnabled", "authToken",
    "headers",     "secret",     "secrets", "signingKey",  "tls"};

constexpr std::array<std::string_view, 5> kMethods = {"GET", "POST", "PUT", "PATCH", "DELETE"};

constexpr int kDefaultAttempts = 3;

void ParseTarget(const Fields& fields, const FieldReader& reader, WebhookConfig& webhook) {
  if (auto node = fields.Get("name")) {
    std::optional<std::string> name = reader.ReadString(*node, "name");
    if (name.has_value() && name->empty()) reader.Error("name", "must not be empty");
    if (name.has_value()) webhook.name = std::move(*name);
  } else {
    reader.Error("name",
                 "missing required key `name`; give every webhook a name unique in its event");
  }

  if (auto node = fields.Get("url")) {
    if (auto url = reader.ReadString(*node, "url")) {
      if (auto problem = FindUrlProblem(*url)) {
        reader.Error("url", fmt::format("invalid url `{}`: {}", *url, *problem));
      } else {
        webhook.url = *url;
      }
    }
  } else {
    reader.Error("url", "missing required key `url`; set the http or https address to call");
  }

  if (auto node = fields.Get("method")) {
    if (auto method = reader.ReadString(*node, "method")) {
      const std::string upper = AsciiToUpper(*method);
      if (std::find(kMethods.begin(), kMethods.end(), upper) != kMethods.end()) {
        webhook.method = upper;
      } else {
        reader.Error(
            "method",
            fmt::format("must be one of GET, POST, PUT, PATCH or DELETE, got `{}`", *method));
      }
    }
  }
}

// Returns false when `async` or `finalResponse` is invalid.
bool ParseDelivery(const Fields& fields, const FieldReader& reader, WebhookConfig& webhook) {
  bool roles_known = true;
  if (auto node = fields.Get("async")) {
    const std::optional<bool> async = reader.ReadBool(*node, "async");
    roles_known = roles_known && async.has_value();
    webhook.async = async.value_or(false);
  }
  if (auto node = fields.Get("finalResponse")) {
    const std::optional<bool> final_response = reader.ReadBool(*node, "finalResponse");
    roles_known = roles_known && final_response.has_value();
    webhook.final_response = final_response.value_or(false);
  }
  if (auto node = fields.Get("useDataFrom")) {
    webhook.use_data_from = reader.ReadString(*node, "useDataFrom").value_or("");
  }

  if (auto node = fields.Get("numRetries")) {
    const std::optional<std::int64_t> attempts = reader.ReadInteger(*node, "numRetries");
    if (attempts.has_value() && *attempts < 0) {
      reader.Error("numRetries", fmt::format("must be 0 or more, got {}; it counts attempts, and "
                                             "0 selects the default of {}",
                                             *attempts, kDefaultAttempts));
    } else if (attempts.has_value() && *attempts > std::numeric_limits<int>::max()) {
      reader.Error("numRetries", fmt::format("must be at most {}, got {}",
                                             std::numeric_limits<int>::max(), *attempts));
    } else if (attempts.has_value() && *attempts > 0) {
      webhook.max_attempts = static_cast<int>(*attempts);
    }
  }

  if (auto node = fields.Get("timeout")) {
    if (auto timeout = reader.ReadPositiveDuration(*node, "timeout")) webhook.timeout = *timeout;
  }
  return roles_known;
}

// Returns VAR when `value` is exactly "${VAR}".
std::optional<std::string_view> EnvReference(std::string_view value) {
  if (!value.starts_with("${") || !value.ends_with("}") || value.size() < 3) return std::nullopt;
  return value.substr(2, value.size() - 3);
}

bool IsEnvName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front())) != 0) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  });
}

// Resolves a whole-value ${VAR} reference. Messages name the variable and
// never the token.
std::optional<std::string> ResolveToken(const std::string& raw, const EnvLookup& env,
                                        const FieldReader& reader) {
  if (raw.starts_with("file:")) {
    Result<ResolvedSecret> resolved = ResolveSecretReference(raw, env);
    if (!resolved.ok()) {
      reader.Error("authToken", resolved.error().message);
      return std::nullopt;
    }
    return std::move(resolved->value);
  }
  const std::optional<std::string_view> variable = EnvReference(raw);
  if (!variable.has_value()) {
    if (raw.find("${") != std::string::npos) {
      reader.Warning("authToken",
                     "contains `${` but is not a whole `${VAR}` reference, so it is "
                     "sent literally");
    }
    return raw;
  }
  if (!IsEnvName(*variable)) {
    reader.Error("authToken", fmt::format("`{}` is not a valid environment variable name; use "
                                          "letters, digits and '_', not starting with a digit",
                                          *variable));
    return std::nullopt;
  }
  std::optional<std::string> value = env(*variable);
  if (!value.has_value()) {
    reader.Error("authToken", fmt::format("environment variable `{}` is not set; set it or "
                                          "change authToken",
                                          *variable));
    return std::nullopt;
  }
  if (value->empty()) {
    reader.Error("authToken", fmt::format("environment variable `{}` is empty", *variable));
    return std::nullopt;
  }
  return value;
}

void ParseAuth(const Fields& fields, const FieldReader& reader, const EnvLookup& env,
               WebhookConfig& webhook) {
  bool enabled = false;
  if (auto node = fields.Get("authEnabled")) {
    const std::optional<bool> value = reader.ReadBool(*node, "authEnabled");
    // Without a valid authEnabled, any message about the token would guess.
    if (!value.has_value()) return;
    enabled = *value;
  }
  const std::optional<YAML::Node> token_node = fields.Get("authToken");

  if (!enabled) {
    if (token_node.has_value()) {
      reader.Warning("authToken", "authToken is ignored because authEnabled is false");
    }
    return;
  }
  if (!token_node.has_value()) {
    reader.Error("authToken",
                 "authEnabled is true but authToken is missing; set authToken "
                 "(for example to `${WEBHOOK_TOKEN}`) or set authEnabled to false");
    return;
  }

  const std::optional<std::string> raw = reader.ReadString(*token_node, "authToken");
  if (!raw.has_value()) return;
  if (raw->empty()) {
    reader.Error("authToken", "authEnabled is true but authToken is empty");
    return;
  }
  std::optional<std::string> token = ResolveToken(*raw, env, reader);
  if (!token.has_value()) return;
  if (ContainsLineBreakOrNul(*token)) {
    reader.Error("authToken",
                 "the token contains CR, LF or NUL, which cannot be sent in the "
                 "Authorization header");
    return;
  }
  webhook.auth_token = std::move(token);
}

void ParseHeader(const std::string& name, const YAML::Node& value, const FieldReader& reader,
                 WebhookConfig& webhook) {
  // The name is left out of this message because its line break would
  // split the output.
  if (ContainsLineBreakOrNul(name)) {
    reader.Error("headers", "a header name contains CR, LF or NUL; remove it");
    return;
  }
  if (!IsHttpToken(name)) {
    reader.Error("headers", fmt::format("header name `{}` is not a valid HTTP token; use letters, "
                                        "digits and !#$%&'*+-.^_`|~ only",
                                        name));
    return;
  }
  if (auto reason = FindReservedHeaderReason(name)) {
    reader.Error("headers",
                 fmt::format("header `{}` cannot be set in the config: {}", name, *reason));
    return;
  }
  const bool repeated =
      std::any_of(webhook.headers.begin(), webhook.headers.end(),
                  [&](const Header& h) { return EqualsIgnoreCase(h.name, name); });
  if (repeated) {
    reader.Error("headers", fmt::format("header `{}` is set twice (header names are "
                                        "case-insensitive); keep one",
                                        name));
    return;
  }

  // Values are never repeated in messages because headers often carry keys.
  if (!value.IsScalar()) {
    reader.Error("headers", fmt::format("the value of header `{}` must be a string, got {}", name,
                                        value.IsMap() ? "a mapping"
                                                      : (value.IsSequence() ? "a list" : "null")));
    return;
  }
  if (ContainsLineBreakOrNul(value.Scalar())) {
    reader.Error("headers", fmt::format("the value of header `{}` contains CR, LF or NUL; "
                                        "remove it",
                                        name));
    return;
  }
  webhook.headers.push_back(Header{name, value.Scalar()});
}

void ParseHeaders(const YAML::Node& node, const FieldReader& reader, WebhookConfig& webhook) {
  if (!node.IsMap()) {
    reader.Error("headers", fmt::format("must be a mapping of header name to value, got {}",
                                        node.IsSequence() ? "a list" : "a string"));
    return;
  }
  for (const auto& pair : node) {
    if (!pair.first.IsScalar()) {
      reader.Error("headers", "header names must be strings");
      continue;
    }
    ParseHeader(pair.first.Scalar(), pair.second, reader, webhook);
  }
}

}  // namespace

ParsedWebhook ParseWebhook(const YAML::Node& node, std::size_t position, std::string_view event,
                           const EnvLookup& env, DiagnosticSink& sink) {
  ParsedWebhook parsed;
  WebhookConfig& webhook = parsed.webhook;
  webhook.position = position;

  Location location{std::string(event), position, FindScalarIgnoreCase(node, "name")};
  const FieldReader reader(sink, std::move(location));
  if (!node.IsMap()) {
    reader.Error("", fmt::format("each webhook must be a mapping with at least `name` and `url`, "
                                 "got {}",
                                 DescribeValue(node)));
    parsed.roles_known = false;
    return parsed;
  }

  const Fields fields = reader.ReadFields(node, kWebhookKeys);
  ParseTarget(fields, reader, webhook);
  parsed.roles_known = ParseDelivery(fields, reader, webhook);
  ParseAuth(fields, reader, env, webhook);
  ParseSigningKeys(fields, reader, env, webhook);
  if (auto headers = fields.Get("headers")) ParseHeaders(*headers, reader, webhook);
  if (auto tls = fields.Get("tls")) parsed.tls = ReadTlsOverride(*tls, reader);
  return parsed;
}

}  // namespace herald::config_internal
