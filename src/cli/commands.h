#ifndef HERALD_CLI_COMMANDS_H_
#define HERALD_CLI_COMMANDS_H_

// The herald subcommands. Each returns the process exit code and writes
// only to the streams it is given.

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

namespace herald::cli {

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;     // Success; for send: proceed.
inline constexpr int kExitAbort = 1;  // send: the platform must abort.
inline constexpr int kExitUsage = 2;  // Bad arguments, config or input.

struct ValidateOptions {
  std::string config_path;
};

// Loads the config and prints a summary to `out`, or every error to `err`.
int RunValidate(const ValidateOptions& options, std::ostream& out, std::ostream& err);

struct SendOptions {
  std::string config_path;
  std::string event;
  std::string payload_path;  // "-" reads standard input.
  bool json_report = false;
};

// Dispatches one event. Writes the final response body (or, with
// json_report, the JSON report) to `out` and explanations to `err`.
int RunSend(const SendOptions& options, std::istream& in, std::ostream& out, std::ostream& err);

struct EventsOptions {
  std::string config_path;  // Optional: adds the config's custom events.
  bool json = false;
};

// Lists the event catalogue with each event's policy.
int RunEvents(const EventsOptions& options, std::ostream& out, std::ostream& err);

struct ReceiveOptions {
  std::string listen = "127.0.0.1:8000";
  int status = 200;
  std::string body;
  std::string body_file;
  long delay_ms = 0;
  bool json = false;
  std::size_t max_requests = 0;  // 0: run until SIGINT or SIGTERM.
  // Keys to verify Standard Webhooks signatures with: whsec_ secrets and
  // whpk_ public keys, each given literally, as file:PATH or as ${VAR}.
  std::vector<std::string> verify_secrets;
  std::vector<std::string> verify_public_keys;
};

// Runs a local receiver that prints every request it gets to `out` and
// answers each with the configured status, body and delay.
int RunReceive(const ReceiveOptions& options, std::ostream& out, std::ostream& err);

struct SigningKeyOptions {
  // A whsk_ signing key, given literally, as file:PATH or as ${VAR}.
  std::string key;
};

// Prints the whpk_ public key of a signing key, for the receivers of a
// webhook signed with signingKey.
int RunSigningKeyPublic(const SigningKeyOptions& options, std::ostream& out, std::ostream& err);

struct ServeOptions {
  std::string config_path;
  std::string listen = "127.0.0.1:8470";
  std::string data_dir = "herald-data";
  // A PostgreSQL connection string given literally or in a file; when both
  // are empty, the environment variable HERALD_DATABASE_URL is read.
  std::string database_url;
  std::string database_url_file;
  std::size_t database_pool_size = 8;
  std::string api_token_env;
  std::string api_token_file;
  std::size_t workers = 16;
  std::size_t http_threads = 64;
  std::size_t max_request_bytes = 1024 * 1024;
  long lease_ms = 60'000;
  long retention_max_age_s = 7 * 24 * 3600;
  std::size_t retention_max_rows = 1'000'000;
  long shutdown_grace_s = 10;
};

// Runs the webhook service until SIGINT or SIGTERM; SIGHUP reloads the
// config. Returns 0 after a clean stop, 2 for a bad config or argument,
// and 1 when the store or listen address is unavailable.
int RunServe(const ServeOptions& options, std::ostream& err);

}  // namespace herald::cli

#endif  // HERALD_CLI_COMMANDS_H_
