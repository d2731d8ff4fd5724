#include "service/delivery_workers.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "engine/retry_policy.h"

namespace herald {

using std::chrono::duration_cast;
using std::chrono::system_clock;

namespace {

// Maximum pause after a claim that skipped failing URLs and came back
// short. New deliveries to healthy URLs wait up to this long.
constexpr std::chrono::seconds kMaxExcludingClaimPause{2};

}  // namespace

DeliveryWorkers::DeliveryWorkers(DeliveryWorkerOptions options, Store& store,
                                 const RuntimeHolder& runtime, Clock& clock, Random& random,
                                 Metrics& metrics)
    : options_(options),
      store_(store),
      runtime_(runtime),
      clock_(clock),
      random_(random),
      metrics_(metrics) {}

DeliveryWorkers::~DeliveryWorkers() { Stop(); }

void DeliveryWorkers::Start() {
  claimer_ = std::thread([this] { ClaimLoop(); });
  workers_.reserve(options_.workers);
  for (std::size_t i = 0; i < options_.workers; ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

std::size_t DeliveryWorkers::ClaimCapacity() const { return options_.workers * 4; }

void DeliveryWorkers::Notify() {
  {
    std::lock_guard lock(mutex_);
    notified_ = true;
  }
  claim_wanted_.notify_one();
}

void DeliveryWorkers::Stop() {
  std::vector<std::string> unsent;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !claimer_.joinable()) return;
    stopping_ = true;
    for (const DeliveryRecord& record : queue_) unsent.push_back(record.delivery_id);
    queue_.clear();
  }
  claim_wanted_.notify_all();
  work_ready_.notify_all();
  if (claimer_.joinable()) claimer_.join();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }

  // Claimed but unsent deliveries would otherwise wait for their lease to
  // run out after the next start. If this fails they still come back then.
  if (Result<bool> released = store_.ReleaseLeases(unsent, clock_.WallNow()); !released.ok()) {
    spdlog::warn(
        "releasing {} claimed deliveries failed; they are retried when their lease "
        "ends: error=\"{}\"",
        unsent.size(), released.error().message);
  }
}

std::vector<std::string> DeliveryWorkers::SaturatedUrls() const {
  std::vector<std::string> saturated;
  for (const auto& [url, count] : in_flight_by_url_) {
    const auto failing = url_failing_.find(url);
    const bool is_failing = failing != url_failing_.end() && failing->second;
    // Only a failing URL is capped. A healthy one may fill the queue: each
    // capped URL makes every claim read past all of its due deliveries.
    if (is_failing && count >= options_.failing_url_concurrency) {
      saturated.push_back(url);
    }
  }
  return saturated;
}

void DeliveryWorkers::ClaimLoop() {
  // The queue and the running attempts hold at most ClaimCapacity()
  // deliveries, so memory stays bounded however many deliveries wait in
  // the store. The claimer waits until half of that is free, so one claim
  // (one store transaction) feeds many attempts.
  const std::size_t capacity = ClaimCapacity();
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const std::size_t used = queue_.size() + running_;
    if (used > capacity / 2) {
      claim_wanted_.wait(lock,
                         [&] { return stopping_ || queue_.size() + running_ <= capacity / 2; });
      continue;
    }

    ClaimRequest request;
    request.now = clock_.WallNow();
    request.limit = capacity - used;
    request.lease = options_.lease;
    request.exclude_urls = SaturatedUrls();
    notified_ = false;
    lock.unlock();
    const auto claim_started = std::chrono::steady_clock::now();
    Result<std::vector<DeliveryRecord>> claimed = store_.ClaimDue(request);
    const auto claim_time = std::chrono::steady_clock::now() - claim_started;
    lock.lock();

    if (!claimed.ok()) {
      spdlog::error("outbox claim failed, retrying in 1s: error=\"{}\"", claimed.error().message);
      claim_wanted_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; });
      continue;
    }
    const std::size_t count = claimed->size();
    for (DeliveryRecord& record : claimed.value()) {
      ++in_flight_by_url_[record.url];
      queue_.push_back(std::move(record));
    }
    if (count > 0) work_ready_.notify_all();
    if (count < request.limit && !request.exclude_urls.empty()) {
      // A claim that skips URLs reads past every due delivery to them, which
      // during an outage can be the whole outbox. Pausing ten times as long
      // as the claim took, whatever is enqueued meanwhile, keeps such claims
      // to about a tenth of the store writer's time.
      const auto pause = std::clamp<std::chrono::steady_clock::duration>(
          10 * claim_time, options_.poll_interval, kMaxExcludingClaimPause);
      claim_wanted_.wait_for(lock, pause, [&] { return stopping_; });
    } else if (count < request.limit) {
      // Caught up: wait for new deliveries or for retries to become due.
      claim_wanted_.wait_for(lock, options_.poll_interval, [&] { return stopping_ || notified_; });
    }
  }
}

