#include "engine/outcome_json.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace herald {

std::string FormatTimestamp(std::chrono::system_clock::time_point time) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(time - seconds).count();
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", seconds, millis);
}

nlohmann::json WebhookResultToJson(const WebhookResult& result) {
  nlohmann::json attempts = nlohmann::json::array();
  for (const Attempt& attempt : result.attempts) {
    nlohmann::json entry = {
        {"number", attempt.number},
        {"started_at", FormatTimestamp(attempt.started_at)},
        {"latency_ms", static_cast<double>(attempt.latency.count()) / 1000.0},
        {"status", attempt.status},
    };
    if (!attempt.error.empty()) entry["error"] = attempt.error;
    if (attempt.next_delay.count() > 0) entry["next_delay_ms"] = attempt.next_delay.count();
    attempts.push_back(std::move(entry));
  }

  nlohmann::json json = {
      {"name", result.name},
      {"url", result.url},
      {"async", result.async},
      {"state", WebhookStateName(result.state)},
      {"attempts", std::move(attempts)},
      {"elapsed_ms", static_cast<double>(result.elapsed.count()) / 1000.0},
  };
  if (!result.delivery_id.empty()) json["delivery_id"] = result.delivery_id;
  if (!result.error.empty()) json["error"] = result.error;
  return json;
}

nlohmann::json OutcomeToJson(const Outcome& outcome) {
  nlohmann::json webhooks = nlohmann::json::array();
  for (const WebhookResult& result : outcome.webhooks) {
    webhooks.push_back(WebhookResultToJson(result));
  }

  nlohmann::json json = {
      {"event", outcome.event},
      {"policy", PolicyName(outcome.policy)},
      {"decision", DecisionName(outcome.decision)},
      {"deadline_exceeded", outcome.deadline_exceeded},
      {"webhooks", std::move(webhooks)},
  };
  if (!outcome.failure.empty()) json["failure"] = outcome.failure;
  if (outcome.final_response) {
    // A final response was checked to be empty or JSON before it was kept.
    const bool blank = outcome.final_response->find_first_not_of(" \t\r\n") == std::string::npos;
    json["final_response"] =
        blank ? nlohmann::json(nullptr) : nlohmann::json::parse(*outcome.final_response);
  }
  return json;
}

}  // namespace herald
