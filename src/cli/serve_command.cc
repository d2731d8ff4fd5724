#include <fmt/format.h>
#include <fmt/ostream.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "cli/listen_address.h"
#include "service/service.h"

namespace herald::cli {
namespace {

// Reads the API token from the named environment variable or file. Returns
// false, with the reason on `err`, when the source is empty or unreadable.
bool ReadApiToken(const ServeOptions& options, ServiceOptions& service, std::ostream& err) {
  if (!options.api_token_env.empty() && !options.api_token_file.empty()) {
    fmt::print(err, "herald: give either --api-token-env or --api-token-file, not both\n");
    return false;
  }
  if (!options.api_token_env.empty()) {
    const char* value = std::getenv(options.api_token_env.c_str());
    if (value == nullptr || *value == '\0') {
      fmt::print(err,
                 "herald: environment variable {} (from --api-token-env) is not set or empty\n",
                 options.api_token_env);
      return false;
    }
    service.api_token = value;
  }
  if (!options.api_token_file.empty()) {
    std::ifstream file(options.api_token_file, std::ios::binary);
    std::ostringstream contents;
    contents << file.rdbuf();
    std::string token = std::move(contents).str();
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    if (!file || token.empty()) {
      fmt::print(err, "herald: cannot read an API token from {}\n", options.api_token_file);
      return false;
    }
    service.api_token = std::move(token);
  }
  return true;
}

// The environment variable read when neither --database-url nor
// --database-url-file is given.
constexpr const char* kDatabaseUrlVariable = "HERALD_DATABASE_URL";

// Sets service.database_url from --database-url, --database-url-file or
// HERALD_DATABASE_URL, in that order; none of them keeps SQLite. Returns
// false, with the reason on `err`, when both options are given or the
// source is empty or unreadable. Messages never quote the URL, which may
// contain a password.
bool ReadDatabaseUrl(const ServeOptions& options, ServiceOptions& service, std::ostream& err) {
  if (!options.database_url.empty() && !options.database_url_file.empty()) {
    fmt::print(err, "herald: give either --database-url or --database-url-file, not both\n");
    return false;
  }
  if (!options.database_url.empty()) {
    service.database_url = options.database_url;
    return true;
  }
  if (!options.database_url_file.empty()) {
    std::ifstream file(options.database_url_file, std::ios::binary);
    std::ostringstream contents;
    contents << file.rdbuf();
    std::string url = std::move(contents).str();
    while (!url.empty() && (url.back() == '\n' || url.back() == '\r')) url.pop_back();
    if (!file || url.empty()) {
      fmt::print(err, "herald: cannot read a database URL from {}\n", options.database_url_file);
      return false;
    }
    service.database_url = std::move(url);
    return true;
  }
  const char* value = std::getenv(kDatabaseUrlVariable);
  if (value != nullptr && *value != '\0') service.database_url = value;
  return true;
}

}  // namespace

int RunServe(const ServeOptions& options, std::ostream& err) {
  ServiceOptions service;
  service.config_path = options.config_path;
  if (!ParseListenAddress(options.listen, service.host, service.port)) {
    fmt::print(err, "herald: invalid --listen address \"{}\"; use HOST:PORT, e.g. 127.0.0.1:{}\n",
               options.listen, kDefaultServePort);
    return kExitUsage;
  }
  if (!ReadApiToken(options, service, err)) return kExitUsage;
  service.data_dir = options.data_dir;
  if (!ReadDatabaseUrl(options, service, err)) return kExitUsage;
  service.database_pool_size = options.database_pool_size;
  service.workers.workers = options.workers;
  service.workers.lease = std::chrono::milliseconds(options.lease_ms);
  service.http_threads = options.http_threads;
  service.max_request_bytes = options.max_request_bytes;
  service.retention_max_age = std::chrono::seconds(options.retention_max_age_s);
  service.retention_max_rows = options.retention_max_rows;
  service.shutdown_grace = std::chrono::seconds(options.shutdown_grace_s);

  // Signals are taken by sigwait() below, on this thread only: every thread
  // the service starts inherits this mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Result<std::unique_ptr<Service>> created = Service::Create(service);
  if (!created.ok()) {
    fmt::print(err, "herald: {}\n", created.error().message);
    return created.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitAbort;
  }
  Service& server = *created.value();
  if (Result<bool> started = server.Start(); !started.ok()) {
    fmt::print(err, "herald: {}\n", started.error().message);
    return kExitAbort;
  }
  fmt::print(err, "herald serve: listening on http://{}:{}/ (store {})\n", service.host,
             server.port(), server.store_description());

  for (;;) {
    int received = 0;
    if (sigwait(&signals, &received) != 0) continue;
    if (received == SIGHUP) {
      spdlog::info("SIGHUP received: reloading {}", service.config_path);
      (void)server.Reload();
      continue;
    }
    spdlog::info("{} received: shutting down", received == SIGINT ? "SIGINT" : "SIGTERM");
    break;
  }
  server.Shutdown();
  return kExitOk;
}

}  // namespace herald::cli
