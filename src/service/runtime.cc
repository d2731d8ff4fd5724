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
                                            const DispatcherOptions& options) {
  auto runtime = std::make_shared<Runtime>();
  runtime->config = config;
  runtime->dispatcher = Dispatcher::Create(config, options);
  runtime->deliverer = std::make_unique<Deliverer>(*config, *options.transport, *options.clock,
                                                   *options.random, nullptr);
  return runtime;
}

}  // namespace herald