void DeliveryWorkers::WorkerLoop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    DeliveryRecord record = std::move(queue_.front());
    queue_.pop_front();
    ++running_;

    lock.unlock();
    Deliver(record);
    lock.lock();

    --running_;
    if (--in_flight_by_url_[record.url] == 0) in_flight_by_url_.erase(record.url);
    // The claimer waits for half the capacity to be free. A finished
    // attempt to a failing URL also frees one of that URL's few slots.
    const auto failing = url_failing_.find(record.url);
    if (queue_.size() + running_ == ClaimCapacity() / 2 ||
        (failing != url_failing_.end() && failing->second)) {
      claim_wanted_.notify_one();
    }
  }
}

void DeliveryWorkers::Deliver(const DeliveryRecord& record) {
  const std::shared_ptr<const Runtime> runtime = runtime_.Current();
  const int number = record.attempts + 1;
  const WebhookConfig* webhook = runtime->FindWebhook(record.event, record.webhook);

  AttemptRecord attempt;
  attempt.delivery_id = record.delivery_id;
  attempt.number = number;
  DeliveryUpdate update;
  if (webhook == nullptr) {
    // The config was reloaded without this webhook: its settings (timeout,
    // token, headers) are gone, so the delivery cannot be sent as intended.
    attempt.started_at = clock_.WallNow();
    attempt.error = fmt::format("webhook \"{}\" of event \"{}\" is no longer in the config",
                                record.webhook, record.event);
    update.status = DeliveryStatus::kFailed;
    update.updated_at = attempt.started_at;
    Finish(record, attempt, update);
    return;
  }

  DeliveryJob job;
  job.webhook = webhook;
  job.event = record.event;
  job.body = record.body;
  job.delivery_id = record.delivery_id;
  AttemptOutput output = runtime->deliverer->AttemptOnce(job, number, webhook->timeout);

  const auto now = clock_.WallNow();
  const RetryDecision decision =
      DecideRetry(output.classification, output.response, number, record.max_attempts,
                  runtime->config->retry, std::nullopt, random_, now);
  attempt.started_at = output.attempt.started_at;
  attempt.latency = output.attempt.latency;
  attempt.status = output.attempt.status;
  attempt.error = output.attempt.error;
  attempt.response_body = std::move(output.attempt.response_excerpt);
  update.updated_at = now;
  if (output.classification.verdict == Verdict::kSuccess) {
    update.status = DeliveryStatus::kSucceeded;
  } else if (decision.retry) {
    update.status = DeliveryStatus::kPending;
    update.next_attempt_at = now + duration_cast<system_clock::duration>(decision.delay);
  } else {
    update.status = DeliveryStatus::kFailed;
    attempt.error = fmt::format("{}; {}", attempt.error, decision.stop_reason);
  }
  Finish(record, attempt, update);
}

void DeliveryWorkers::Finish(const DeliveryRecord& record, const AttemptRecord& attempt,
                             const DeliveryUpdate& update) {
  Result<bool> recorded = store_.RecordAttempt(attempt, update);
  if (!recorded.ok()) {
    // The lease runs out and the delivery is attempted again: at least once.
    spdlog::error(
        "recording attempt failed: event={} webhook={} delivery_id={} attempt={} "
        "error=\"{}\"",
        record.event, record.webhook, record.delivery_id, attempt.number, recorded.error().message);
    return;
  }

  const bool success = update.status == DeliveryStatus::kSucceeded;
  {
    std::lock_guard lock(mutex_);
    url_failing_[record.url] = !success;
  }
  metrics_.ObserveAttempt(record.event, record.webhook, success ? "success" : "failure",
                          attempt.latency);
  if (update.status == DeliveryStatus::kPending) {
    metrics_.CountRetry(record.event, record.webhook);
    // NOTE: one line per failed attempt, not rate-limited: an outage with a
    // large backlog logs every retry (herald_retries_total counts them too).
    spdlog::warn(
        "attempt failed, retrying: event={} webhook={} delivery_id={} attempt={} "
        "error=\"{}\" next_attempt_at={}",
        record.event, record.webhook, record.delivery_id, attempt.number, attempt.error,
        duration_cast<std::chrono::milliseconds>(update.next_attempt_at.time_since_epoch())
            .count());
    return;
  }
  metrics_.CountDelivery(record.event, record.webhook, success ? "succeeded" : "failed");
  if (!success) {
    spdlog::error(
        "delivery given up: event={} webhook={} delivery_id={} attempts={} "
        "error=\"{}\"",
        record.event, record.webhook, record.delivery_id, attempt.number, attempt.error);
  }
}

}  // namespace herald
