#include "engine/thread_pool_runner.h"

#include <algorithm>

namespace herald {

ThreadPoolRunner::ThreadPoolRunner(std::size_t threads, Deliver deliver)
    : deliver_(std::move(deliver)) {
  threads = std::max<std::size_t>(threads, 1);
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { WorkerLoop(); });
  }
}

ThreadPoolRunner::~ThreadPoolRunner() {
  Drain();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  for (auto& thread : threads_) thread.join();
}

Result<bool> ThreadPoolRunner::Submit(AsyncDelivery delivery) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return Error{ErrorCode::kShuttingDown, "async runner is stopping"};
    }
    queue_.push_back(std::move(delivery));
  }
  work_ready_.notify_one();
  return true;
}

void ThreadPoolRunner::Drain() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return queue_.empty() && running_ == 0; });
}

void ThreadPoolRunner::WorkerLoop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) {
      return;  // Stopping, and nothing is left to deliver.
    }
    AsyncDelivery delivery = std::move(queue_.front());
    queue_.pop_front();
    ++running_;

    lock.unlock();
    deliver_(delivery);
    lock.lock();

    --running_;
    if (queue_.empty() && running_ == 0) idle_.notify_all();
  }
}

}  // namespace herald
