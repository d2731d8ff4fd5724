#ifndef HERALD_ENGINE_THREAD_POOL_RUNNER_H_
#define HERALD_ENGINE_THREAD_POOL_RUNNER_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "herald/dispatcher.h"

namespace herald {

// Runs async deliveries on a fixed pool of threads, in memory. Deliveries
// still queued when the process dies are lost; the service uses its
// durable outbox instead.
//
// Thread-safe. The destructor drains the queue, then joins the threads.
class ThreadPoolRunner final : public AsyncRunner {
 public:
  using Deliver = std::function<void(const AsyncDelivery&)>;

  ThreadPoolRunner(std::size_t threads, Deliver deliver);
  ~ThreadPoolRunner() override;

  Result<bool> Submit(AsyncDelivery delivery) override;
  void Drain() override;

 private:
  void WorkerLoop();

  const Deliver deliver_;
  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable idle_;
  std::deque<AsyncDelivery> queue_;  // Guarded by mutex_.
  std::size_t running_ = 0;          // Guarded by mutex_.
  bool stopping_ = false;            // Guarded by mutex_.
  std::vector<std::thread> threads_;
};

}  // namespace herald

#endif  // HERALD_ENGINE_THREAD_POOL_RUNNER_H_
