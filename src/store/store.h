#ifndef HERALD_STORE_STORE_H_
#define HERALD_STORE_STORE_H_

// The outbox and delivery log behind `herald serve`.
//
// The outbox contains async deliveries that were accepted but not yet
// finished. Workers claim due deliveries, send them, and record each
// attempt together with the delivery's new state. The retry schedule is
// the delivery's next_attempt_at column, so retries survive restarts. The
// delivery log is the same table plus one row per attempt, for sync and
// async deliveries alike.
//
// Delivery is at least once: a worker that crashes after sending but
// before RecordAttempt commits leaves the delivery pending, and it is sent
// again once its lease runs out. Receivers deduplicate on the delivery id.
//
// Thread safety: every method of Store may be called from any number of
// threads at once. The object must outlive all calls, and destroying it
// while a call is running is undefined.
//
// Errors: no method throws. Failures come back as Error values:
//   kInvalidArgument  the input can never succeed (duplicate delivery id,
//                     malformed cursor, attempt number already recorded);
//   kNotFound         RecordAttempt named a delivery that does not exist;
//   kUnavailable      the database failed (I/O error, disk full, locked by
//                     another process past the busy timeout, corrupt file,
//                     server unreachable, statement timeout); retrying
//                     later may help;
//   kShuttingDown     the store is being destroyed;
//   kInternal         a bug, such as invalid SQL.
// A failed write leaves the database as it was before that call, except
// ApplyRetention, which commits in chunks.
//
// Implementations: SqliteStore (sqlite_store.h) serializes all writes in
// one process, and its ClaimDue relies on that for exclusive leases, so
// one herald instance uses one SQLite file. PostgresStore
// (postgres_store.h) lets several instances share one database, because
// its ClaimDue locks rows with SELECT ... FOR UPDATE SKIP LOCKED.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "herald/result.h"

namespace herald {

enum class DeliveryStatus {
  // Waiting for its next attempt, or leased to a worker by ClaimDue.
  kPending,
  // An attempt succeeded.
  kSucceeded,
  // Gave up: attempts ran out or a failure was not retryable.
  kFailed,
};

// Returns "pending", "succeeded" or "failed".
std::string_view DeliveryStatusName(DeliveryStatus status);

// Parses a name returned by DeliveryStatusName. Returns nullopt for any
// other string.
std::optional<DeliveryStatus> ParseDeliveryStatus(std::string_view name);

// A delivery to add to the outbox.
struct NewDelivery {
  // Unique across the store; sent as the X-Herald-Delivery header.
  std::string delivery_id;
  std::string event;    // Catalogue name of the event.
  std::string webhook;  // Name of the webhook in the config.
  std::string url;
  bool async = true;
  // The exact bytes to send; may be several MB. Stored as a BLOB.
  std::string body;
  // Attempts allowed in total, including the first. At least 1.
  int max_attempts = 1;
  std::chrono::system_clock::time_point created_at;
  // When the first attempt is due; usually created_at.
  std::chrono::system_clock::time_point next_attempt_at;
};

// A delivery as stored. Timestamps are stored with microsecond precision,
// rounded down.
struct DeliveryRecord {
  std::string delivery_id;
  std::string event;
  std::string webhook;
  std::string url;
  bool async = true;
  // Empty in ListDeliveries results, which do not load bodies; body_size
  // is always set.
  std::string body;
  std::size_t body_size = 0;
  int max_attempts = 1;
  std::chrono::system_clock::time_point created_at;
  // For a pending delivery: when it is next due. While a worker holds a
  // lease this is the lease's end. Unchanged once the delivery finishes.
  std::chrono::system_clock::time_point next_attempt_at;

