#include "service/delivery_log_writer.h"

#include <spdlog/spdlog.h>

namespace herald {

DeliveryLogWriter::DeliveryLogWriter(Store& store, Metrics& metrics, std::size_t max_queued)
    : store_(store),
      metrics_(metrics),
      max_queued_(max_queued),
      thread_([this] { WriterLoop(); }) {}

DeliveryLogWriter::~DeliveryLogWriter() { Stop(); }

void DeliveryLogWriter::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  queued_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DeliveryLogWriter::OnAttempt(const DeliveryContext& context, const Attempt& attempt) {
  metrics_.ObserveAttempt(context.event, context.webhook,
                          attempt.error.empty() ? "success" : "failure", attempt.latency);
  if (attempt.next_delay.count() > 0) metrics_.CountRetry(context.event, context.webhook);
}

void DeliveryLogWriter::OnFinished(const DeliveryContext& context, const WebhookResult& result) {
  const bool succeeded = result.state == WebhookState::kSucceeded;
  metrics_.CountDelivery(context.event, context.webhook, succeeded ? "succeeded" : "failed");
  if (context.async || result.attempts.empty()) return;

  Entry entry;
  DeliveryRecord& delivery = entry.delivery;
  delivery.delivery_id = result.delivery_id;
  delivery.event = context.event;
  delivery.webhook = context.webhook;
  delivery.url = context.url;
  delivery.async = false;
  delivery.max_attempts = context.max_attempts;
  delivery.created_at = result.attempts.front().started_at;
  delivery.next_attempt_at = delivery.created_at;
  delivery.status = succeeded ? DeliveryStatus::kSucceeded : DeliveryStatus::kFailed;
  delivery.attempts = static_cast<int>(result.attempts.size());
  delivery.last_status = result.attempts.back().status;
  delivery.last_error = result.error;
  delivery.updated_at = result.attempts.back().started_at +
                        std::chrono::duration_cast<std::chrono::system_clock::duration>(
                            result.attempts.back().latency);
  for (const Attempt& attempt : result.attempts) {
    entry.attempts.push_back({result.delivery_id, attempt.number, attempt.started_at,
                              attempt.latency, attempt.status, attempt.error,
                              attempt.response_excerpt});
  }

  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= max_queued_) {
      metrics_.CountDeliveryLogDropped();
      return;
    }
    queue_.push_back(std::move(entry));
  }
  queued_.notify_one();
}

void DeliveryLogWriter::WriterLoop() {
  // Records per transaction at most; each transaction costs one fsync.
  constexpr std::size_t kMaxBatch = 512;
  std::vector<Entry> batch;
  std::unique_lock lock(mutex_);
  for (;;) {
    queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;
    while (!queue_.empty() && batch.size() < kMaxBatch) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }

    lock.unlock();
    WriteBatch(batch);
    batch.clear();
    lock.lock();
  }
}

void DeliveryLogWriter::WriteBatch(const std::vector<Entry>& batch) {
  const Result<bool> written = store_.RecordSyncDeliveries(batch);
  if (written.ok()) return;
  if (batch.size() == 1) {
    spdlog::error("delivery log write failed: delivery_id={} error=\"{}\"",
                  batch.front().delivery.delivery_id, written.error().message);
    return;
  }

  spdlog::warn(
      "delivery log batch write failed, writing its {} records one by one: "
      "error=\"{}\"",
      batch.size(), written.error().message);
  for (const Entry& entry : batch) {
    const Result<bool> single = store_.RecordSyncDelivery(entry.delivery, entry.attempts);
    if (!single.ok()) {
      spdlog::error("delivery log write failed: delivery_id={} error=\"{}\"",
                    entry.delivery.delivery_id, single.error().message);
    }
  }
}

}  // namespace herald
