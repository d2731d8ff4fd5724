#include "config_validator.h"

#include <algorithm>
#include <cstddef>
#include <string>

#include <fmt/format.h>

#include "duration.h"

namespace herald::config_internal {
namespace {

Location WebhookLocation(std::string_view event, const WebhookConfig& webhook) {
  return Location{std::string(event), webhook.position, webhook.name};
}

// Returns the index in `webhooks` of the first webhook named `name`.
std::optional<std::size_t> FindWebhook(const std::vector<WebhookConfig>& webhooks,
                                       std::string_view name) {
  for (std::size_t i = 0; i < webhooks.size(); ++i) {
    if (webhooks[i].name == name) return i;
  }
  return std::nullopt;
}

void CheckDuplicateNames(const EventConfig& event, std::string_view written_name,
                         DiagnosticSink& sink) {
  const auto& webhooks = event.webhooks;
  for (std::size_t i = 0; i < webhooks.size(); ++i) {
    if (webhooks[i].name.empty()) continue;
    const std::optional<std::size_t> first = FindWebhook(webhooks, webhooks[i].name);
    if (first.has_value() && *first < i) {
      sink.Error(WebhookLocation(written_name, webhooks[i]), "name",
                 fmt::format("duplicate webhook name `{}`: webhook #{} already uses it; names "
                             "must be unique within an event",
                             webhooks[i].name, *first + 1));
    }
  }
}

void CheckFinalResponse(const EventConfig& event, std::string_view written_name, bool roles_known,
                        DiagnosticSink& sink) {
  const WebhookConfig* first_final = nullptr;
  bool has_sync = false;
  bool sync_final = false;
  for (const WebhookConfig& webhook : event.webhooks) {
    has_sync = has_sync || !webhook.async;
    if (!webhook.final_response) continue;

    const Location location = WebhookLocation(written_name, webhook);
    if (webhook.async) {
      sink.Error(location, "finalResponse",
                 "an async webhook cannot give the final response because nobody waits for it; "
                 "set finalResponse on a sync webhook");
    } else {
      sync_final = true;
    }
    if (first_final != nullptr) {
      sink.Error(location, "finalResponse",
                 fmt::format("only one webhook per event may set finalResponse, and webhook #{} "
                             "({}) already does",
                             first_final->position + 1, first_final->name));
    } else {
      first_final = &webhook;
    }
  }

  if (roles_known && has_sync && !sync_final) {
    sink.Error(Location{std::string(written_name), std::nullopt, ""}, "finalResponse",
               "no sync webhook sets finalResponse; set `finalResponse: true` on the sync "
               "webhook whose response the platform should receive");
  }
}

void CheckUseDataFrom(const EventConfig& event, std::string_view written_name,
                      const WebhookConfig& webhook, DiagnosticSink& sink) {
  const std::string& source = webhook.use_data_from;
  const Location location = WebhookLocation(written_name, webhook);
  if (webhook.async) {
    sink.Error(location, "useDataFrom",
               "an async webhook cannot use another webhook's response; remove useDataFrom or "
               "make this webhook sync");
    return;
  }
  if (source == webhook.name) {
    sink.Error(location, "useDataFrom",
               fmt::format("`{}` names this webhook itself; name an earlier sync webhook", source));
    return;
  }

  const std::optional<std::size_t> index = FindWebhook(event.webhooks, source);
  if (!index.has_value()) {
    sink.Error(
        location, "useDataFrom",
        fmt::format("no webhook named `{}` in this event; name an earlier sync webhook", source));
  } else if (*index > webhook.position) {
    sink.Error(location, "useDataFrom",
               fmt::format("`{}` is webhook #{}, which runs later; useDataFrom can only name an "
                           "earlier webhook",
                           source, *index + 1));
  } else if (event.webhooks[*index].async) {
    sink.Error(location, "useDataFrom",
               fmt::format("`{}` is async, so herald does not wait for its response; name a sync "
                           "webhook",
                           source));
  }
}

// Returns the sum of the backoff delays before attempts 2 to `attempts`, each
// at its upper bound.
double MaxBackoffSeconds(int attempts, const RetrySettings& retry) {
  const double initial = std::chrono::duration<double>(retry.initial_backoff).count();
  const double max = std::chrono::duration<double>(retry.max_backoff).count();
  const double scale = 1 + retry.jitter;

  double total = 0;
  double delay = initial;
  for (int retry_index = 0; retry_index < attempts - 1; ++retry_index) {
    if (delay >= max) {
      // Every later delay is capped, so add them all at once.
      total += max * scale * (attempts - 1 - retry_index);
      break;
    }
    total += delay * scale;
    delay *= 2;
  }
  return total;
}

}  // namespace

void ValidateWebhookReferences(const EventConfig& event, std::string_view written_name,
                               bool roles_known, DiagnosticSink& sink) {
  CheckDuplicateNames(event, written_name, sink);
  CheckFinalResponse(event, written_name, roles_known, sink);
  for (const WebhookConfig& webhook : event.webhooks) {
    if (!webhook.use_data_from.empty()) CheckUseDataFrom(event, written_name, webhook, sink);
  }
}

std::chrono::duration<double> WorstCaseSyncTime(const EventConfig& event,
                                                const RetrySettings& retry) {
  double seconds = 0;
  for (const WebhookConfig& webhook : event.webhooks) {
    if (webhook.async) continue;
    const double timeout = std::chrono::duration<double>(webhook.timeout).count();
    seconds += timeout * webhook.max_attempts + MaxBackoffSeconds(webhook.max_attempts, retry);
  }
  return std::chrono::duration<double>(seconds);
}

void CheckEventTiming(const EventConfig& event, std::string_view written_name,
                      const RetrySettings& retry, DiagnosticSink& sink) {
  const Location location{std::string(written_name), std::nullopt, ""};
  const bool has_sync = std::any_of(event.webhooks.begin(), event.webhooks.end(),
                                    [](const WebhookConfig& w) { return !w.async; });
  if (event.policy == EventPolicy::kGate && !has_sync) {
    sink.Warning(location, "",
                 "this gate event has no sync webhook, so nothing can veto the deployment; "
                 "set `async: false` on the webhook that should decide");
  }

  const std::chrono::duration<double> worst = WorstCaseSyncTime(event, retry);
  if (worst <= kSlowSyncChainThreshold) return;
  if (event.deadline.has_value() && *event.deadline < worst) return;

  const std::string figure = FormatSeconds(worst);
  if (event.deadline.has_value()) {
    sink.Warning(location, "deadline",
                 fmt::format("the sync webhooks can take up to {} (timeout times attempts plus "
                             "backoff), and the deadline of {} does not bound that; lower the "
                             "deadline under `events:`",
                             figure, FormatSeconds(*event.deadline)));
    return;
  }
  sink.Warning(location, "deadline",
               fmt::format("the sync webhooks can take up to {} (timeout times attempts plus "
                           "backoff), more than {}; set a `deadline` for this event under "
                           "`events:` to bound the wait, for example `deadline: 30s`",
                           figure, FormatSeconds(kSlowSyncChainThreshold)));
}

}  // namespace herald::config_internal
