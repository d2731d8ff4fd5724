#include "store/group_commit.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace herald {

GroupCommitWriter::GroupCommitWriter(std::unique_ptr<sqlite::Connection> connection,
                                     bool fsync_commits)
    : connection_(std::move(connection)),
      fsync_commits_(fsync_commits),
      fsync_now_(fsync_commits),
      thread_([this] { Loop(); }) {}

GroupCommitWriter::~GroupCommitWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_one();
  thread_.join();
}

Result<bool> GroupCommitWriter::Run(Job job, Sync sync) {
  Pending pending{std::move(job), sync, std::nullopt, false};
  {
    std::unique_lock lock(mutex_);
    if (stopping_) {
      return Error{ErrorCode::kShuttingDown, "the store is closing and accepts no writes"};
    }
    queue_.push_back(&pending);
  }
  work_ready_.notify_one();

  std::unique_lock lock(mutex_);
  batch_done_.wait(lock, [&pending] { return pending.done; });
  if (pending.error.has_value()) return *std::move(pending.error);
  return true;
}

std::vector<Result<bool>> GroupCommitWriter::RunAll(std::vector<Job> jobs, Sync sync) {
  std::vector<Pending> pending(jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    pending[i].job = std::move(jobs[i]);
    pending[i].sync = sync;
  }
  std::vector<Result<bool>> results;
  results.reserve(pending.size());
  {
    std::unique_lock lock(mutex_);
    if (stopping_) {
      for (std::size_t i = 0; i < pending.size(); ++i) {
        results.emplace_back(
            Error{ErrorCode::kShuttingDown, "the store is closing and accepts no writes"});
      }
      return results;
    }
    for (Pending& item : pending) queue_.push_back(&item);
  }
  work_ready_.notify_one();

  std::unique_lock lock(mutex_);
  batch_done_.wait(lock, [&pending] {
    return std::all_of(pending.begin(), pending.end(),
                       [](const Pending& item) { return item.done; });
  });
  for (Pending& item : pending) {
    if (item.error.has_value()) {
      results.emplace_back(*std::move(item.error));
    } else {
      results.emplace_back(true);
    }
  }
  return results;
}

void GroupCommitWriter::Loop() {
  std::vector<Pending*> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      // Jobs queued before the destructor started still run.
      if (queue_.empty()) return;
      batch.swap(queue_);
    }

    CommitBatch(batch);

    {
      std::lock_guard lock(mutex_);
      for (Pending* pending : batch) pending->done = true;
    }
    batch_done_.notify_all();
    batch.clear();
  }
}

void GroupCommitWriter::SetFsync(bool fsync) {
  if (fsync == fsync_now_) return;
  const char* sql = fsync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL";
  if (Result<bool> set = connection_->Execute(sql); !set.ok()) {
    // The batch then commits with the previous setting: an extra fsync,
    // or none for jobs that asked for none.
    spdlog::warn("store: {} failed: {}", sql, set.error().message);
    return;
  }
  fsync_now_ = fsync;
}

void GroupCommitWriter::CommitBatch(const std::vector<Pending*>& batch) {
  sqlite::Connection& db = *connection_;
  const bool any_fsync = std::any_of(batch.begin(), batch.end(), [](const Pending* pending) {
    return pending->sync == Sync::kFsync;
  });
  SetFsync(fsync_commits_ && any_fsync);

  auto fail_unfinished = [&batch](const Error& error) {
    for (Pending* pending : batch) {
      if (!pending->error.has_value()) pending->error = error;
    }
  };

  // IMMEDIATE takes the write lock now, so a lock held by another process
  // fails here, under the busy timeout, instead of in the middle of a job.
  if (Result<bool> begun = db.Execute("BEGIN IMMEDIATE"); !begun.ok()) {
    spdlog::error("store: starting a write transaction failed: {}", begun.error().message);
    fail_unfinished(begun.error());
    return;
  }

  for (Pending* pending : batch) {
    if (!RunInSavepoint(*pending)) {
      Error aborted = *pending->error;
      aborted.message = "transaction aborted by another write in its batch: " + aborted.message;
      fail_unfinished(aborted);
      if (!db.InAutocommit()) (void)db.Execute("ROLLBACK");
      return;
    }
  }

  if (Result<bool> committed = db.Execute("COMMIT"); !committed.ok()) {
    spdlog::error("store: committing {} write(s) failed: {}", batch.size(),
                  committed.error().message);
    fail_unfinished(committed.error());
    if (!db.InAutocommit()) {
      // Best effort: the commit error above is what the callers need.
      (void)db.Execute("ROLLBACK");
    }
  }
}

bool GroupCommitWriter::RunInSavepoint(Pending& pending) {
  sqlite::Connection& db = *connection_;
  if (Result<bool> saved = db.Execute("SAVEPOINT job"); !saved.ok()) {
    pending.error = saved.error();
    return !db.InAutocommit();
  }

  Result<bool> outcome = pending.job(db);
  if (outcome.ok()) {
    if (Result<bool> released = db.Execute("RELEASE job"); !released.ok()) {
      pending.error = released.error();
      return false;
    }
    return true;
  }

  pending.error = outcome.error();
  if (db.InAutocommit()) return false;
  // Undo only this job's changes; ROLLBACK TO keeps the savepoint open,
  // so RELEASE closes it.
  if (!db.Execute("ROLLBACK TO job").ok() || !db.Execute("RELEASE job").ok()) return false;
  return true;
}

}  // namespace herald
