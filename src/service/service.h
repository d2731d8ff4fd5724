#ifndef HERALD_SERVICE_SERVICE_H_
#define HERALD_SERVICE_SERVICE_H_

// `herald serve`: the webhook service. Platforms post events over HTTP;
// herald runs the sync webhooks, stores async deliveries durably in its
// outbox before answering, delivers them with retries, and keeps a log of
// every attempt. See docs/api.md for the HTTP API.
//
// Thread-safe: Reload() and Shutdown() may be called from any thread, such
// as a signal-handling one, while requests are served.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "herald/config.h"
#include "herald/result.h"
#include "herald/transport.h"
#include "service/delivery_workers.h"

namespace herald {

// The default port of `herald serve`.
inline constexpr int kDefaultServePort = 8470;

struct ServiceOptions {
  std::string config_path;
  std::string host = "127.0.0.1";
  int port = kDefaultServePort;  // 0 picks a free port.
  // The SQLite store is DATA_DIR/herald.db; the directory is created.
  // Not used when database_url is set.
  std::string data_dir = "herald-data";
  // A PostgreSQL connection string (URI or key=value pairs). When set, the
  // outbox and delivery log are in that database instead of SQLite, and
  // several instances can share them. Logs name the database without its
  // password.
  std::optional<std::string> database_url;
  // PostgreSQL connections open at most.
  std::size_t database_pool_size = 8;
  // When set, every request must send "Authorization: Bearer <token>".
  std::optional<std::string> api_token;

  // Connections served at once; each open connection holds a thread.
  std::size_t http_threads = 64;
  // Requests with a larger body get 413 and are not read further.
  std::size_t max_request_bytes = 1024 * 1024;
  std::chrono::seconds keep_alive_timeout{5};

  DeliveryWorkerOptions workers;

  // Finished deliveries older than this, or beyond the newest
  // retention_max_rows, are deleted every retention_interval.
  std::chrono::seconds retention_max_age{std::chrono::hours(24 * 7)};
  std::size_t retention_max_rows = 1'000'000;
  std::chrono::seconds retention_interval{60};

  // Sync delivery records waiting to be written to the delivery log.
  std::size_t delivery_log_queue = 10'000;

  // How long Shutdown() waits for sync calls in flight.
  std::chrono::seconds shutdown_grace{10};
};

class Service {
 public:
  // Loads the config and opens the store. Fails with kInvalidArgument and
  // every config error or a malformed database_url, or kUnavailable when
  // the store cannot be opened.
  // `transport` defaults to libcurl.
  static Result<std::unique_ptr<Service>> Create(ServiceOptions options,
                                                 std::shared_ptr<Transport> transport = nullptr);
  ~Service();

  // Binds the listen address, starts the delivery workers and retention.
  Result<bool> Start();

  // The bound port, after Start().
  int port() const;

  // The store for logs: the SQLite file, or the PostgreSQL database
  // without its password.
  const std::string& store_description() const;

  // Loads the config file again. A valid config replaces the current one
  // atomically, and calls in flight finish on the old one. An invalid one is
  // rejected, its errors logged, and the current one kept.
  LoadResult Reload();

  // Stops accepting requests, waits up to shutdown_grace for sync calls in
  // flight, then stops the workers. Pending async deliveries stay in the
  // outbox for the next start. Calling it again does nothing.
  void Shutdown();

 private:
  struct State;
  explicit Service(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace herald

#endif  // HERALD_SERVICE_SERVICE_H_
