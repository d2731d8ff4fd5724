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
  recorder_ = std::thread([this] { RecordLoop(); });
  claimer_ = std::thread([this] { ClaimLoop(); });
  workers_.reserve(options_.workers);
  for (std::size_t i = 0; i < options_.workers; ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

std::size_t DeliveryWorkers::ClaimCapacity() const { return options_.workers * 4; }

std::size_t DeliveryWorkers::Used() const {
  return queue_.size() + running_ + to_record_.size() + recording_ + reserved_;
}

bool DeliveryWorkers::TryReserve(std::size_t count) {
  std::lock_guard lock(mutex_);
  // Half the capacity stays for the claimer, so retries and older
  // deliveries in the store are not starved by new ones.
  if (stopping_ || Used() + count > ClaimCapacity() / 2) return false;
  reserved_ += count;
  return true;
}

void DeliveryWorkers::Cancel(std::size_t count) {
  std::lock_guard lock(mutex_);
  reserved_ -= std::min(count, reserved_);
}

void DeliveryWorkers::Hand(std::vector<DeliveryRecord> records) {
  std::vector<std::string> unsent;
  {
    std::lock_guard lock(mutex_);
    reserved_ -= std::min(records.size(), reserved_);
    if (stopping_) {
      for (const DeliveryRecord& record : records) unsent.push_back(record.delivery_id);
    } else {
      for (DeliveryRecord& record : records) {
        ++in_flight_by_url_[record.url];
        queue_.push_back(std::move(record));
      }
    }
  }
  if (unsent.empty()) {
    // One wake-up per delivery, because waking every idle worker for one
    // delivery costs each of them a context switch.
    for (std::size_t i = 0; i < records.size(); ++i) work_ready_.notify_one();
    return;
  }
  // Stop() has already released the leases of the queue, so release these
  // here.
  if (Result<bool> released = store_.ReleaseLeases(unsent, clock_.WallNow()); !released.ok()) {
    spdlog::warn(
        "releasing {} deliveries failed; they are retried when their lease ends: "
        "error=\"{}\"",
        unsent.size(), released.error().message);
  }
}

void DeliveryWorkers::Notify() {
  {
    std::lock_guard lock(mutex_);
    notified_ = true;
  }
  claim_wanted_.notify_one();
}

void DeliveryWorkers::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !claimer_.joinable()) return;
    stopping_ = true;
  }
  claim_wanted_.notify_all();
  work_ready_.notify_all();
  if (claimer_.joinable()) claimer_.join();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }

  // Only now is the queue final. A claim that was running when Stop began
  // has added its deliveries, and Hand releases what it gets from now on.
  std::vector<std::string> unsent;
  {
    std::lock_guard lock(mutex_);
    workers_stopped_ = true;
    for (const DeliveryRecord& record : queue_) unsent.push_back(record.delivery_id);
    queue_.clear();
  }
  record_ready_.notify_all();
  // The recorder writes every attempt the workers finished before it ends.
  if (recorder_.joinable()) recorder_.join();

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
    const std::size_t used = Used();
    if (used > capacity / 2) {
      claim_wanted_.wait(lock, [&] { return stopping_ || Used() <= capacity / 2; });
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
    for (std::size_t i = 0; i < count; ++i) work_ready_.notify_one();
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
    Finished finished = Deliver(record);
    lock.lock();

    --running_;
    to_record_.push_back(std::move(finished));
    record_ready_.notify_one();
  }
}

void DeliveryWorkers::RecordLoop() {
  std::vector<Finished> batch;
  std::vector<AttemptOutcome> outcomes;
  std::unique_lock lock(mutex_);
  for (;;) {
    record_ready_.wait(lock, [&] { return workers_stopped_ || !to_record_.empty(); });
    if (to_record_.empty()) return;  // Only once the workers have stopped.
    batch.swap(to_record_);
    recording_ = batch.size();
    lock.unlock();

    // While this batch commits, the workers fill the next one.
    outcomes.clear();
    outcomes.reserve(batch.size());
    for (const Finished& finished : batch) outcomes.push_back(finished.outcome);
    const std::vector<Result<bool>> results = store_.RecordAttempts(outcomes);
    for (std::size_t i = 0; i < batch.size(); ++i) Report(batch[i], results[i]);

    lock.lock();
    recording_ = 0;
    bool failing_url_freed = false;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const std::string& url = batch[i].url;
      if (results[i].ok()) {
        url_failing_[url] = batch[i].outcome.update.status != DeliveryStatus::kSucceeded;
      }
      if (--in_flight_by_url_[url] == 0) in_flight_by_url_.erase(url);
      const auto failing = url_failing_.find(url);
      failing_url_freed |= failing != url_failing_.end() && failing->second;
    }
    batch.clear();
    // The claimer waits for half the capacity to be free. A finished
    // attempt to a failing URL also frees one of that URL's few slots.
    if (Used() <= ClaimCapacity() / 2 || failing_url_freed) claim_wanted_.notify_one();
  }
}

