#ifndef HERALD_SRC_CONFIG_WEBHOOK_PARSER_H_
#define HERALD_SRC_CONFIG_WEBHOOK_PARSER_H_

// Reads one webhook entry of an event's list.

#include <cstddef>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "connection_settings.h"
#include "diagnostics.h"
#include "herald/config.h"

namespace herald::config_internal {

struct ParsedWebhook {
  // Any field that failed keeps its default.
  WebhookConfig webhook;
  // False when the entry is not a mapping or `async` or `finalResponse` is
  // invalid, so that checks which depend on them would only repeat the error.
  bool roles_known = true;
  // The keys of the webhook's own `tls:` mapping, which the loader applies
  // over the global `tls:` settings.
  TlsOverride tls;
};

// Reads the webhook at `position` of the list of `event` (the event name as
// the YAML spells it). Applies defaults, resolves a ${VAR} authToken through
// `env`, and reports every problem that one entry shows on its own. Checks
// that involve other webhooks of the event are in config_validator.h.
ParsedWebhook ParseWebhook(const YAML::Node& node, std::size_t position, std::string_view event,
                           const EnvLookup& env, DiagnosticSink& sink);

}  // namespace herald::config_internal

#endif  // HERALD_SRC_CONFIG_WEBHOOK_PARSER_H_
