#include "service/service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <future>
#include <optional>

#include "receiver/http_server_thread.h"
#include "service/api.h"
#include "service/delivery_log_writer.h"
#include "service/delivery_workers.h"
#include "service/metrics.h"
#include "service/outbox_runner.h"
#include "service/runtime.h"
#include "store/postgres_store.h"
#include "store/sqlite_store.h"

namespace herald {
namespace {

std::string JoinErrors(const LoadResult& loaded) {
  std::string joined;
  for (const Diagnostic& error : loaded.errors) {
    if (!joined.empty()) joined += '\n';
    joined += error.ToString();
  }
  return joined;
}

// Returns why `config` cannot run with claims leased for `lease`: an async
// attempt that outlasts its lease is claimed and sent again by another
// worker while it is still in flight.
std::optional<std::string> CheckLease(const Config& config, std::chrono::milliseconds lease) {
  for (const auto& [name, event] : config.events) {
    for (const WebhookConfig& webhook : event.webhooks) {
      if (webhook.async && webhook.timeout >= lease) {
        return fmt::format(
            "--lease-ms ({} ms) must exceed the timeout of every async webhook, but webhook "
            "\"{}\" of event {} has a timeout of {} ms; raise --lease-ms or lower the timeout",
            lease.count(), webhook.name, name, webhook.timeout.count());
      }
    }
  }
  return std::nullopt;
}

// Opens the store that `options` select. Sets *description to its name
// for logs, which never contains a password.
Result<std::unique_ptr<Store>> OpenStore(const ServiceOptions& options, std::string* description) {
  if (options.database_url.has_value()) {
    *description = "PostgreSQL " + DescribePostgresConnection(*options.database_url);
    PostgresStoreOptions store_options;
    store_options.connection_string = *options.database_url;
    store_options.pool_size = options.database_pool_size;
    return OpenPostgresStore(store_options);
  }
  SqliteStoreOptions store_options;
  store_options.path = options.data_dir + "/herald.db";
  // One herald serve per SQLite file, so every lease found at start was
  // taken by a process that has stopped.
  store_options.release_unattempted_leases = true;
  *description = store_options.path;
  return OpenSqliteStore(store_options);
}

void LogWarnings(const LoadResult& loaded) {
  for (const Diagnostic& warning : loaded.warnings) {
    spdlog::warn("config warning: {}", warning.ToString());
  }
}

}  // namespace

struct Service::State {
  ServiceOptions options;
  Clock* clock = &RealClock();
  Random* random = &RealRandom();
  std::shared_ptr<Transport> transport;
  std::unique_ptr<Store> store;
  std::string store_description;  // For logs; never contains a password.
  Metrics metrics;
  std::unique_ptr<DeliveryLogWriter> log_writer;
  RuntimeHolder runtime;
  // Declared before the outbox, which hands deliveries to it.
  std::unique_ptr<DeliveryWorkers> workers;
  std::shared_ptr<OutboxRunner> outbox;
  std::unique_ptr<Api> api;
  std::unique_ptr<HttpServerThread> http;

  std::mutex reload_mutex;  // Serializes Reload() calls.

  std::mutex retention_mutex;
  std::condition_variable retention_wakeup;
  bool stopping = false;  // Guarded by retention_mutex.
  std::thread retention;
  bool shut_down = false;  // Guarded by reload_mutex.

