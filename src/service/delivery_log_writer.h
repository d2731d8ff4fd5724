#ifndef HERALD_SERVICE_DELIVERY_LOG_WRITER_H_
#define HERALD_SERVICE_DELIVERY_LOG_WRITER_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "herald/dispatcher.h"
#include "service/metrics.h"
#include "store/store.h"

namespace herald {

// Records finished sync deliveries in the delivery log from a background
// thread, so the sync path never waits for a disk flush. The queue is
// bounded: when it is full a record is dropped and counted in
// herald_delivery_log_dropped_total rather than growing memory.
//
// Also the service's DeliveryObserver: it feeds attempt metrics for sync
// calls. Thread-safe.
class DeliveryLogWriter final : public DeliveryObserver {
 public:
  DeliveryLogWriter(Store& store, Metrics& metrics, std::size_t max_queued);
  ~DeliveryLogWriter() override;

  void OnAttempt(const DeliveryContext& context, const Attempt& attempt) override;
  void OnFinished(const DeliveryContext& context, const WebhookResult& result) override;

  // Writes what is queued, then stops the thread. Later records are
  // dropped.
  void Stop();

 private:
  using Entry = SyncDeliveryLog;

  void WriterLoop();
  // Writes `batch` in one transaction. When that fails, writes each entry
  // on its own, so one bad record does not lose the others.
  void WriteBatch(const std::vector<Entry>& batch);

  Store& store_;
  Metrics& metrics_;
  const std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<Entry> queue_;  // Guarded by mutex_.
  bool stopping_ = false;    // Guarded by mutex_.
  std::thread thread_;
};

}  // namespace herald

#endif  // HERALD_SERVICE_DELIVERY_LOG_WRITER_H_
