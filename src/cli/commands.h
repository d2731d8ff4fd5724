#ifndef HERALD_CLI_COMMANDS_H_
#define HERALD_CLI_COMMANDS_H_

// The herald subcommands. Each returns the process exit code and writes
// only to the streams it is given.

#include <cstddef>
#include <iosfwd>
#include <string>

namespace herald::cli {

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;       // Success; for send: proceed.
inline constexpr int kExitAbort = 1;    // send: the platform must abort.
inline constexpr int kExitUsage = 2;    // Bad arguments, config or input.

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
};

// Runs a local receiver that prints every request it gets to `out` and
// answers each with the configured status, body and delay.
int RunReceive(const ReceiveOptions& options, std::ostream& out, std::ostream& err);

}  // namespace herald::cli

#endif  // HERALD_CLI_COMMANDS_H_