  // Returns the dispatcher options every Runtime of this service shares.
  DispatcherOptions Dependencies() {
    DispatcherOptions shared;
    shared.transport = transport;
    shared.clock = clock;
    shared.random = random;
    shared.observer = log_writer.get();
    shared.async_runner = outbox;
    return shared;
  }
  void RetentionLoop();
};

Result<std::unique_ptr<Service>> Service::Create(ServiceOptions options,
                                                 std::shared_ptr<Transport> transport) {
  const LoadResult loaded = LoadConfigFile(options.config_path);
  if (!loaded.ok()) {
    return Error{ErrorCode::kInvalidArgument, JoinErrors(loaded)};
  }
  if (auto problem = CheckLease(*loaded.config, options.workers.lease)) {
    return Error{ErrorCode::kInvalidArgument, *problem};
  }
  LogWarnings(loaded);

  auto state = std::make_unique<State>();
  state->transport = transport ? std::move(transport) : MakeCurlTransport();
  Result<std::unique_ptr<Store>> store = OpenStore(options, &state->store_description);
  if (!store.ok()) {
    // Most store errors already name the file or server; name it once.
    const std::string& reason = store.error().message;
    std::string message = "cannot open the store: " + reason;
    if (reason.find(state->store_description) == std::string::npos) {
      message = fmt::format("cannot open the store {}: {}", state->store_description, reason);
    }
    return Error{store.error().code == ErrorCode::kInvalidArgument ? ErrorCode::kInvalidArgument
                                                                   : ErrorCode::kUnavailable,
                 std::move(message)};
  }
  state->store = std::move(store.value());
  state->log_writer = std::make_unique<DeliveryLogWriter>(*state->store, state->metrics,
                                                          options.delivery_log_queue);

  // The workers only read the runtime once started, so they can exist
  // before it and take the outbox's handoffs from the first event on.
  state->workers = std::make_unique<DeliveryWorkers>(options.workers, *state->store, state->runtime,
                                                     *state->clock, *state->random, state->metrics);
  state->outbox = std::make_shared<OutboxRunner>(*state->store, *state->clock, *state->workers);
  state->runtime.Replace(BuildRuntime(loaded.config, state->Dependencies()));
  State* raw = state.get();
  ApiOptions api_options{options.api_token, options.max_request_bytes};
  state->api =
      std::make_unique<Api>(api_options, state->runtime, *state->store, state->metrics,
                            *state->clock, *state->random, [raw] { raw->workers->Notify(); });
  HttpServerThread::Options http_options;
  http_options.keep_alive_timeout = options.keep_alive_timeout;
  http_options.worker_threads = options.http_threads;
  state->http = std::make_unique<HttpServerThread>(http_options);
  state->api->Install(state->http->server());
  state->options = std::move(options);
  return std::unique_ptr<Service>(new Service(std::move(state)));
}

Service::Service(std::unique_ptr<State> state) : state_(std::move(state)) {}

Service::~Service() { Shutdown(); }

int Service::port() const { return state_->http->port(); }

const std::string& Service::store_description() const { return state_->store_description; }

Result<bool> Service::Start() {
  State& state = *state_;
  if (auto error = state.http->Start(state.options.host, state.options.port)) {
    return Error{ErrorCode::kUnavailable, *error};
  }
  state.workers->Start();
  state.retention = std::thread([&state] { state.RetentionLoop(); });
  spdlog::info("herald serve started: listen={}:{} store=\"{}\" workers={}", state.options.host,
               state.http->port(), state.store_description, state.options.workers.workers);
  return true;
}

LoadResult Service::Reload() {
  std::lock_guard lock(state_->reload_mutex);
  LoadResult loaded = LoadConfigFile(state_->options.config_path);
  if (!loaded.ok()) {
    for (const Diagnostic& error : loaded.errors) {
      spdlog::error("config reload rejected, keeping the current config: {}", error.ToString());
    }
    state_->metrics.CountReload("failure");
    return loaded;
  }
  if (auto problem = CheckLease(*loaded.config, state_->options.workers.lease)) {
    spdlog::error("config reload rejected, keeping the current config: {}", *problem);
    state_->metrics.CountReload("failure");
    Diagnostic diagnostic;
    diagnostic.file = state_->options.config_path;
    diagnostic.message = *problem;
    loaded.errors.push_back(std::move(diagnostic));
    loaded.config.reset();
    return loaded;
  }
  LogWarnings(loaded);
  state_->runtime.Replace(BuildRuntime(loaded.config, state_->Dependencies()));
  state_->metrics.CountReload("success");
  spdlog::info("config reloaded: path={} events={}", state_->options.config_path,
               loaded.config->events.size());
  return loaded;
}

void Service::Shutdown() {
  State& state = *state_;
  {
    std::lock_guard lock(state.reload_mutex);
    if (state.shut_down) return;
    state.shut_down = true;
  }
  spdlog::info("herald serve stopping: grace={}s", state.options.shutdown_grace.count());
  state.api->BeginShutdown();

  // Stop accepting, and give the sync calls in flight the grace period.
  auto http_stopped = std::async(std::launch::async, [&state] { state.http->Stop(); });
  if (http_stopped.wait_for(state.options.shutdown_grace) == std::future_status::timeout) {
    spdlog::warn("sync calls still running after the {}s grace period; stopping anyway",
                 state.options.shutdown_grace.count());
  }

  state.workers->Stop();
  {
    std::lock_guard lock(state.retention_mutex);
    state.stopping = true;
  }
  state.retention_wakeup.notify_all();
  if (state.retention.joinable()) state.retention.join();
  http_stopped.wait();
  state.log_writer->Stop();
  spdlog::info("herald serve stopped");
}

void Service::State::RetentionLoop() {
  std::unique_lock lock(retention_mutex);
  while (
      !retention_wakeup.wait_for(lock, options.retention_interval, [this] { return stopping; })) {
    lock.unlock();
    Result<RetentionResult> result = store->ApplyRetention(
        clock->WallNow(), options.retention_max_age, options.retention_max_rows);
    if (!result.ok()) {
      spdlog::error("retention failed: error=\"{}\"", result.error().message);
    } else if (result->deliveries_deleted > 0) {
      spdlog::info("retention deleted {} deliveries and {} attempts", result->deliveries_deleted,
                   result->attempts_deleted);
    }
    lock.lock();
  }
}

}  // namespace herald
