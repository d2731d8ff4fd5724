#ifndef HERALD_CONFIG_H_
#define HERALD_CONFIG_H_

// Webhook configuration: the model that a YAML file is loaded into, and the
// loader that validates it.
//
// A loaded Config is immutable and safe to share between threads. Loading
// never throws: every problem found is returned as a Diagnostic, so an
// operator sees all of them at once.
//
//   herald::LoadResult result = herald::LoadConfigFile("webhooks.yaml");
//   if (!result.ok()) {
//     for (const auto& error : result.errors) std::cerr << error.ToString();
//   }

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "herald/egress_policy.h"
#include "herald/events.h"

namespace herald {

// One HTTP header that herald adds to every request of a webhook.
struct Header {
  std::string name;
  std::string value;
};

// TLS settings of the connections to one webhook. Certificate and host-name
// verification are on unless insecure_skip_verify is set. Paths are
// checked to be readable when the config loads, and relative paths resolve
// against the working directory.
struct TlsSettings {
  // PEM file of the CA certificates to trust; empty trusts the system store.
  std::string ca_file;
  // PEM client certificate for mutual TLS, and its private key. An empty
  // key_file makes libcurl read the key from cert_file.
  std::string cert_file;
  std::string key_file;
  bool insecure_skip_verify = false;
};

// Settings of one webhook, after defaults are applied and environment
// references are resolved.
struct WebhookConfig {
  std::string name;
  std::string url;
  std::string method = "POST";
  bool async = false;
  bool final_response = false;

  // Name of an earlier sync webhook whose response body this webhook sends
  // in place of the event payload. Empty means "send the payload".
  std::string use_data_from;

  // Total number of attempts for one delivery. The YAML key is numRetries
  // and keeps the MLP library's meaning: it counts attempts, not retries,
  // and 0 selects the default of 3.
  int max_attempts = 3;

  // Bound on one whole attempt, from connect to the last response byte.
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};

  // Bearer token sent as "Authorization: Bearer <token>", already resolved
  // from ${ENV_VAR} when the YAML names a variable. Never logged.
  std::optional<std::string> auth_token;

  // Standard Webhooks signing keys, decoded from the YAML keys `secret` or
  // `secrets` (whsec_...) and `signingKey` (whsk_...). Each secret adds one
  // "v1" HMAC-SHA256 signature and the key adds one "v1a" Ed25519
  // signature to the webhook-signature header. Secrets hold 24 to 64 bytes
  // and the key its 32-byte seed. Never logged.
  std::vector<std::string> signing_secrets;
  std::optional<std::string> signing_key;

  std::vector<Header> headers;

  // The global `tls:` settings with this webhook's `tls:` keys applied over
  // them, key by key.
  TlsSettings tls;

  // Zero-based position of this webhook in its event's list, for messages.
  std::size_t position = 0;
};

// Retry timing shared by every webhook of a config.
struct RetrySettings {
  // Delay before the second attempt. Each later delay doubles, up to
  // max_backoff; every delay is then scaled by a random factor in
  // [1 - jitter, 1 + jitter].
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(5)};
  double jitter = 0.2;

  // A Retry-After header longer than this is shortened to it.
  std::chrono::milliseconds max_retry_after{std::chrono::seconds(30)};
};

// The webhooks of one event, in config order.
struct EventConfig {
  // The catalogue name, also when the YAML used an alias.
  std::string name;
  EventPolicy policy = EventPolicy::kNotification;

  // Bound on the whole sync chain. When it runs out the call in flight is
  // cut off and no further call starts.
  std::optional<std::chrono::milliseconds> deadline;

  std::vector<WebhookConfig> webhooks;
};

struct Config {
  // Path the config was read from, for messages; "<string>" when it was
  // loaded from memory.
  std::string source;

  // When false no event calls any webhook.
  bool enabled = false;

  RetrySettings retry;

  // Response bodies larger than this fail the call without being read
  // further.
  std::size_t max_response_bytes = 1024 * 1024;

  // Peers that webhook calls may connect to; see herald/egress_policy.h.
  EgressPolicy egress;

  // The global `tls:` settings, the base of every WebhookConfig::tls.
  TlsSettings tls;

  // Events known to this config: the built-in catalogue plus custom events
  // declared in the YAML.
  EventCatalog catalog;

  // Configured events keyed by catalogue name.
  std::map<std::string, EventConfig, std::less<>> events;

  // Returns the event configured under `name` or one of its aliases, or
  // nullptr when the event has no webhooks.
  const EventConfig* FindEvent(std::string_view name) const;
};

enum class Severity { kError, kWarning };

// One problem found while loading a config. Every field but `message` may
// be empty when it does not apply.
struct Diagnostic {
  Severity severity = Severity::kError;
  std::string file;
  std::string event;
  // Zero-based index of the webhook in its event's list.
  std::optional<std::size_t> webhook_index;
  std::string webhook_name;
  std::string field;
  std::string message;

  // Formats as "FILE: event EVENT, webhook #N (NAME), field FIELD: MESSAGE",
  // leaving out the parts that are empty. Positions are printed one-based.
  std::string ToString() const;
};

struct LoadResult {
  // Set only when `errors` is empty.
  std::shared_ptr<const Config> config;
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;

  bool ok() const { return errors.empty(); }
};

// Environment lookup used to resolve ${VAR} references; returns nullopt for
// an unset variable. Tests pass their own.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

// Reads the process environment.
std::optional<std::string> ProcessEnv(std::string_view name);

// Loads and validates the YAML file at `path`.
LoadResult LoadConfigFile(const std::string& path, const EnvLookup& env = ProcessEnv);

// Loads and validates YAML text. `source` names it in diagnostics.
LoadResult LoadConfigString(std::string_view yaml, std::string_view source = "<string>",
                            const EnvLookup& env = ProcessEnv);

}  // namespace herald

#endif  // HERALD_CONFIG_H_
