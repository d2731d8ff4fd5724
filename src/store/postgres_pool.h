#ifndef HERALD_STORE_POSTGRES_POOL_H_
#define HERALD_STORE_POSTGRES_POOL_H_

// A fixed-size pool of PostgreSQL connections, opened on demand and
// reopened when the server has closed them.

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "herald/result.h"
#include "store/postgres_connection.h"

namespace herald::pg {

class ConnectionPool {
 public:
  // A connection lent to one caller; returns it to the pool when
  // destroyed.
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    ~Lease();
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  // `first` is an open connection that joins the pool; at most `size`
  // connections exist at once.
  ConnectionPool(ConnectionString target, SessionSettings session, std::size_t size,
                 std::unique_ptr<Connection> first);

  // Returns an idle connection, opens a new one while fewer than `size`
  // exist, or waits until one is returned. A connection found lost is
  // reconnected first. Fails with kUnavailable when connecting fails; the
  // next call tries again.
  Result<Lease> Acquire();

 private:
  void Return(std::unique_ptr<Connection> connection);

  const ConnectionString target_;
  const SessionSettings session_;
  const std::size_t size_;

  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;  // Guarded by mutex_.
  std::size_t open_ = 0;                           // Idle and lent connections; guarded by mutex_.
};

}  // namespace herald::pg

#endif  // HERALD_STORE_POSTGRES_POOL_H_
