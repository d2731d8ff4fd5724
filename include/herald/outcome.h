#ifndef HERALD_OUTCOME_H_
#define HERALD_OUTCOME_H_

// What happened when an event was dispatched: the decision the platform
// must act on, the final response, and every webhook's attempts.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "herald/events.h"
#include "herald/transport.h"

namespace herald {

enum class Decision {
  kProceed,  // The platform may go on with the action.
  kAbort,    // A gate event failed: the platform must not go on.
};

// Returns "proceed" or "abort".
std::string_view DecisionName(Decision decision);

enum class WebhookState {
  kSucceeded,  // A call returned HTTP 200 (and usable JSON where required).
  kFailed,     // Every attempt failed, or a failure was not retryable.
  kSkipped,    // Not called: an earlier sync webhook failed, or the
               // event deadline ran out before its turn.
  kQueued,     // Async: handed to the async runner; see its results.
};

// Returns "succeeded", "failed", "skipped" or "queued".
std::string_view WebhookStateName(WebhookState state);

// One HTTP attempt of one delivery.
struct Attempt {
  int number = 1;  // One-based.
  std::chrono::system_clock::time_point started_at;
  std::chrono::microseconds latency{0};
  // HTTP status, or 0 when no response was received.
  int status = 0;
  TransportError transport_error = TransportError::kNone;
  // Empty on success; otherwise why the attempt failed, such as
  // "HTTP 503" or "redirect to https://x/ is not followed".
  std::string error;
  // Wait before the next attempt; zero when this was the last one.
  std::chrono::milliseconds next_delay{0};
  // The first kAttemptBodyExcerptBytes of the response body, for the
  // delivery log.
  std::string response_excerpt;
};

inline constexpr std::size_t kAttemptBodyExcerptBytes = 4096;

// The result of delivering one event to one webhook.
struct WebhookResult {
  std::string name;
  std::string url;
  bool async = false;
  // Unique per delivery; the same across its retries. Sent as the
  // X-Herald-Delivery header.
  std::string delivery_id;
  WebhookState state = WebhookState::kSkipped;
  std::vector<Attempt> attempts;
  // Reason the delivery failed or was skipped; empty on success.
  std::string error;
  // Body of the successful response (empty otherwise).
  std::string response_body;
  // From the first attempt's start to the last attempt's end, including
  // backoff waits.
  std::chrono::microseconds elapsed{0};
};

struct Outcome {
  // Catalogue name of the event.
  std::string event;
  EventPolicy policy = EventPolicy::kNotification;
  Decision decision = Decision::kProceed;
  // True when the event deadline cut the sync chain short.
  bool deadline_exceeded = false;
  // Body returned by the sync webhook marked finalResponse, when the whole
  // sync chain succeeded.
  std::optional<std::string> final_response;
  // Reason the platform must abort, or the reason a notification's chain
  // failed. Empty when every sync webhook succeeded.
  std::string failure;
  // Set when the async deliveries could not be handed to the async runner,
  // for example because the service's outbox could not be written. Their
  // results are then kFailed.
  std::string async_failure;
  // Sync webhooks in config order, then async ones.
  std::vector<WebhookResult> webhooks;
};

}  // namespace herald

#endif  // HERALD_OUTCOME_H_
