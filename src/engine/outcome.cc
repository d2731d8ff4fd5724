#include "herald/outcome.h"

namespace herald {

std::string_view DecisionName(Decision decision) {
  switch (decision) {
    case Decision::kProceed:
      return "proceed";
    case Decision::kAbort:
      return "abort";
  }
  return "unknown";
}

std::string_view WebhookStateName(WebhookState state) {
  switch (state) {
    case WebhookState::kSucceeded:
      return "succeeded";
    case WebhookState::kFailed:
      return "failed";
    case WebhookState::kSkipped:
      return "skipped";
    case WebhookState::kQueued:
      return "queued";
  }
  return "unknown";
}

}  // namespace herald
