#ifndef HERALD_SRC_CONFIG_CONNECTION_SETTINGS_H_
#define HERALD_SRC_CONFIG_CONNECTION_SETTINGS_H_

// Reads the settings that shape outgoing connections: the `egress:` policy
// and the `tls:` mappings, global and per webhook.

#include <optional>
#include <string>

#include <yaml-cpp/yaml.h>

#include "diagnostics.h"
#include "herald/config.h"
#include "yaml_fields.h"

namespace herald::config_internal {

// Reads the `egress:` mapping into `policy`. Each entry that is not a valid
// CIDR or host name is reported with its field, e.g. `egress.allow[2]`,
// and left out.
void LoadEgressPolicy(const YAML::Node& node, const FieldReader& reader, EgressPolicy& policy);

// The keys that one `tls:` mapping sets; unset keys keep the value beneath.
struct TlsOverride {
  std::optional<std::string> ca_file;
  std::optional<std::string> cert_file;
  std::optional<std::string> key_file;
  std::optional<bool> insecure_skip_verify;
};

// Reads a `tls:` mapping. Reports, under `tls.<key>`, a file that is not a
// readable regular file; such a key stays unset.
TlsOverride ReadTlsOverride(const YAML::Node& node, const FieldReader& reader);

// Sets each key of `settings` that `override` sets.
void ApplyTlsOverride(const TlsOverride& override, TlsSettings& settings);

// Reports a key file without a certificate file as an error, and disabled
// certificate verification as a warning, for one webhook.
void CheckWebhookTls(const WebhookConfig& webhook, const FieldReader& reader);

}  // namespace herald::config_internal

#endif  // HERALD_SRC_CONFIG_CONNECTION_SETTINGS_H_
