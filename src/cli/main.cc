// Entry point of the herald command: parses arguments and runs one
// subcommand. Exit codes: 0 success or proceed, 1 abort, 2 usage or
// config error.

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/logging.h"
#include "herald/version.h"

namespace {

using namespace herald::cli;

CLI::App* AddValidateCommand(CLI::App& app, ValidateOptions& options) {
  CLI::App* command = app.add_subcommand(
      "validate", "Check a webhook config; print a summary, or every error and exit 2");
  command->add_option("config", options.config_path, "Path to the YAML config")->required();
  return command;
}

CLI::App* AddSendCommand(CLI::App& app, SendOptions& options) {
  CLI::App* command = app.add_subcommand(
      "send", "Dispatch one event; exit 0 to proceed, 1 to abort, 2 on usage or config errors");
  command->add_option("-c,--config", options.config_path, "Path to the YAML config")->required();
  command->add_option("-e,--event", options.event, "Event type, e.g. on-model-version-deployed")
      ->required();
  command
      ->add_option("-p,--payload", options.payload_path,
                   "File with the JSON event payload, or - for standard input")
      ->required();
  command->add_flag("--json", options.json_report,
                    "Print a JSON report of every webhook instead of the final response");
  return command;
}

CLI::App* AddEventsCommand(CLI::App& app, EventsOptions& options) {
  CLI::App* command =
      app.add_subcommand("events", "List the event catalogue with each event's policy");
  command->add_option("-c,--config", options.config_path,
                      "Also list the custom events declared in this config");
  command->add_flag("--json", options.json, "Print the catalogue as JSON");
  return command;
}

CLI::App* AddReceiveCommand(CLI::App& app, ReceiveOptions& options) {
  CLI::App* command = app.add_subcommand(
      "receive", "Run a local webhook receiver that prints each request it gets");
  command->add_option("-l,--listen", options.listen, "Address to listen on, HOST:PORT")
      ->capture_default_str();
  command->add_option("-s,--status", options.status, "HTTP status of every response")
      ->check(CLI::Range(100, 599))
      ->capture_default_str();
  command->add_option("-b,--body", options.body, "Body of every response");
  command->add_option("--body-file", options.body_file,
                      "File whose contents are the body of every response");
  command->add_option("--delay-ms", options.delay_ms, "Milliseconds to wait before each response")
      ->check(CLI::NonNegativeNumber);
  command->add_flag("--json", options.json, "Print each request as one JSON line");
  command->add_option("--max-requests", options.max_requests,
                      "Exit after answering this many requests");
  command
      ->add_option("--verify-secret", options.verify_secrets,
                   "Verify Standard Webhooks signatures with this whsec_ secret, "
                   "given as file:PATH or literally (visible in the process list); "
                   "repeatable")
      ->take_all()
      ->allow_extra_args(false);
  command
      ->add_option("--verify-public-key", options.verify_public_keys,
                   "Verify v1a signatures with this whpk_ Ed25519 public key, given "
                   "as file:PATH or literally; repeatable. Keys are numbered in "
                   "output with secrets first")
      ->take_all()
      ->allow_extra_args(false);
  return command;
}

CLI::App* AddSigningKeyCommand(CLI::App& app, SigningKeyOptions& options) {
  CLI::App* command = app.add_subcommand(
      "signing-key", "Print the whpk_ public key of a whsk_ Ed25519 signing key");
  command->add_option("--public", options.key, "The signing key, as file:PATH, ${VAR} or literally")
      ->required();
  return command;
}

CLI::App* AddServeCommand(CLI::App& app, ServeOptions& options) {
  CLI::App* command =
      app.add_subcommand("serve", "Run the webhook service with its durable outbox and HTTP API");
  command->add_option("-c,--config", options.config_path, "Path to the YAML config")->required();
  command->add_option("-l,--listen", options.listen, "Address to listen on, HOST:PORT")
      ->capture_default_str();
  command
      ->add_option("-d,--data-dir", options.data_dir,
                   "Directory of the SQLite store (herald.db); not used with a database URL")
      ->capture_default_str();
  command->add_option("--database-url", options.database_url,
                      "PostgreSQL connection string (URI or key=value) to store the outbox in "
                      "instead of SQLite; default: $HERALD_DATABASE_URL");
  command->add_option("--database-url-file", options.database_url_file,
                      "Read the PostgreSQL connection string from this file");
  command
      ->add_option("--database-pool-size", options.database_pool_size,
                   "PostgreSQL connections open at most")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  command->add_option("--api-token-env", options.api_token_env,
                      "Require this environment variable's value as a bearer token");
  command->add_option("--api-token-file", options.api_token_file,
                      "Require this file's contents as a bearer token");
  command->add_option("--workers", options.workers, "Threads delivering async webhooks")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  command->add_option("--http-threads", options.http_threads, "Connections served at once")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  command
      ->add_option("--max-request-bytes", options.max_request_bytes,
                   "Largest accepted request body, in bytes")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command
      ->add_option("--lease-ms", options.lease_ms,
                   "Milliseconds a claimed delivery stays invisible to other claims; "
                   "must exceed the longest webhook timeout")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command
      ->add_option("--retention-max-age", options.retention_max_age_s,
                   "Seconds finished deliveries stay in the delivery log")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command
      ->add_option("--retention-max-rows", options.retention_max_rows,
                   "Finished deliveries kept in the delivery log at most")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command
      ->add_option("--shutdown-grace", options.shutdown_grace_s,
                   "Seconds to wait for sync calls in flight at shutdown")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  return command;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace herald::cli;

  CLI::App app{"herald: webhook dispatch for ML platform lifecycle events"};
  app.set_version_flag("--version", std::string("herald ") + herald::kVersion);
  app.require_subcommand(1);
  // Lets the global options also follow the subcommand's own.
  app.fallthrough();

  std::string log_level = "warn";
  std::string log_format = "text";
  app.add_option("--log-level", log_level, "Log level: trace, debug, info, warn, error, off")
      ->capture_default_str();
  app.add_option("--log-format", log_format, "Log format on stderr: text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();

  ValidateOptions validate;
  CLI::App* validate_command = AddValidateCommand(app, validate);
  SendOptions send;
  CLI::App* send_command = AddSendCommand(app, send);
  EventsOptions events;
  CLI::App* events_command = AddEventsCommand(app, events);
  ReceiveOptions receive;
  CLI::App* receive_command = AddReceiveCommand(app, receive);
  SigningKeyOptions signing_key;
  CLI::App* signing_key_command = AddSigningKeyCommand(app, signing_key);
  ServeOptions serve;
  CLI::App* serve_command = AddServeCommand(app, serve);

  // CLI11 reports an unknown first word only as "A subcommand is required".
  if (argc > 1 && argv[1][0] != '-') {
    try {
      (void)app.get_subcommand(argv[1]);
    } catch (const CLI::OptionNotFound&) {
      std::cerr << "herald: unknown subcommand \"" << argv[1]
                << "\"; the subcommands are validate, send, events, receive, signing-key and "
                   "serve (herald --help)\n";
      return kExitUsage;
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::RequiredError& error) {
    // CLI11 checks required options before it reports unknown ones, so a
    // misspelt --config would only show as "--config is required".
    const std::vector<CLI::App*> parsed = app.get_subcommands();
    const std::string command = parsed.empty() ? "herald" : "herald " + parsed.front()->get_name();
    for (const std::string& extra : app.remaining(true)) {
      if (extra.rfind('-', 0) == 0) {
        std::cerr << command << ": unknown option \"" << extra << "\" (" << command
                  << " --help lists the options)\n";
      }
    }
    const int code = app.exit(error);
    return code == 0 ? kExitOk : kExitUsage;
  } catch (const CLI::ExtrasError& error) {
    const std::vector<std::string> extras = app.remaining(true);
    if (*serve_command && std::find(extras.begin(), extras.end(), "--port") != extras.end()) {
      std::cerr << "herald serve: there is no --port option; use --listen HOST:PORT, such as "
                   "--listen 127.0.0.1:8470\n";
    }
    const int code = app.exit(error);
    return code == 0 ? kExitOk : kExitUsage;
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? kExitOk : kExitUsage;
  }

  if (auto configured = ConfigureLogging(log_level, log_format); !configured.ok()) {
    std::cerr << "herald: " << configured.error().message << '\n';
    return kExitUsage;
  }

  if (*validate_command) return RunValidate(validate, std::cout, std::cerr);
  if (*send_command) return RunSend(send, std::cin, std::cout, std::cerr);
  if (*events_command) return RunEvents(events, std::cout, std::cerr);
  if (*receive_command) return RunReceive(receive, std::cout, std::cerr);
  if (*signing_key_command) return RunSigningKeyPublic(signing_key, std::cout, std::cerr);
  if (*serve_command) return RunServe(serve, std::cerr);
  return kExitUsage;
}
