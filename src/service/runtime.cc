#include "service/runtime.h"

namespace herald {

const WebhookConfig* Runtime::FindWebhook(std::string_view event, std::string_view webhook) const {
  const EventConfig* configured = config->FindEvent(event);
  if (configured == nullptr) return nullptr;
  for (const WebhookConfig& candidate : configured->webhooks) {
    if (candidate.name == webhook) return &candidate;
  }
  return nullptr;
}

std::shared_ptr<const Runtime> BuildRuntime(std::shared_ptr<const Config> config,
                                            const RuntimeDependencies& dependencies) {
  auto runtime = std::make_shared<Runtime>();
  runtime->config = config;

  DispatcherOptions options;
  options.transport = dependencies.transport;
  options.clock = dependencies.clock;
  options.random = dependencies.random;
  options.observer = dependencies.observer;
  options.async_runner = dependencies.async_runner;
  runtime->dispatcher = Dispatcher::Create(config, std::move(options));
  runtime->deliverer = std::make_unique<Deliverer>(
      *config, *dependencies.transport, *dependencies.clock, *dependencies.random, nullptr);
  return runtime;
}

}  // namespace herald
