#ifndef HERALD_SERVICE_DELIVERY_WORKERS_H_
#define HERALD_SERVICE_DELIVERY_WORKERS_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "herald/clock.h"
#include "service/metrics.h"
#include "service/outbox_runner.h"
#include "service/runtime.h"
#include "store/store.h"

namespace herald {

struct DeliveryWorkerOptions {
  // Threads that send deliveries. Each makes one HTTP call at a time and
  // hands its result to the recorder thread instead of writing it.
  std::size_t workers = 16;
  // How long a claimed delivery stays invisible to other claims. It must
  // exceed the longest webhook timeout, or a slow attempt is sent twice.
  std::chrono::milliseconds lease{std::chrono::seconds(60)};
  // How often the outbox is polled for retries that became due while
  // nothing new was enqueued.
  std::chrono::milliseconds poll_interval{std::chrono::milliseconds(100)};
  // Deliveries in flight to a URL whose last attempt failed. Keeps a
  // broken or hanging endpoint from occupying every worker while healthy
  // endpoints wait.
  std::size_t failing_url_concurrency = 2;
  // "attempt failed, retrying" lines logged per second at most. During an
  // outage with a large backlog the rest are summed up in one line per
  // second. Given-up deliveries are always logged.
  std::size_t retry_logs_per_second = 20;
};

// Sends the outbox's due deliveries with the engine's retry rules.
//
// A claimer thread leases due deliveries from the store into a bounded
// in-memory queue, and OutboxRunner hands freshly stored deliveries to the
// same queue while it has room. Each worker thread makes one attempt at a
// time and passes the result to a recorder thread. The recorder writes
// each batch of finished attempts, with their deliveries' next states
// (retry at a later time, succeeded, or failed), in one store transaction,
// so workers do not wait for commits. Retries wait on disk, not in memory,
// and survive restarts. Thread-safe.
class DeliveryWorkers final : public DeliveryHandoff {
 public:
  DeliveryWorkers(DeliveryWorkerOptions options, Store& store, const RuntimeHolder& runtime,
                  Clock& clock, Random& random, Metrics& metrics);
  ~DeliveryWorkers() override;

  void Start();

  // Wakes the claimer because deliveries were enqueued.
  void Notify();

  // Stops claiming and waits for the attempts in flight and their
  // records. Queued but unsent deliveries are released in the store and
  // claimed again at the next start.
  void Stop();

  // DeliveryHandoff.
  bool TryReserve(std::size_t count) override;
  void Hand(std::vector<DeliveryRecord> records) override;
  void Cancel(std::size_t count) override;
  void NotifyStored() override { Notify(); }
  std::chrono::milliseconds lease() const override { return options_.lease; }

 private:
  // An attempt waiting for the recorder, with what its logs and metrics
  // name.
  struct Finished {
    std::string event;
    std::string webhook;
    std::string url;
    AttemptOutcome outcome;
  };

  void ClaimLoop();
  void WorkerLoop();
  void RecordLoop();
  Finished Deliver(const DeliveryRecord& record);
  // Logs and counts one recorded attempt. Called by the recorder only.
  void Report(const Finished& finished, const Result<bool>& recorded);
  // Whether one more retry line fits this second's budget. Recorder only.
  bool AllowRetryLog();
  std::vector<std::string> SaturatedUrls() const;  // Requires mutex_.
  // Deliveries queued, running, waiting for the recorder or reserved.
  std::size_t Used() const;  // Requires mutex_.
  // Deliveries queued and running at most.
  std::size_t ClaimCapacity() const;

  const DeliveryWorkerOptions options_;
  Store& store_;
  const RuntimeHolder& runtime_;
  Clock& clock_;
  Random& random_;
  Metrics& metrics_;

  mutable std::mutex mutex_;
  std::condition_variable work_ready_;    // Workers wait for the queue.
  std::condition_variable claim_wanted_;  // The claimer waits for room or news.
  std::condition_variable record_ready_;  // The recorder waits for attempts.
  std::deque<DeliveryRecord> queue_;      // Guarded by mutex_.
  std::vector<Finished> to_record_;       // Guarded by mutex_.
  std::size_t running_ = 0;               // Guarded by mutex_.
  std::size_t recording_ = 0;             // Taken by the recorder; guarded by mutex_.
  std::size_t reserved_ = 0;              // Guarded by mutex_.
  bool notified_ = false;                 // Guarded by mutex_.
  bool stopping_ = false;                 // Guarded by mutex_.
  bool workers_stopped_ = false;          // Guarded by mutex_.
  // Deliveries queued, running or being recorded, by URL; guarded by
  // mutex_.
  std::map<std::string, std::size_t, std::less<>> in_flight_by_url_;
  // URLs whose last attempt failed; guarded by mutex_.
  std::map<std::string, bool, std::less<>> url_failing_;

  // Retry log budget; used by the recorder thread only.
  Clock::TimePoint retry_log_window_start_{};
  std::size_t retry_logs_in_window_ = 0;
  std::size_t retry_logs_suppressed_ = 0;

  std::thread claimer_;
  std::thread recorder_;
  std::vector<std::thread> workers_;
};

}  // namespace herald

#endif  // HERALD_SERVICE_DELIVERY_WORKERS_H_
