#ifndef HERALD_STORE_GROUP_COMMIT_H_
#define HERALD_STORE_GROUP_COMMIT_H_

// One writer thread that owns a SQLite connection and commits the write
// jobs of many callers together.
//
// Each loop takes every job waiting in the queue, opens one transaction,
// runs each job inside its own savepoint, and commits. The callers are
// woken after the commit, so each caller's Run returns only when its job
// is durable. A job that fails is rolled back to its savepoint and gets
// its own error; the other jobs of the batch still commit. When BEGIN or
// COMMIT fails, or SQLite aborts the transaction (I/O error, full disk),
// every job of the batch that has not already failed gets that error.
//
// A batch whose jobs all ran with Sync::kNoFsync commits without fsync,
// under synchronous=NORMAL. Its changes reach the disk with the next
// fsynced commit or checkpoint, and power loss before then loses them.
//
// Thread safety: Run may be called from any number of threads. Jobs run
// one at a time on the writer thread.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "herald/result.h"
#include "store/sqlite_db.h"

namespace herald {

class GroupCommitWriter {
 public:
  // A job writes through the connection inside an open transaction and
  // returns an error to have its changes rolled back. It must not begin,
  // commit or roll back the transaction itself. Results the job produces
  // should be written to variables it captured; the caller reads them only
  // when Run succeeds.
  using Job = std::function<Result<bool>(sqlite::Connection&)>;

  enum class Sync {
    kFsync,    // Run returns once the commit is on disk.
    kNoFsync,  // Losing the commit on power loss is harmless.
  };

  // Starts the writer thread, which owns `connection` from now on.
  // `fsync_commits` false commits every batch without fsync.
  GroupCommitWriter(std::unique_ptr<sqlite::Connection> connection, bool fsync_commits);

  // Finishes every job already queued, then stops the thread.
  ~GroupCommitWriter();

  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  // Queues `job` and blocks until its transaction has committed or failed.
  // Returns the job's error, the transaction's error, or kShuttingDown
  // once the destructor has started.
  Result<bool> Run(Job job, Sync sync = Sync::kFsync);

  // Queues every job of `jobs` at once and blocks until all have committed
  // or failed. Each job runs in its own savepoint, as with Run, so one
  // job's failure leaves the others to commit. Returns one result per job,
  // in order.
  std::vector<Result<bool>> RunAll(std::vector<Job> jobs, Sync sync = Sync::kFsync);

 private:
  struct Pending {
    Job job;
    Sync sync = Sync::kFsync;
    std::optional<Error> error;
    bool done = false;
  };

  void Loop();
  void CommitBatch(const std::vector<Pending*>& batch);
  // Sets PRAGMA synchronous when it differs from the current setting.
  void SetFsync(bool fsync);
  // Runs one job inside a savepoint. Returns false when SQLite rolled the
  // whole transaction back, so the batch cannot go on.
  bool RunInSavepoint(Pending& pending);

  std::unique_ptr<sqlite::Connection> connection_;
  const bool fsync_commits_;
  bool fsync_now_;  // Current synchronous setting; writer thread only.

  std::mutex mutex_;
  std::condition_variable work_ready_;  // Signals the writer: queue_ grew.
  std::condition_variable batch_done_;  // Signals callers: a batch ended.
  // Guarded by mutex_. Points to Pending objects on the callers' stacks;
  // each caller waits until its entry is done.
  std::vector<Pending*> queue_;
  bool stopping_ = false;  // Guarded by mutex_.

  std::thread thread_;  // Last member: starts after the others exist.
};

}  // namespace herald

#endif  // HERALD_STORE_GROUP_COMMIT_H_
