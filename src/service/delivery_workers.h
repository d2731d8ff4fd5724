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
#include "service/runtime.h"
#include "store/store.h"

namespace herald {

struct DeliveryWorkerOptions {
  // Threads that send deliveries; each makes one HTTP call at a time.
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
};

// Sends the outbox's due deliveries with the engine's retry rules.
//
// A claimer thread leases due deliveries from the store into a bounded
// in-memory queue. Each worker thread makes one attempt and records it
// with the delivery's next state (retry at a later time, succeeded, or
// failed) in one store transaction. Retries therefore wait on disk, not in
// memory, and survive restarts. Thread-safe.
class DeliveryWorkers {
 public:
  DeliveryWorkers(DeliveryWorkerOptions options, Store& store, const RuntimeHolder& runtime,
                  Clock& clock, Random& random, Metrics& metrics);
  ~DeliveryWorkers();

  void Start();

  // Wakes the claimer because deliveries were enqueued.
  void Notify();

  // Stops claiming and waits for the attempts in flight. Queued but
  // unsent deliveries stay pending in the store and are claimed again when
  // their lease runs out, at the latest at the next start.
  void Stop();

 private:
  void ClaimLoop();
  void WorkerLoop();
  void Deliver(const DeliveryRecord& record);
  void Finish(const DeliveryRecord& record, const AttemptRecord& attempt,
              const DeliveryUpdate& update);
  std::vector<std::string> SaturatedUrls() const;  // Requires mutex_.
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
  std::deque<DeliveryRecord> queue_;      // Guarded by mutex_.
  std::size_t running_ = 0;               // Guarded by mutex_.
  bool notified_ = false;                 // Guarded by mutex_.
  bool stopping_ = false;                 // Guarded by mutex_.
  // Deliveries queued or running, by URL; guarded by mutex_.
  std::map<std::string, std::size_t, std::less<>> in_flight_by_url_;
  // URLs whose last attempt failed; guarded by mutex_.
  std::map<std::string, bool, std::less<>> url_failing_;

  std::thread claimer_;
  std::vector<std::thread> workers_;
};

}  // namespace herald

#endif  // HERALD_SERVICE_DELIVERY_WORKERS_H_
