#ifndef HERALD_DISPATCHER_H_
#define HERALD_DISPATCHER_H_

// The dispatcher: for one event, calls the configured webhooks with
// herald's semantics and returns the outcome the platform acts on.
//
//   auto loaded = herald::LoadConfigFile("webhooks.yaml");
//   auto dispatcher = herald::Dispatcher::Create(loaded.config, {});
//   auto outcome = dispatcher->Invoke("on-model-version-predeployment",
//                                     payload_json);
//   if (!outcome.ok()) { /* bad payload or unknown event */ }
//   else if (outcome->decision == herald::Decision::kAbort) { /* veto */ }
//
// Thread safety: a Dispatcher is safe to use from many threads at once.
// Async deliveries run on threads the dispatcher owns; Drain() waits for
// them and the destructor drains too.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "herald/clock.h"
#include "herald/config.h"
#include "herald/outcome.h"
#include "herald/result.h"
#include "herald/transport.h"

namespace herald {

// Identifies one delivery, for observers and logs.
struct DeliveryContext {
  std::string event;
  std::string webhook;
  std::string url;
  std::string delivery_id;
  bool async = false;
  // Attempts the webhook's config allows for this delivery.
  int max_attempts = 1;
};

// Receives every attempt and every finished delivery. Called on the thread
// that made the attempt, so implementations must be thread-safe and quick.
class DeliveryObserver {
 public:
  virtual ~DeliveryObserver() = default;
  virtual void OnAttempt(const DeliveryContext& context, const Attempt& attempt) = 0;
  virtual void OnFinished(const DeliveryContext& context, const WebhookResult& result) = 0;
};

// One async delivery handed from the dispatcher to an AsyncRunner.
struct AsyncDelivery {
  // Keeps the webhook's config alive while the delivery is pending.
  std::shared_ptr<const Config> config;
  std::string event;
  const WebhookConfig* webhook = nullptr;  // Points into *config.
  std::shared_ptr<const std::string> payload;
  std::string delivery_id;
};

// Destination of async deliveries once every sync webhook has succeeded.
// The default runs them on an in-process thread pool, and the service
// writes them to its durable outbox instead.
class AsyncRunner {
 public:
  virtual ~AsyncRunner() = default;

  // Takes ownership of the delivery. Returns an error when it cannot be
  // accepted, for example while shutting down.
  virtual Result<bool> Submit(AsyncDelivery delivery) = 0;

  // Takes ownership of the deliveries of one event. The default submits
  // them one at a time; a durable runner stores them all or none.
  virtual Result<bool> SubmitAll(std::vector<AsyncDelivery> deliveries);

  // Blocks until every submitted delivery has finished.
  virtual void Drain() = 0;
};

struct DispatcherOptions {
  // Defaults to a libcurl transport owned by the dispatcher.
  std::shared_ptr<Transport> transport;
  // Default to the real clock and random source. Not owned.
  Clock* clock = nullptr;
  Random* random = nullptr;
  // Optional; not owned. Must outlive the dispatcher.
  DeliveryObserver* observer = nullptr;
  // Defaults to an in-process pool of `async_threads` threads.
  std::shared_ptr<AsyncRunner> async_runner;
  std::size_t async_threads = 4;
};

class Dispatcher {
 public:
  // `config` must have loaded without errors.
  static std::unique_ptr<Dispatcher> Create(std::shared_ptr<const Config> config,
                                            DispatcherOptions options);

  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Dispatches `event` with `payload`, the JSON envelope
  // {"event_type": ..., "version_endpoint": {...}}. Runs the sync webhooks
  // in order, then submits the async ones if every sync webhook succeeded.
  //
  // Returns kInvalidArgument when the payload is not a JSON object, when
  // its event_type names another event, or when the event is unknown to
  // the config's catalogue. An event with no webhooks, or a disabled
  // config, calls nothing and proceeds.
  Result<Outcome> Invoke(std::string_view event, std::string_view payload);

  // Like Invoke, for a caller that has already parsed and checked
  // `payload`: a JSON object whose "event_type" member is a string naming
  // `event` or one of its aliases. The payload is sent as given, without
  // being parsed again. Returns kInvalidArgument only for an unknown event.
  Result<Outcome> InvokeChecked(std::string_view event, const std::string& payload);

  // Blocks until every async delivery submitted so far has finished.
  void Drain();

  const Config& config() const;

 private:
  struct State;
  explicit Dispatcher(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace herald

#endif  // HERALD_DISPATCHER_H_
