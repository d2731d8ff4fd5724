#include "herald/dispatcher.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_map>

#include "engine/deliverer.h"
#include "engine/delivery_id.h"
#include "engine/payload.h"
#include "engine/thread_pool_runner.h"

namespace herald {
namespace {

// Returns true when a later webhook or the final response uses the body of
// `webhook`.
bool IsResponseUsed(const EventConfig& event, const WebhookConfig& webhook) {
  if (webhook.final_response) return true;
  return std::any_of(event.webhooks.begin(), event.webhooks.end(), [&](const WebhookConfig& other) {
    return other.use_data_from == webhook.name;
  });
}

WebhookResult SkippedResult(const WebhookConfig& webhook, std::string reason) {
  WebhookResult result;
  result.name = webhook.name;
  result.url = webhook.url;
  result.async = webhook.async;
  result.state = WebhookState::kSkipped;
  result.error = std::move(reason);
  return result;
}

}  // namespace

struct Dispatcher::State {
  std::shared_ptr<const Config> config;
  std::shared_ptr<Transport> transport;
  Clock* clock = nullptr;
  Random* random = nullptr;
  std::unique_ptr<Deliverer> deliverer;
  std::shared_ptr<AsyncRunner> async_runner;

  // Runs the sync webhooks of `event` in order and fills `outcome`.
  // Returns true when every one of them succeeded.
  // Runs the webhooks of `event_type` with a payload that is already
  // prepared.
  Outcome Dispatch(const EventType& event_type, const std::string& payload);
  bool RunSyncChain(const EventConfig& event, const std::string& payload, Outcome& outcome);

