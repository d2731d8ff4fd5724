#ifndef HERALD_STORE_SQLITE_STORE_H_
#define HERALD_STORE_SQLITE_STORE_H_

// Store on one SQLite file in WAL mode.
//
// Writes (Enqueue, ClaimDue, RecordAttempt, RecordSyncDelivery, Redeliver,
// ApplyRetention) go to one writer thread with its own connection. It takes
// every request waiting in its queue, runs each in a savepoint of one
// transaction, commits once and then wakes all the callers. Queries
// (ListDeliveries, GetDelivery, Stats) use a pool of read connections;
// WAL lets them read the last committed state while the writer works.
//
// Durability: synchronous=FULL makes SQLite fsync the WAL on every commit,
// so a delivery that Enqueue accepted survives a power loss. NORMAL only
// fsyncs at checkpoints and can lose the last commits on power loss,
// although the file stays consistent. store_bench measures both.
// ClaimDue batches are the exception: they commit under NORMAL, because a
// lost lease only makes deliveries due again after a restart.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "herald/result.h"
#include "store/store.h"

namespace herald {

struct SqliteStoreOptions {
  // Database file. Missing parent directories are created.
  std::string path;
  // How long a statement waits for a lock held by another process before
  // failing with kUnavailable.
  std::chrono::milliseconds busy_timeout{std::chrono::seconds(5)};
  // Attempt response bodies longer than this are truncated to this many
  // bytes before they are stored.
  std::size_t max_response_body_bytes = 4096;
  // Connections for ListDeliveries, GetDelivery and Stats; at least 1.
  std::size_t read_connections = 2;
  // true: synchronous=FULL. false: synchronous=NORMAL, which may lose the
  // latest commits on power loss; meant for benchmarks and throwaway data.
  bool fsync_every_commit = true;
  // Whether to make pending deliveries without attempts that are due in
  // the future due now when the store opens. Only a lease puts such a
  // delivery in the future, so set it when no other process uses the file
  // and every lease found belongs to a process that has stopped. Leased
  // retries (attempts above 0) still wait for their lease to end.
  bool release_unattempted_leases = false;
};

// Opens or creates the store at options.path, creating or migrating the
// schema, and starts its writer thread. Fails with kInvalidArgument when
// the path is empty or is a directory, and with kUnavailable when the
// file cannot be created or opened, is not a SQLite database, or was
// written by a newer herald schema.
[[nodiscard]] Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteStoreOptions& options);

}  // namespace herald

#endif  // HERALD_STORE_SQLITE_STORE_H_
