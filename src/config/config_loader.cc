// Loads a webhook config from YAML.
//
// Two shapes are accepted, with keys matched case-insensitively at every
// level:
//
//   WebhooksConfig:          # Merlin's shape
//     Enabled: true
//     Config:
//       on-model-version-deployed:
//         - Name: notify
//           URL: https://hooks.example.com/deployed
//
//   webhooks:                # the MLP library's shape
//     enabled: true
//     config: {...}
//
// Besides `enabled` and `config`, the section accepts these herald
// extensions, all optional:
//
//   retry:
//     initialBackoff: 100ms  # delay before the second attempt; doubles after
//     maxBackoff: 5s         # cap on one backoff delay
//     maxRetryAfter: 30s     # cap on a server's Retry-After
//     jitter: 0.2            # each delay is scaled by a random factor in
//                            # [1 - jitter, 1 + jitter]; from 0 to 1
//   maxResponseBytes: 1048576  # larger response bodies fail the call
//   egress:                # which peers webhook calls may connect to; the
//                          # rules are in include/herald/egress_policy.h
//     allow: [10.20.0.0/16, hooks.example.com, "*.svc.cluster.local"]
//     deny: [10.20.99.0/24] # wins over allow
//     allowLinkLocal: false  # true lifts the 169.254.0.0/16 and fe80::/10
//                          # blocks, but not the metadata addresses
//   tls:                   # defaults for every webhook; a webhook's own
//                          # `tls:` mapping overrides them key by key
//     caFile: /etc/herald/ca.pem      # CAs to trust instead of the system's
//     certFile: /etc/herald/client.pem  # client certificate for mutual TLS
//     keyFile: /etc/herald/client.key  # its key; default: read from certFile
//     insecureSkipVerify: false  # true disables certificate and host-name
//                          # checks, with a warning at every load
//   events:
//     on-model-version-predeployment:
//       deadline: 20s        # bound on the whole sync chain of the event
//     on-feature-table-created:  # not built in, so a custom event
//       policy: notification # gate or notification; required for custom
//       deadline: 10s
//       description: A feature table was created.
//       aliases: [on-table-created]
//
// A duration is a number of seconds (0.5) or a number with unit ms, s or m.
// A catalogue event under `events:` may only set `deadline`, and `policy`
// only to the policy it already has.
//
// A webhook may also set Standard Webhooks signing keys. Then every request
// carries webhook-id (the delivery id), webhook-timestamp and
// webhook-signature headers:
//
//   secret: ${HOOK_SECRET}     # whsec_ + base64 of 24 to 64 bytes; adds a
//                              # "v1" HMAC-SHA256 signature
//   secrets:                   # instead of `secret`, while rotating: one
//     - ${HOOK_SECRET_NEW}     # "v1" signature per entry
//     - file:/run/secrets/old
//   signingKey: file:/run/secrets/hook.key  # whsk_ + base64 of an Ed25519
//                              # seed; adds a "v1a" signature
//
// Each value is `${VAR}` (the whole value), `file:PATH` or, with a
// warning, the key itself. A file's trailing newlines are removed, and a
// relative PATH resolves against the working directory.

#include "herald/config.h"

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "config_validator.h"
#include "connection_settings.h"
#include "diagnostics.h"
#include "duration.h"
#include "event_declarations.h"
#include "suggest.h"
#include "webhook_parser.h"
#include "yaml_fields.h"

