#ifndef HERALD_ENGINE_DELIVERER_H_
#define HERALD_ENGINE_DELIVERER_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "engine/attempt_classifier.h"
#include "herald/clock.h"
#include "herald/config.h"
#include "herald/dispatcher.h"
#include "herald/outcome.h"
#include "herald/transport.h"

namespace herald {

// One delivery of one body to one webhook.
struct DeliveryJob {
  const WebhookConfig* webhook = nullptr;
  std::string_view event;
  std::string_view body;
  std::string delivery_id;
  // When the response body is used later (final response or useDataFrom),
  // it must be empty or JSON for the call to succeed.
  bool body_must_be_json = false;
  // Monotonic time after which no attempt may run, for the sync chain.
  std::optional<Clock::TimePoint> deadline;
};

// The result of one attempt, before any retry decision.
struct AttemptOutput {
  Attempt attempt;
  Classification classification;
  HttpResponse response;
};

struct DeliveryOutput {
  WebhookResult result;
  bool deadline_exceeded = false;
};

// Sends deliveries through a Transport, with retries and backoff.
//
// Stateless apart from its references, so one Deliverer serves many threads
// as long as the transport, clock, random source and observer do.
class Deliverer {
 public:
  Deliverer(const Config& config, Transport& transport, Clock& clock, Random& random,
            DeliveryObserver* observer)
      : config_(config),
        transport_(transport),
        clock_(clock),
        random_(random),
        observer_(observer) {}

  // Makes attempts until one succeeds, one fails permanently, the
  // webhook's attempts are used up, or the deadline runs out. Sleeps on the
  // clock between attempts.
  DeliveryOutput Deliver(const DeliveryJob& job);

  // Makes attempt number `number` with the given timeout, without retrying
  // or notifying the observer. The outbox workers schedule retries
  // themselves.
  AttemptOutput AttemptOnce(const DeliveryJob& job, int number, std::chrono::milliseconds timeout);

  // Builds the HTTP request for one attempt: method, URL, body, herald's
  // headers, the webhook's headers and its bearer token. A webhook with
  // signing keys also gets the Standard Webhooks headers, timestamped with
  // the clock's WallNow().
  HttpRequest BuildRequest(const DeliveryJob& job, int number,
                           std::chrono::milliseconds timeout) const;

 private:
  void LogFailedAttempt(const DeliveryJob& job, const Attempt& attempt, bool will_retry) const;

  const Config& config_;
  Transport& transport_;
  Clock& clock_;
  Random& random_;
  DeliveryObserver* observer_;
};

}  // namespace herald

#endif  // HERALD_ENGINE_DELIVERER_H_