  // Hands every async webhook of `event` to the async runner.
  void SubmitAsync(const EventConfig& event, const std::string& payload, Outcome& outcome);
};

std::unique_ptr<Dispatcher> Dispatcher::Create(std::shared_ptr<const Config> config,
                                               DispatcherOptions options) {
  auto state = std::make_unique<State>();
  state->config = std::move(config);
  state->transport = options.transport ? std::move(options.transport) : MakeCurlTransport();
  state->clock = options.clock != nullptr ? options.clock : &RealClock();
  state->random = options.random != nullptr ? options.random : &RealRandom();
  state->deliverer = std::make_unique<Deliverer>(*state->config, *state->transport, *state->clock,
                                                 *state->random, options.observer);
  if (options.async_runner) {
    state->async_runner = std::move(options.async_runner);
  } else {
    Deliverer* deliverer = state->deliverer.get();
    state->async_runner = std::make_shared<ThreadPoolRunner>(
        options.async_threads, [deliverer](const AsyncDelivery& delivery) {
          DeliveryJob job;
          job.webhook = delivery.webhook;
          job.event = delivery.event;
          job.body = *delivery.payload;
          job.delivery_id = delivery.delivery_id;
          (void)deliverer->Deliver(job);
        });
  }
  return std::unique_ptr<Dispatcher>(new Dispatcher(std::move(state)));
}

Dispatcher::Dispatcher(std::unique_ptr<State> state) : state_(std::move(state)) {}

Dispatcher::~Dispatcher() {
  // The runner may be shared with the caller, so drain explicitly rather
  // than rely on its destructor.
  state_->async_runner->Drain();
}

void Dispatcher::Drain() { state_->async_runner->Drain(); }

const Config& Dispatcher::config() const { return *state_->config; }

Result<Outcome> Dispatcher::Invoke(std::string_view event_name, std::string_view payload) {
  const Config& config = *state_->config;
  const EventType* event_type = config.catalog.Find(event_name);
  if (event_type == nullptr) {
    return Error{ErrorCode::kInvalidArgument, config.catalog.UnknownEventMessage(event_name)};
  }
  Result<std::string> prepared = PreparePayload(config.catalog, *event_type, payload);
  if (!prepared.ok()) {
    return prepared.error();
  }
  return state_->Dispatch(*event_type, prepared.value());
}

Result<Outcome> Dispatcher::InvokeChecked(std::string_view event_name, const std::string& payload) {
  const EventType* event_type = state_->config->catalog.Find(event_name);
  if (event_type == nullptr) {
    return Error{ErrorCode::kInvalidArgument,
                 state_->config->catalog.UnknownEventMessage(event_name)};
  }
  return state_->Dispatch(*event_type, payload);
}

Outcome Dispatcher::State::Dispatch(const EventType& event_type, const std::string& payload) {
  Outcome outcome;
  outcome.event = event_type.name;
  outcome.policy = event_type.policy;
  const EventConfig* event = config->FindEvent(event_type.name);
  if (!config->enabled || event == nullptr || event->webhooks.empty()) {
    return outcome;
  }

  const bool chain_succeeded = RunSyncChain(*event, payload, outcome);
  if (chain_succeeded) {
    SubmitAsync(*event, payload, outcome);
  } else {
    for (const WebhookConfig& webhook : event->webhooks) {
      if (webhook.async) {
        outcome.webhooks.push_back(
            SkippedResult(webhook, "not called because a sync webhook failed"));
      }
    }
  }
  return outcome;
}

bool Dispatcher::State::RunSyncChain(const EventConfig& event, const std::string& payload,
                                     Outcome& outcome) {
  std::optional<Clock::TimePoint> deadline;
  if (event.deadline) deadline = clock->Now() + *event.deadline;

  // Response bodies of earlier webhooks, by name, for useDataFrom.
  std::unordered_map<std::string, std::string> responses;
  bool failed = false;
  for (const WebhookConfig& webhook : event.webhooks) {
    if (webhook.async) continue;
    if (failed) {
      outcome.webhooks.push_back(
          SkippedResult(webhook, "not called because an earlier sync webhook failed"));
      continue;
    }

    DeliveryJob job;
    job.webhook = &webhook;
    job.event = event.name;
    job.body = webhook.use_data_from.empty() ? std::string_view(payload)
                                             : std::string_view(responses[webhook.use_data_from]);
    job.delivery_id = NewDeliveryId(clock->WallNow(), *random);
    job.body_must_be_json = IsResponseUsed(event, webhook);
    job.deadline = deadline;

    DeliveryOutput delivered = deliverer->Deliver(job);
    WebhookResult& result = delivered.result;
    if (result.state == WebhookState::kSucceeded) {
      if (webhook.final_response) outcome.final_response = result.response_body;
      if (job.body_must_be_json) responses[webhook.name] = result.response_body;
    } else {
      failed = true;
      outcome.deadline_exceeded = delivered.deadline_exceeded;
      outcome.failure =
          fmt::format("webhook \"{}\" ({}) failed: {}", webhook.name, webhook.url, result.error);
      if (event.policy == EventPolicy::kGate) outcome.decision = Decision::kAbort;
    }
    outcome.webhooks.push_back(std::move(result));
  }

  if (failed) outcome.final_response.reset();
  return !failed;
}

void Dispatcher::State::SubmitAsync(const EventConfig& event, const std::string& payload,
                                    Outcome& outcome) {
  std::shared_ptr<const std::string> shared_payload;
  std::vector<AsyncDelivery> deliveries;
  const std::size_t first = outcome.webhooks.size();
  for (const WebhookConfig& webhook : event.webhooks) {
    if (!webhook.async) continue;
    if (!shared_payload) shared_payload = std::make_shared<const std::string>(payload);

    WebhookResult result;
    result.name = webhook.name;
    result.url = webhook.url;
    result.async = true;
    result.delivery_id = NewDeliveryId(clock->WallNow(), *random);
    result.state = WebhookState::kQueued;
    deliveries.push_back({config, event.name, &webhook, shared_payload, result.delivery_id});
    outcome.webhooks.push_back(std::move(result));
  }
  if (deliveries.empty()) return;

  Result<bool> submitted = async_runner->SubmitAll(std::move(deliveries));
  if (submitted.ok()) return;
  spdlog::error("async deliveries not queued: event={} error=\"{}\"", event.name,
                submitted.error().message);
  outcome.async_failure = submitted.error().message;
  for (std::size_t i = first; i < outcome.webhooks.size(); ++i) {
    outcome.webhooks[i].state = WebhookState::kFailed;
    outcome.webhooks[i].error =
        fmt::format("could not queue the async delivery: {}", submitted.error().message);
  }
}

Result<bool> AsyncRunner::SubmitAll(std::vector<AsyncDelivery> deliveries) {
  for (AsyncDelivery& delivery : deliveries) {
    Result<bool> submitted = Submit(std::move(delivery));
    if (!submitted.ok()) return submitted;
  }
  return true;
}

}  // namespace herald