namespace herald {
namespace {

using config_internal::DeadlineMap;
using config_internal::DiagnosticSink;
using config_internal::FieldReader;
using config_internal::Fields;
using config_internal::Location;

constexpr std::array<std::string_view, 2> kSectionKeys = {"webhooks", "webhooksConfig"};
constexpr std::array<std::string_view, 7> kSettingKeys = {
    "enabled", "config", "retry", "maxResponseBytes", "events", "egress", "tls"};
constexpr std::array<std::string_view, 4> kRetryKeys = {"initialBackoff", "maxBackoff",
                                                        "maxRetryAfter", "jitter"};

void LoadRetry(const YAML::Node& node, const FieldReader& reader, RetrySettings& retry) {
  if (!node.IsMap()) {
    reader.Error("retry",
                 fmt::format("must be a mapping, got {}", config_internal::DescribeValue(node)));
    return;
  }
  const Fields fields = reader.ReadFields(node, kRetryKeys, "retry.");
  if (auto value = fields.Get("initialBackoff")) {
    retry.initial_backoff =
        reader.ReadPositiveDuration(*value, "retry.initialBackoff").value_or(retry.initial_backoff);
  }
  if (auto value = fields.Get("maxBackoff")) {
    retry.max_backoff =
        reader.ReadPositiveDuration(*value, "retry.maxBackoff").value_or(retry.max_backoff);
  }
  if (auto value = fields.Get("maxRetryAfter")) {
    retry.max_retry_after =
        reader.ReadPositiveDuration(*value, "retry.maxRetryAfter").value_or(retry.max_retry_after);
  }
  if (auto value = fields.Get("jitter")) {
    const std::optional<double> jitter = reader.ReadNumber(*value, "retry.jitter");
    if (jitter.has_value() && (*jitter < 0 || *jitter > 1)) {
      reader.Error("retry.jitter", fmt::format("must be from 0 to 1, got {}", *jitter));
    } else if (jitter.has_value()) {
      retry.jitter = *jitter;
    }
  }
  if (retry.max_backoff < retry.initial_backoff) {
    reader.Error("retry.maxBackoff",
                 fmt::format("must not be shorter than retry.initialBackoff ({}), got {}",
                             config_internal::FormatSeconds(retry.initial_backoff),
                             config_internal::FormatSeconds(retry.max_backoff)));
  }
}

void LoadMaxResponseBytes(const YAML::Node& node, const FieldReader& reader, Config& config) {
  const std::optional<std::int64_t> bytes = reader.ReadInteger(node, "maxResponseBytes");
  if (!bytes.has_value()) return;
  if (*bytes <= 0) {
    reader.Error("maxResponseBytes",
                 fmt::format("must be a positive number of bytes, got {}", *bytes));
    return;
  }
  config.max_response_bytes = static_cast<std::size_t>(*bytes);
}

// Returns every name and alias of the catalogue, for suggestions.
std::vector<std::string_view> AllEventNames(const EventCatalog& catalog) {
  std::vector<std::string_view> names;
  for (const EventType& event : catalog.events()) {
    names.push_back(event.name);
    names.insert(names.end(), event.aliases.begin(), event.aliases.end());
  }
  return names;
}

// Returns the catalogue event that the `config:` key `name` configures, or
// nullptr after reporting why there is none.
const EventType* ResolveConfiguredEvent(const std::string& name, const Config& config,
                                        const std::map<std::string, std::string>& seen,
                                        DiagnosticSink& sink) {
  const Location location{name, std::nullopt, ""};
  const EventType* event = config.catalog.Find(name);
  if (event == nullptr) {
    const std::vector<std::string_view> names = AllEventNames(config.catalog);
    sink.Error(location, "",
               fmt::format("unknown event `{}`.{} Event names are case-sensitive; declare a "
                           "custom event under `events:` with a policy",
                           name, config_internal::DidYouMean(name, names)));
    return nullptr;
  }

  const auto previous = seen.find(event->name);
  if (previous == seen.end()) return event;
  if (previous->second == name) {
    sink.Error(location, "", "this event is configured twice; merge the two lists");
  } else {
    sink.Error(location, "",
               fmt::format("this event is already configured as `{}`, and both names mean "
                           "`{}`; merge the two lists under one name",
                           previous->second, event->name));
  }
  return nullptr;
}

void LoadEvents(const YAML::Node& node, const EnvLookup& env, const DeadlineMap& deadlines,
                Config& config, DiagnosticSink& sink) {
  if (!node.IsMap()) {
    sink.Error({}, "config",
               fmt::format("must be a mapping of event name to a list of "
                           "webhooks, got {}",
                           config_internal::DescribeValue(node)));
    return;
  }

  std::map<std::string, std::string> seen;  // catalogue name -> name as written
  for (const auto& pair : node) {
    const std::string name = pair.first.IsScalar() ? pair.first.Scalar() : "";
    const EventType* type = ResolveConfiguredEvent(name, config, seen, sink);
    if (type == nullptr) continue;
    seen.emplace(type->name, name);

    EventConfig event;
    event.name = type->name;
    event.policy = type->policy;
    if (auto it = deadlines.find(type->name); it != deadlines.end()) event.deadline = it->second;

    const YAML::Node& list = pair.second;
    if (!list.IsSequence() && !list.IsNull()) {
      sink.Error(
          Location{name, std::nullopt, ""}, "",
          fmt::format("must be a list of webhooks, got {}", config_internal::DescribeValue(list)));
      continue;
    }
    bool roles_known = true;
    for (std::size_t i = 0; i < list.size(); ++i) {
      config_internal::ParsedWebhook parsed =
          config_internal::ParseWebhook(list[i], i, name, env, sink);
      roles_known = roles_known && parsed.roles_known;
      parsed.webhook.tls = config.tls;
      config_internal::ApplyTlsOverride(parsed.tls, parsed.webhook.tls);
      config_internal::CheckWebhookTls(parsed.webhook,
                                       FieldReader(sink, Location{name, i, parsed.webhook.name}));
      event.webhooks.push_back(std::move(parsed.webhook));
    }

    config_internal::ValidateWebhookReferences(event, name, roles_known, sink);
    config_internal::CheckEventTiming(event, name, config.retry, sink);
    config.events.emplace(event.name, std::move(event));
  }
}

// Reads the settings under the top-level section. `events:` is read before
// `config:` wherever it appears, because it declares the custom events that
// `config:` may use.
void LoadSettings(const YAML::Node& section, const EnvLookup& env, Config& config,
                  DiagnosticSink& sink) {
  const FieldReader reader(sink, Location{});
  const Fields fields = reader.ReadFields(section, kSettingKeys);

  if (auto node = fields.Get("enabled"))
    config.enabled = reader.ReadBool(*node, "enabled").value_or(false);
  if (auto node = fields.Get("retry")) LoadRetry(*node, reader, config.retry);
  if (auto node = fields.Get("maxResponseBytes")) LoadMaxResponseBytes(*node, reader, config);
  if (auto node = fields.Get("egress")) {
    config_internal::LoadEgressPolicy(*node, reader, config.egress);
  }
  // Read before `config:`, because each webhook's settings start from these.
  if (auto node = fields.Get("tls")) {
    config_internal::ApplyTlsOverride(config_internal::ReadTlsOverride(*node, reader), config.tls);
  }

  DeadlineMap deadlines;
  if (auto node = fields.Get("events")) {
    deadlines = config_internal::LoadEventDeclarations(*node, config.catalog, sink);
  }
  if (auto node = fields.Get("config")) LoadEvents(*node, env, deadlines, config, sink);
}

void LoadRoot(const YAML::Node& root, const EnvLookup& env, Config& config, DiagnosticSink& sink) {
  if (root.IsNull()) {
    sink.Error({}, "",
               "the config is empty; it needs a top-level `webhooks:` section (or "
               "`WebhooksConfig:` as Merlin writes it)");
    return;
  }
  if (!root.IsMap()) {
    sink.Error({}, "",
               fmt::format("the top level must be a mapping with a `webhooks:` section, "
                           "got {}",
                           config_internal::DescribeValue(root)));
    return;
  }

  const FieldReader reader(sink, Location{});
  const Fields fields = reader.ReadFields(root, kSectionKeys);
  if (fields.Contains("webhooks") && fields.Contains("webhooksConfig")) {
    reader.Error("", "both `webhooks` and `WebhooksConfig` are present; keep one");
    return;
  }
  const std::string_view key = fields.Contains("webhooks") ? "webhooks" : "webhooksConfig";
  if (!fields.Contains(key)) {
    reader.Error("",
                 "missing top-level section `webhooks:` (or `WebhooksConfig:` as Merlin "
                 "writes it)");
    return;
  }

  const std::optional<YAML::Node> section = fields.Get(key);
  if (!section.has_value() || !section->IsMap()) {
    reader.Error(
        key, fmt::format("must be a mapping with `enabled` and `config`, got {}",
                         section.has_value() ? config_internal::DescribeValue(*section) : "null"));
    return;
  }
  LoadSettings(*section, env, config, sink);
}

}  // namespace

std::optional<std::string> ProcessEnv(std::string_view name) {
  // NOTE: std::getenv races with setenv or putenv called from another thread.
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

const EventConfig* Config::FindEvent(std::string_view name) const {
  const EventType* type = catalog.Find(name);
  if (type == nullptr) return nullptr;
  const auto it = events.find(type->name);
  if (it == events.end() || it->second.webhooks.empty()) return nullptr;
  return &it->second;
}

LoadResult LoadConfigString(std::string_view yaml, std::string_view source, const EnvLookup& env) {
  DiagnosticSink sink{std::string(source)};
  auto config = std::make_shared<Config>();
  config->source = std::string(source);
  config->catalog = EventCatalog::BuiltIn();

  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    LoadRoot(root, env, *config, sink);
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) {
      sink.Error({}, "", fmt::format("invalid YAML: {}", e.msg));
    } else {
      sink.Error({}, "",
                 fmt::format("invalid YAML at line {}, column {}: {}", e.mark.line + 1,
                             e.mark.column + 1, e.msg));
    }
  }

  LoadResult result;
  result.errors = sink.TakeErrors();
  result.warnings = sink.TakeWarnings();
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

LoadResult LoadConfigFile(const std::string& path, const EnvLookup& env) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    const int error = errno;
    LoadResult result;
    Diagnostic diagnostic;
    diagnostic.file = path;
    diagnostic.message = fmt::format("cannot open the config file: {}", std::strerror(error));
    result.errors.push_back(std::move(diagnostic));
    return result;
  }
  std::ostringstream text;
  text << file.rdbuf();
  return LoadConfigString(text.str(), path, env);
}

}  // namespace herald
