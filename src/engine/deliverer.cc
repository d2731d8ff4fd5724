#include "engine/deliverer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "engine/retry_policy.h"
#include "engine/signing.h"
#include "herald/version.h"

namespace herald {

using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

HttpRequest Deliverer::BuildRequest(const DeliveryJob& job, int number,
                                    milliseconds timeout) const {
  const WebhookConfig& webhook = *job.webhook;
  HttpRequest request;
  request.method = webhook.method;
  request.url = webhook.url;
  request.body = job.body;
  request.timeout = timeout;
  request.max_response_bytes = config_.max_response_bytes;
  request.egress = &config_.egress;
  request.tls = &webhook.tls;

  request.headers.reserve(9 + webhook.headers.size());
  request.headers.push_back({"Content-Type", "application/json"});
  request.headers.push_back({"User-Agent", std::string("herald/") + kVersion});
  request.headers.push_back({"X-Herald-Event", std::string(job.event)});
  request.headers.push_back({"X-Herald-Delivery", job.delivery_id});
  request.headers.push_back({"X-Herald-Attempt", std::to_string(number)});
  if (webhook.auth_token) {
    request.headers.push_back({"Authorization", "Bearer " + *webhook.auth_token});
  }
  request.headers.insert(request.headers.end(), webhook.headers.begin(), webhook.headers.end());

  // Standard Webhooks: the delivery id stays the same across retries, so a
  // receiver can deduplicate, while the timestamp is this attempt's, so a
  // replayed old attempt fails the receiver's tolerance check.
  if (!webhook.signing_secrets.empty() || webhook.signing_key.has_value()) {
    const std::int64_t timestamp = UnixSeconds(clock_.WallNow());
    request.headers.push_back({std::string(kWebhookIdHeader), job.delivery_id});
    request.headers.push_back({std::string(kWebhookTimestampHeader), std::to_string(timestamp)});
    request.headers.push_back({std::string(kWebhookSignatureHeader),
                               BuildSignatureHeader(webhook.signing_secrets, webhook.signing_key,
                                                    job.delivery_id, timestamp, job.body)});
  }
  return request;
}

AttemptOutput Deliverer::AttemptOnce(const DeliveryJob& job, int number, milliseconds timeout) {
  AttemptOutput output;
  output.attempt.number = number;
  output.attempt.started_at = clock_.WallNow();

  const Clock::TimePoint start = clock_.Now();
  output.response = transport_.Send(BuildRequest(job, number, timeout));
  output.attempt.latency = duration_cast<microseconds>(clock_.Now() - start);

  output.attempt.status = output.response.status;
  output.attempt.transport_error = output.response.error;
  output.classification = ClassifyAttempt(output.response, job.body_must_be_json);
  output.attempt.error = output.classification.reason;
  output.attempt.response_excerpt = output.response.body.substr(
      0, std::min(output.response.body.size(), kAttemptBodyExcerptBytes));
  return output;
}

DeliveryOutput Deliverer::Deliver(const DeliveryJob& job) {
  const WebhookConfig& webhook = *job.webhook;
  DeliveryOutput output;
  WebhookResult& result = output.result;
  result.name = webhook.name;
  result.url = webhook.url;
  result.async = webhook.async;
  result.delivery_id = job.delivery_id;
  const DeliveryContext context{std::string(job.event), webhook.name,  webhook.url,
                                job.delivery_id,        webhook.async, webhook.max_attempts};
  const Clock::TimePoint started = clock_.Now();

  for (int number = 1;; ++number) {
    // The deadline caps this attempt's timeout, so the call in flight is
    // cut off when the deadline runs out.
    milliseconds timeout = webhook.timeout;
    std::optional<milliseconds> remaining;
    if (job.deadline) {
      remaining = duration_cast<milliseconds>(*job.deadline - clock_.Now());
      if (remaining->count() <= 0) {
        output.deadline_exceeded = true;
        result.state = WebhookState::kFailed;
        result.error = fmt::format("event deadline exceeded before attempt {}", number);
        break;
      }
      timeout = std::min(timeout, *remaining);
    }

    AttemptOutput attempt = AttemptOnce(job, number, timeout);

    std::optional<milliseconds> remaining_after;
    if (job.deadline) {
      remaining_after = duration_cast<milliseconds>(*job.deadline - clock_.Now());
    }
    const RetryDecision decision =
        DecideRetry(attempt.classification, attempt.response, number, webhook.max_attempts,
                    config_.retry, remaining_after, random_, clock_.WallNow());
    attempt.attempt.next_delay = decision.retry ? decision.delay : milliseconds(0);
    result.attempts.push_back(attempt.attempt);
    if (observer_ != nullptr) observer_->OnAttempt(context, attempt.attempt);

    if (attempt.classification.verdict == Verdict::kSuccess) {
      result.state = WebhookState::kSucceeded;
      result.response_body = std::move(attempt.response.body);
      break;
    }
    LogFailedAttempt(job, attempt.attempt, decision.retry);
    if (!decision.retry) {
      const bool cut_by_deadline =
          attempt.response.error == TransportError::kTimeout && timeout < webhook.timeout;
      output.deadline_exceeded = decision.deadline_exceeded || cut_by_deadline;
      result.state = WebhookState::kFailed;
      result.error = cut_by_deadline
                         ? fmt::format("{} (cut off by the event deadline)", attempt.attempt.error)
                         : fmt::format("{}; {}", attempt.attempt.error, decision.stop_reason);
      break;
    }
    clock_.SleepFor(decision.delay);
  }

  result.elapsed = duration_cast<microseconds>(clock_.Now() - started);
  if (result.state == WebhookState::kFailed) {
    spdlog::error("delivery failed: event={} webhook={} delivery_id={} attempts={} error=\"{}\"",
                  job.event, webhook.name, job.delivery_id, result.attempts.size(), result.error);
  }
  if (observer_ != nullptr) observer_->OnFinished(context, result);
  return output;
}

void Deliverer::LogFailedAttempt(const DeliveryJob& job, const Attempt& attempt,
                                 bool will_retry) const {
  if (will_retry) {
    spdlog::warn(
        "attempt failed, retrying: event={} webhook={} delivery_id={} attempt={} "
        "error=\"{}\" retry_in_ms={}",
        job.event, job.webhook->name, job.delivery_id, attempt.number, attempt.error,
        attempt.next_delay.count());
  } else {
    spdlog::warn("attempt failed: event={} webhook={} delivery_id={} attempt={} error=\"{}\"",
                 job.event, job.webhook->name, job.delivery_id, attempt.number, attempt.error);
  }
}

}  // namespace herald
