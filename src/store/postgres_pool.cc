#include "store/postgres_pool.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace herald::pg {

ConnectionPool::Lease::~Lease() {
  if (connection_ != nullptr) pool_->Return(std::move(connection_));
}

ConnectionPool::ConnectionPool(ConnectionString target, SessionSettings session, std::size_t size,
                               std::unique_ptr<Connection> first)
    : target_(std::move(target)), session_(session), size_(size) {
  idle_.push_back(std::move(first));
  open_ = 1;
}

Result<ConnectionPool::Lease> ConnectionPool::Acquire() {
  std::unique_ptr<Connection> connection;
  {
    std::unique_lock lock(mutex_);
    returned_.wait(lock, [this] { return !idle_.empty() || open_ < size_; });
    if (!idle_.empty()) {
      connection = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_;  // Reserves the slot while connecting without the lock.
    }
  }

  if (connection == nullptr) {
    Result<std::unique_ptr<Connection>> opened = Connection::Open(target_, session_);
    if (!opened.ok()) {
      {
        std::lock_guard lock(mutex_);
        --open_;
      }
      returned_.notify_one();
      return opened.error();
    }
    return Lease(this, std::move(opened).value());
  }

  if (connection->CheckLost()) {
    spdlog::warn("store: connection to PostgreSQL {} was closed; reconnecting",
                 connection->safe_name());
    if (Result<bool> reconnected = connection->Reconnect(); !reconnected.ok()) {
      Return(std::move(connection));  // Stays lost; the next Acquire retries.
      return reconnected.error();
    }
  }
  return Lease(this, std::move(connection));
}

void ConnectionPool::Return(std::unique_ptr<Connection> connection) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(connection));
  }
  returned_.notify_one();
}

}  // namespace herald::pg