  DeliveryStatus status = DeliveryStatus::kPending;
  int attempts = 0;        // Attempts recorded so far.
  int last_status = 0;     // HTTP status of the latest attempt; 0 for none.
  std::string last_error;  // Error of the latest attempt; empty on success.
  std::chrono::system_clock::time_point updated_at;
  // Set once the status is kSucceeded or kFailed.
  std::optional<std::chrono::system_clock::time_point> completed_at;
  // The delivery this one re-sends, when created by Redeliver.
  std::optional<std::string> redelivery_of;
};

// One HTTP attempt of one delivery.
struct AttemptRecord {
  std::string delivery_id;
  int number = 1;  // One-based, unique per delivery.
  std::chrono::system_clock::time_point started_at;
  std::chrono::microseconds latency{0};
  int status = 0;     // HTTP status; 0 when no response was received.
  std::string error;  // Empty on success.
  // Stored truncated to the store's max_response_body_bytes option.
  std::string response_body;
};

// The state a delivery moves to after an attempt.
struct DeliveryUpdate {
  // kPending schedules a retry at next_attempt_at. kSucceeded and kFailed
  // finish the delivery and set completed_at to updated_at.
  DeliveryStatus status = DeliveryStatus::kPending;
  // Used only with kPending.
  std::chrono::system_clock::time_point next_attempt_at;
  std::chrono::system_clock::time_point updated_at;
};

// Parameters of ClaimDue.
struct ClaimRequest {
  std::chrono::system_clock::time_point now;
  // Maximum number of deliveries to return; at least 1.
  std::size_t limit = 64;
  // How long the claimed deliveries stay invisible to other claims. A
  // worker that has not called RecordAttempt by then loses the delivery
  // to the next claim, which makes lease expiry the crash recovery.
  std::chrono::milliseconds lease{std::chrono::seconds(60)};
  // Deliveries to these exact URLs are skipped and stay due, so a worker
  // pool can keep an endpoint that is already busy or failing from taking
  // every worker. Each skipped due delivery still costs a row read, so a
  // claim behind many due deliveries to excluded URLs is slower.
  std::vector<std::string> exclude_urls;
};

// Conditions for ListDeliveries. Unset fields match everything.
struct DeliveryFilter {
  std::optional<std::string> event;
  std::optional<std::string> webhook;
  std::optional<DeliveryStatus> status;
  // Exclusive bounds on created_at.
  std::optional<std::chrono::system_clock::time_point> created_after;
  std::optional<std::chrono::system_clock::time_point> created_before;
  // Page size; values above kMaxListLimit are lowered to it, 0 is invalid.
  std::size_t limit = 50;
  // next_cursor of the previous page, empty for the first page. A cursor
  // is opaque and only valid with the filter that produced it.
  std::string cursor;
};

inline constexpr std::size_t kMaxListLimit = 500;

// One page of the delivery log, newest created_at first.
struct DeliveryPage {
  std::vector<DeliveryRecord> deliveries;
  // Cursor for the next page; empty when this is the last page.
  std::string next_cursor;
};

// One finished attempt and the state its delivery moves to, for
// RecordAttempts.
struct AttemptOutcome {
  AttemptRecord attempt;
  DeliveryUpdate update;
};

// A finished sync delivery and its attempts, for RecordSyncDeliveries.
struct SyncDeliveryLog {
  DeliveryRecord delivery;
  std::vector<AttemptRecord> attempts;
};

struct DeliveryDetail {
  DeliveryRecord delivery;
  std::vector<AttemptRecord> attempts;  // By attempt number.
};

struct OutboxStats {
  std::int64_t pending = 0;  // Includes leased deliveries.
  std::int64_t due = 0;      // Pending with next_attempt_at <= now.
  std::int64_t succeeded = 0;
  std::int64_t failed = 0;
  // Of the oldest pending delivery; unset when nothing is pending.
  std::optional<std::chrono::system_clock::time_point> oldest_pending_created_at;
  // now minus oldest_pending_created_at; zero when nothing is pending.
  std::chrono::microseconds oldest_pending_age{0};
};

struct RetentionResult {
  std::int64_t deliveries_deleted = 0;
  std::int64_t attempts_deleted = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Adds pending deliveries to the outbox, all or none. Returns once the
  // transaction is durable on disk. SqliteStore group-commits concurrent
  // calls: one writer runs all waiting calls in one transaction with one
  // fsync.
  // Fails with kInvalidArgument for an empty delivery id, max_attempts
  // below 1, or an id that is already stored. Then nothing of this call is
  // stored, but concurrent calls in the same transaction still commit. An
  // empty vector succeeds without touching the database.
  [[nodiscard]] virtual Result<bool> Enqueue(std::vector<NewDelivery> deliveries) = 0;

  // Returns up to request.limit pending deliveries with
  // next_attempt_at <= request.now, ordered by next_attempt_at and then by
  // insertion order, with their bodies. Sets their next_attempt_at to
  // now + lease, so no later claim returns them until the lease runs out,
  // and no concurrent claim returns them either, including claims of other
  // processes when the store is shared. Reads only `limit` rows whatever
  // the size of the outbox, plus the due rows it skips.
  // Implementations need not make the lease durable: after a crash the
  // claimed deliveries may be due again at once.
  [[nodiscard]] virtual Result<std::vector<DeliveryRecord>> ClaimDue(
      const ClaimRequest& request) = 0;

