#ifndef HERALD_ENGINE_OUTCOME_JSON_H_
#define HERALD_ENGINE_OUTCOME_JSON_H_

#include <nlohmann/json.hpp>

#include "herald/outcome.h"

namespace herald {

// Converts one webhook's result to JSON, for reports and the delivery log.
nlohmann::json WebhookResultToJson(const WebhookResult& result);

// Converts an outcome to the JSON report printed by `herald send --json`:
// event, policy, decision, deadline_exceeded, failure, final_response (the
// parsed body when it is JSON, else the raw text) and webhooks.
nlohmann::json OutcomeToJson(const Outcome& outcome);

// Formats a time point as RFC 3339 UTC with milliseconds.
std::string FormatTimestamp(std::chrono::system_clock::time_point time);

}  // namespace herald

#endif  // HERALD_ENGINE_OUTCOME_JSON_H_