DeliveryWorkers::Finished DeliveryWorkers::Deliver(const DeliveryRecord& record) {
  const std::shared_ptr<const Runtime> runtime = runtime_.Current();
  const int number = record.attempts + 1;
  const WebhookConfig* webhook = runtime->FindWebhook(record.event, record.webhook);

  Finished finished{record.event, record.webhook, record.url, {}};
  AttemptRecord& attempt = finished.outcome.attempt;
  DeliveryUpdate& update = finished.outcome.update;
  attempt.delivery_id = record.delivery_id;
  attempt.number = number;
  if (webhook == nullptr) {
    // The config was reloaded without this webhook: its settings (timeout,
    // token, headers) are gone, so the delivery cannot be sent as intended.
    attempt.started_at = clock_.WallNow();
    attempt.error = fmt::format("webhook \"{}\" of event \"{}\" is no longer in the config",
                                record.webhook, record.event);
    update.status = DeliveryStatus::kFailed;
    update.updated_at = attempt.started_at;
    return finished;
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
  return finished;
}

bool DeliveryWorkers::AllowRetryLog() {
  const Clock::TimePoint now = clock_.Now();
  if (now - retry_log_window_start_ >= std::chrono::seconds(1)) {
    if (retry_logs_suppressed_ > 0) {
      spdlog::warn(
          "{} more failed attempts were not logged in the last second; "
          "herald_retries_total counts them all",
          retry_logs_suppressed_);
    }
    retry_log_window_start_ = now;
    retry_logs_in_window_ = 0;
    retry_logs_suppressed_ = 0;
  }
  if (retry_logs_in_window_ < options_.retry_logs_per_second) {
    ++retry_logs_in_window_;
    return true;
  }
  ++retry_logs_suppressed_;
  return false;
}

void DeliveryWorkers::Report(const Finished& finished, const Result<bool>& recorded) {
  const AttemptRecord& attempt = finished.outcome.attempt;
  const DeliveryUpdate& update = finished.outcome.update;
  if (!recorded.ok()) {
    // The lease runs out and the delivery is attempted again: at least once.
    spdlog::error(
        "recording attempt failed: event={} webhook={} delivery_id={} attempt={} "
        "error=\"{}\"",
        finished.event, finished.webhook, attempt.delivery_id, attempt.number,
        recorded.error().message);
    return;
  }

  const bool success = update.status == DeliveryStatus::kSucceeded;
  metrics_.ObserveAttempt(finished.event, finished.webhook, success ? "success" : "failure",
                          attempt.latency);
  if (update.status == DeliveryStatus::kPending) {
    metrics_.CountRetry(finished.event, finished.webhook);
    if (!AllowRetryLog()) return;
    spdlog::warn(
        "attempt failed, retrying: event={} webhook={} delivery_id={} attempt={} "
        "error=\"{}\" retry_in_ms={}",
        finished.event, finished.webhook, attempt.delivery_id, attempt.number, attempt.error,
        duration_cast<std::chrono::milliseconds>(update.next_attempt_at - update.updated_at)
            .count());
    return;
  }
  metrics_.CountDelivery(finished.event, finished.webhook, success ? "succeeded" : "failed");
  if (!success) {
    spdlog::error(
        "delivery given up: event={} webhook={} delivery_id={} attempts={} "
        "error=\"{}\"",
        finished.event, finished.webhook, attempt.delivery_id, attempt.number, attempt.error);
  }
}

}  // namespace herald