  // Makes the given pending deliveries due at `now`, ending the leases
  // that ClaimDue took on them, for a worker pool that stops before sending
  // what it claimed. Ids that are unknown or finished are skipped. Durable
  // like a claim: after a crash the leases run out on their own.
  [[nodiscard]] virtual Result<bool> ReleaseLeases(const std::vector<std::string>& delivery_ids,
                                                   std::chrono::system_clock::time_point now) = 0;

  // Appends an attempt to the delivery log and moves its delivery to
  // `update` in one durable, group-committed transaction. Fails with
  // kNotFound for an unknown delivery id. Fails with kInvalidArgument when
  // the delivery has already finished, or when this attempt number is
  // already recorded, which happens when a worker's lease ran out and a
  // second worker claimed the same delivery. A failed call changes nothing.
  [[nodiscard]] virtual Result<bool> RecordAttempt(const AttemptRecord& attempt,
                                                   const DeliveryUpdate& update) = 0;

  // Records several attempts, each as RecordAttempt would, in one durable
  // transaction with one fsync. Each outcome gets its own result, in
  // order: one that fails changes nothing and the others still commit.
  // When the transaction itself fails, every outcome gets its error. An
  // empty vector returns an empty vector without touching the database.
  [[nodiscard]] virtual std::vector<Result<bool>> RecordAttempts(
      const std::vector<AttemptOutcome>& outcomes) = 0;

  // Adds a finished sync delivery and its attempts to the delivery log in
  // one durable transaction. delivery.status must be kSucceeded or
  // kFailed, and each attempt's delivery_id must be empty or equal to
  // delivery.delivery_id. body_size and redelivery_of are ignored.
  [[nodiscard]] virtual Result<bool> RecordSyncDelivery(
      const DeliveryRecord& delivery, const std::vector<AttemptRecord>& attempts) = 0;

  // Adds several finished sync deliveries, each as RecordSyncDelivery
  // would, in one durable transaction: all or none. One fsync then covers
  // the whole batch. An empty vector succeeds without touching the
  // database.
  [[nodiscard]] virtual Result<bool> RecordSyncDeliveries(
      const std::vector<SyncDeliveryLog>& deliveries) = 0;

  // Returns one page of deliveries matching `filter`, newest created_at
  // first, without bodies. Pages are keyed on (created_at, row id), so
  // following next_cursor never returns a delivery twice and skips none
  // that matched throughout, even while others are added or deleted.
  // Runs on a read connection, so it does not wait for writes.
  [[nodiscard]] virtual Result<DeliveryPage> ListDeliveries(const DeliveryFilter& filter) = 0;

  // Returns the delivery with its body and its attempts, or nullopt when
  // no delivery has this id. Reads from one consistent snapshot.
  [[nodiscard]] virtual Result<std::optional<DeliveryDetail>> GetDelivery(
      std::string_view delivery_id) = 0;

  // Adds a new pending async delivery that re-sends delivery `delivery_id`:
  // same event, webhook, url, body and max_attempts, created and due at
  // `now`, with redelivery_of set. The original may be in any status.
  // Returns the new delivery, or nullopt when the original does not exist.
  // Fails with kInvalidArgument when new_delivery_id is empty or taken.
  [[nodiscard]] virtual Result<std::optional<DeliveryRecord>> Redeliver(
      std::string_view delivery_id, std::string new_delivery_id,
      std::chrono::system_clock::time_point now) = 0;

  // Returns counts by status and the age of the oldest pending delivery.
  // The counts scan their indexes, so the cost grows with the row count.
  [[nodiscard]] virtual Result<OutboxStats> Stats(std::chrono::system_clock::time_point now) = 0;

  // Deletes finished (succeeded or failed) deliveries and their attempts
  // when created before now - max_age, or when not among the
  // max_finished_rows newest finished deliveries by created_at. Never
  // deletes a pending delivery. Deletes in small transactions, so writes
  // of other callers wait for one small transaction at most. When one
  // fails, the error is returned and the rows deleted before it stay
  // deleted, uncounted.
  [[nodiscard]] virtual Result<RetentionResult> ApplyRetention(
      std::chrono::system_clock::time_point now, std::chrono::seconds max_age,
      std::size_t max_finished_rows) = 0;
};

}  // namespace herald

#endif  // HERALD_STORE_STORE_H_
