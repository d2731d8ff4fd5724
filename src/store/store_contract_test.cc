// The Store contract of store.h, checked against every implementation:
// each test runs once per backend (SQLite, PostgreSQL) on an empty
// database. Tests of one backend's own behaviour (query plans, files,
// connections) are in sqlite_store_test.cc and postgres_store_test.cc.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/postgres_store.h"
#include "store/sqlite_store.h"
#include "store/store.h"
#include "testing/postgres_test_server.h"

namespace herald {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

// A fixed time whole in microseconds, so values survive storage exactly.
const system_clock::time_point kT0{seconds(1'700'000'000)};

// Store options that a contract test may change; each factory maps them to
// its backend's options.
struct StoreSettings {
  // Unset keeps the backend's default.
  std::optional<std::size_t> max_response_body_bytes;
  // false lets the store skip flushing commits, for tests that write many
  // rows and do not test durability.
  bool durable = true;
};

// Creates an empty database for one test and opens stores on it.
class StoreFactory {
 public:
  virtual ~StoreFactory() = default;
  // Creates the database. May skip or fail the test with gtest macros.
  virtual void Prepare() = 0;
  // Opens a store on the database; a second call opens it again.
  virtual Result<std::unique_ptr<Store>> Open(const StoreSettings& settings) = 0;
};

class SqliteFactory : public StoreFactory {
 public:
  ~SqliteFactory() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  void Prepare() override {
    std::string pattern = ::testing::TempDir() + "herald_store_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }

  Result<std::unique_ptr<Store>> Open(const StoreSettings& settings) override {
    SqliteStoreOptions options;
    options.path = dir_ + "/outbox.db";
    if (settings.max_response_body_bytes.has_value()) {
      options.max_response_body_bytes = *settings.max_response_body_bytes;
    }
    options.fsync_every_commit = settings.durable;
    return OpenSqliteStore(options);
  }

 private:
  std::string dir_;
};

// Uses a new database on the test program's PostgreSQL server, which runs
// with fsync=off, so `durable` makes no difference.
class PostgresFactory : public StoreFactory {
 public:
  void Prepare() override {
    HERALD_REQUIRE_POSTGRES_SERVER();
    Result<std::string> database = test::PostgresTestServer::Shared().CreateDatabase();
    ASSERT_TRUE(database.ok()) << database.error().message;
    connection_string_ = test::PostgresTestServer::Shared().ConnectionString(database.value());
  }

  Result<std::unique_ptr<Store>> Open(const StoreSettings& settings) override {
    PostgresStoreOptions options;
    options.connection_string = connection_string_;
    if (settings.max_response_body_bytes.has_value()) {
      options.max_response_body_bytes = *settings.max_response_body_bytes;
    }
    return OpenPostgresStore(options);
  }

 private:
  std::string connection_string_;
};

struct Backend {
  const char* name;
  std::unique_ptr<StoreFactory> (*make_factory)();
};

void PrintTo(const Backend& backend, std::ostream* out) { *out << backend.name; }

class StoreContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    factory_ = GetParam().make_factory();
    factory_->Prepare();
    if (IsSkipped() || HasFatalFailure()) return;
    Open();
  }

  void TearDown() override {
    store_.reset();
    factory_.reset();
  }

  void Open(StoreSettings settings = {}) {
    store_.reset();
    Result<std::unique_ptr<Store>> opened = factory_->Open(settings);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
  }

  static NewDelivery MakeDelivery(std::string id, system_clock::time_point created,
                                  std::string event = "model.deployed",
                                  std::string webhook = "audit") {
    NewDelivery delivery;
    delivery.delivery_id = std::move(id);
    delivery.event = std::move(event);
    delivery.webhook = std::move(webhook);
    delivery.url = "http://127.0.0.1:9/" + delivery.webhook;
    delivery.async = true;
    delivery.body = R"({"event_type":")" + delivery.event + R"("})";
    delivery.max_attempts = 3;
    delivery.created_at = created;
    delivery.next_attempt_at = created;
    return delivery;
  }

  void EnqueueOne(NewDelivery delivery) {
    std::vector<NewDelivery> batch;
    batch.push_back(std::move(delivery));
    Result<bool> done = store_->Enqueue(std::move(batch));
    ASSERT_TRUE(done.ok()) << done.error().message;
  }

  std::vector<std::string> ClaimIds(system_clock::time_point now, std::size_t limit = 100,
                                    milliseconds lease = seconds(30)) {
    ClaimRequest request;
    request.now = now;
    request.limit = limit;
    request.lease = lease;
    Result<std::vector<DeliveryRecord>> claimed = store_->ClaimDue(request);
    EXPECT_TRUE(claimed.ok()) << claimed.error().message;
    std::vector<std::string> ids;
    if (!claimed.ok()) return ids;
    for (const DeliveryRecord& record : claimed.value()) ids.push_back(record.delivery_id);
    return ids;
  }

  static AttemptRecord MakeAttempt(std::string id, int number, int status, std::string error = "") {
    AttemptRecord attempt;
    attempt.delivery_id = std::move(id);
    attempt.number = number;
    attempt.started_at = kT0 + seconds(number);
    attempt.latency = std::chrono::microseconds(1500);
    attempt.status = status;
    attempt.error = std::move(error);
    attempt.response_body = "response " + std::to_string(number);
    return attempt;
  }

  static DeliveryUpdate Finish(DeliveryStatus status, system_clock::time_point at) {
    DeliveryUpdate update;
    update.status = status;
    update.updated_at = at;
    return update;
  }

  static DeliveryUpdate RetryAt(system_clock::time_point next, system_clock::time_point at) {
    DeliveryUpdate update;
    update.status = DeliveryStatus::kPending;
    update.next_attempt_at = next;
    update.updated_at = at;
    return update;
  }

  DeliveryDetail Get(const std::string& id) {
    Result<std::optional<DeliveryDetail>> detail = store_->GetDelivery(id);
    EXPECT_TRUE(detail.ok()) << detail.error().message;
    if (!detail.ok() || !detail.value().has_value()) {
      ADD_FAILURE() << "delivery " << id << " not found";
      return {};
    }
    return *detail.value();
  }

  std::unique_ptr<StoreFactory> factory_;
  std::unique_ptr<Store> store_;
};

TEST(DeliveryStatusTest, NamesRoundTrip) {
  for (DeliveryStatus status :
       {DeliveryStatus::kPending, DeliveryStatus::kSucceeded, DeliveryStatus::kFailed}) {
    EXPECT_EQ(ParseDeliveryStatus(DeliveryStatusName(status)), status);
  }
  EXPECT_EQ(DeliveryStatusName(DeliveryStatus::kFailed), "failed");
  EXPECT_FALSE(ParseDeliveryStatus("in_flight").has_value());
}

TEST_P(StoreContractTest, ClaimReturnsDueOldestFirst) {
  std::vector<NewDelivery> batch;
  batch.push_back(MakeDelivery("c", kT0 + seconds(3)));
  batch.push_back(MakeDelivery("a", kT0 + seconds(1)));
  batch.push_back(MakeDelivery("later", kT0 + seconds(100)));
  batch.push_back(MakeDelivery("b", kT0 + seconds(2)));
  ASSERT_TRUE(store_->Enqueue(std::move(batch)).ok());

  EXPECT_EQ(ClaimIds(kT0 + seconds(10)), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_P(StoreContractTest, ClaimReturnsFullRecord) {
  NewDelivery delivery = MakeDelivery("d1", kT0);
  delivery.body = std::string(2 * 1024 * 1024, 'x');  // Bodies may be MBs.
  EnqueueOne(delivery);

  ClaimRequest request;
  request.now = kT0;
  request.lease = seconds(30);
  Result<std::vector<DeliveryRecord>> claimed = store_->ClaimDue(request);
  ASSERT_TRUE(claimed.ok()) << claimed.error().message;
  ASSERT_EQ(claimed.value().size(), 1u);
  const DeliveryRecord& record = claimed.value()[0];
  EXPECT_EQ(record.delivery_id, "d1");
  EXPECT_EQ(record.event, delivery.event);
  EXPECT_EQ(record.webhook, delivery.webhook);
  EXPECT_EQ(record.url, delivery.url);
  EXPECT_TRUE(record.async);
  EXPECT_EQ(record.body, delivery.body);
  EXPECT_EQ(record.body_size, delivery.body.size());
  EXPECT_EQ(record.max_attempts, 3);
  EXPECT_EQ(record.status, DeliveryStatus::kPending);
  EXPECT_EQ(record.attempts, 0);
  EXPECT_EQ(record.created_at, kT0);
  EXPECT_EQ(record.next_attempt_at, kT0 + seconds(30));
  EXPECT_FALSE(record.completed_at.has_value());
}

TEST_P(StoreContractTest, ClaimRespectsLimit) {
  std::vector<NewDelivery> batch;
  for (int i = 0; i < 10; ++i)
    batch.push_back(MakeDelivery("d" + std::to_string(i), kT0 + seconds(i)));
  ASSERT_TRUE(store_->Enqueue(std::move(batch)).ok());

  EXPECT_EQ(ClaimIds(kT0 + seconds(60), 3), (std::vector<std::string>{"d0", "d1", "d2"}));
  EXPECT_EQ(ClaimIds(kT0 + seconds(60), 3), (std::vector<std::string>{"d3", "d4", "d5"}));
}

TEST_P(StoreContractTest, LeaseHidesClaimedUntilExpiry) {
  EnqueueOne(MakeDelivery("d1", kT0));

  EXPECT_EQ(ClaimIds(kT0, 10, seconds(30)), std::vector<std::string>{"d1"});
  EXPECT_TRUE(ClaimIds(kT0 + seconds(1)).empty());
  EXPECT_TRUE(ClaimIds(kT0 + seconds(30) - milliseconds(1)).empty());
  // The worker never reported back: the delivery returns after the lease.
  EXPECT_EQ(ClaimIds(kT0 + seconds(30)), std::vector<std::string>{"d1"});
}

TEST_P(StoreContractTest, ReleaseLeasesMakesClaimedDue) {
  EnqueueOne(MakeDelivery("d1", kT0));
  EnqueueOne(MakeDelivery("d2", kT0));
  ASSERT_EQ(ClaimIds(kT0, 10, seconds(60)), (std::vector<std::string>{"d1", "d2"}));

  ASSERT_TRUE(store_->ReleaseLeases({"d2", "unknown"}, kT0 + seconds(1)).ok());

  EXPECT_EQ(ClaimIds(kT0 + seconds(1)), std::vector<std::string>{"d2"});
  EXPECT_TRUE(ClaimIds(kT0 + seconds(2)).empty());  // d1 keeps its lease.
}

TEST_P(StoreContractTest, ReleaseLeasesSkipsFinished) {
  EnqueueOne(MakeDelivery("d1", kT0));
  ASSERT_EQ(ClaimIds(kT0, 10, seconds(60)), std::vector<std::string>{"d1"});
  AttemptRecord attempt;
  attempt.delivery_id = "d1";
  attempt.started_at = kT0;
  attempt.status = 200;
  ASSERT_TRUE(store_->RecordAttempt(attempt, Finish(DeliveryStatus::kSucceeded, kT0)).ok());

  ASSERT_TRUE(store_->ReleaseLeases({"d1"}, kT0).ok());

  EXPECT_TRUE(ClaimIds(kT0 + seconds(1)).empty());
  EXPECT_EQ(Get("d1").delivery.status, DeliveryStatus::kSucceeded);
}

TEST_P(StoreContractTest, ClaimSkipsExcludedUrls) {
  EnqueueOne(MakeDelivery("broken", kT0, "model.deployed", "broken"));
  EnqueueOne(MakeDelivery("fine", kT0 + seconds(1), "model.deployed", "fine"));

  ClaimRequest request;
  request.now = kT0 + seconds(5);
  request.exclude_urls = {"http://127.0.0.1:9/broken"};
  Result<std::vector<DeliveryRecord>> claimed = store_->ClaimDue(request);
  ASSERT_TRUE(claimed.ok()) << claimed.error().message;
  ASSERT_EQ(claimed.value().size(), 1u);
  EXPECT_EQ(claimed.value()[0].delivery_id, "fine");

  EXPECT_EQ(ClaimIds(kT0 + seconds(5)), std::vector<std::string>{"broken"});
}

TEST_P(StoreContractTest, ClaimRejectsZeroLimitAndLease) {
  ClaimRequest request;
  request.now = kT0;
  request.limit = 0;
  Result<std::vector<DeliveryRecord>> no_limit = store_->ClaimDue(request);
  ASSERT_FALSE(no_limit.ok());
  EXPECT_EQ(no_limit.error().code, ErrorCode::kInvalidArgument);

  request.limit = 1;
  request.lease = milliseconds(0);
  Result<std::vector<DeliveryRecord>> no_lease = store_->ClaimDue(request);
  ASSERT_FALSE(no_lease.ok());
  EXPECT_EQ(no_lease.error().code, ErrorCode::kInvalidArgument);
}

TEST_P(StoreContractTest, RetryNotClaimableBeforeDue) {
  EnqueueOne(MakeDelivery("d1", kT0));
  ASSERT_EQ(ClaimIds(kT0), std::vector<std::string>{"d1"});

  const auto retry_at = kT0 + seconds(300);
  Result<bool> recorded = store_->RecordAttempt(MakeAttempt("d1", 1, 503, "HTTP 503"),
                                                RetryAt(retry_at, kT0 + seconds(1)));
  ASSERT_TRUE(recorded.ok()) << recorded.error().message;

  // The retry time replaces the 30 s lease.
  EXPECT_TRUE(ClaimIds(kT0 + seconds(31)).empty());
  EXPECT_TRUE(ClaimIds(retry_at - milliseconds(1)).empty());
  EXPECT_EQ(ClaimIds(retry_at), std::vector<std::string>{"d1"});

  const DeliveryDetail detail = Get("d1");
  EXPECT_EQ(detail.delivery.status, DeliveryStatus::kPending);
  EXPECT_EQ(detail.delivery.attempts, 1);
  EXPECT_EQ(detail.delivery.last_status, 503);
  EXPECT_EQ(detail.delivery.last_error, "HTTP 503");
  EXPECT_EQ(detail.delivery.updated_at, kT0 + seconds(1));
}

TEST_P(StoreContractTest, SuccessFinishesDelivery) {
  EnqueueOne(MakeDelivery("d1", kT0));
  ASSERT_EQ(ClaimIds(kT0), std::vector<std::string>{"d1"});

  Result<bool> recorded = store_->RecordAttempt(
      MakeAttempt("d1", 1, 200), Finish(DeliveryStatus::kSucceeded, kT0 + seconds(2)));
  ASSERT_TRUE(recorded.ok()) << recorded.error().message;

  EXPECT_TRUE(ClaimIds(kT0 + std::chrono::hours(24)).empty());
  const DeliveryDetail detail = Get("d1");
  EXPECT_EQ(detail.delivery.status, DeliveryStatus::kSucceeded);
  EXPECT_EQ(detail.delivery.attempts, 1);
  EXPECT_EQ(detail.delivery.last_status, 200);
  ASSERT_TRUE(detail.delivery.completed_at.has_value());
  EXPECT_EQ(*detail.delivery.completed_at, kT0 + seconds(2));
}

TEST_P(StoreContractTest, FailureFinishesDelivery) {
  EnqueueOne(MakeDelivery("d1", kT0));
  ASSERT_TRUE(
      store_->RecordAttempt(MakeAttempt("d1", 1, 500, "HTTP 500"), RetryAt(kT0 + seconds(1), kT0))
          .ok());
  ASSERT_TRUE(store_
                  ->RecordAttempt(MakeAttempt("d1", 2, 0, "connection refused"),
                                  Finish(DeliveryStatus::kFailed, kT0 + seconds(3)))
                  .ok());

  EXPECT_TRUE(ClaimIds(kT0 + std::chrono::hours(24)).empty());
  const DeliveryDetail detail = Get("d1");
  EXPECT_EQ(detail.delivery.status, DeliveryStatus::kFailed);
  EXPECT_EQ(detail.delivery.attempts, 2);
  EXPECT_EQ(detail.delivery.last_status, 0);
  EXPECT_EQ(detail.delivery.last_error, "connection refused");
  ASSERT_TRUE(detail.delivery.completed_at.has_value());
  EXPECT_EQ(*detail.delivery.completed_at, kT0 + seconds(3));
}

TEST_P(StoreContractTest, RecordAttemptRejectsBadUpdates) {
  Result<bool> unknown =
      store_->RecordAttempt(MakeAttempt("nope", 1, 200), Finish(DeliveryStatus::kSucceeded, kT0));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);

  EnqueueOne(MakeDelivery("d1", kT0));
  ASSERT_TRUE(
      store_->RecordAttempt(MakeAttempt("d1", 1, 503), RetryAt(kT0 + seconds(5), kT0)).ok());

  Result<bool> repeated =
      store_->RecordAttempt(MakeAttempt("d1", 1, 200), Finish(DeliveryStatus::kSucceeded, kT0));
  ASSERT_FALSE(repeated.ok());
  EXPECT_EQ(repeated.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(repeated.error().message.find("already recorded"), std::string::npos);
  // The rejected attempt changed nothing.
  EXPECT_EQ(Get("d1").delivery.status, DeliveryStatus::kPending);

  ASSERT_TRUE(
      store_->RecordAttempt(MakeAttempt("d1", 2, 200), Finish(DeliveryStatus::kSucceeded, kT0))
          .ok());
  Result<bool> after_finish =
      store_->RecordAttempt(MakeAttempt("d1", 3, 200), Finish(DeliveryStatus::kSucceeded, kT0));
  ASSERT_FALSE(after_finish.ok());
  EXPECT_EQ(after_finish.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Get("d1").attempts.size(), 2u);
}

TEST_P(StoreContractTest, RecordAttemptsGivesEachOutcomeItsResult) {
  EnqueueOne(MakeDelivery("d1", kT0));
  EnqueueOne(MakeDelivery("d2", kT0));
  EnqueueOne(MakeDelivery("d3", kT0));

  std::vector<AttemptOutcome> outcomes;
  outcomes.push_back({MakeAttempt("d1", 1, 200), Finish(DeliveryStatus::kSucceeded, kT0)});
  outcomes.push_back({MakeAttempt("unknown", 1, 200), Finish(DeliveryStatus::kSucceeded, kT0)});
  outcomes.push_back(
      {MakeAttempt("d2", 1, 503, "HTTP 503"), RetryAt(kT0 + seconds(5), kT0 + seconds(1))});
  // The second outcome for d2 repeats attempt number 1 and must fail alone.
  outcomes.push_back({MakeAttempt("d2", 1, 200), Finish(DeliveryStatus::kSucceeded, kT0)});
  const std::vector<Result<bool>> results = store_->RecordAttempts(outcomes);

  ASSERT_EQ(results.size(), 4u);
  EXPECT_TRUE(results[0].ok());
  ASSERT_FALSE(results[1].ok());
  EXPECT_EQ(results[1].error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(results[2].ok());
  ASSERT_FALSE(results[3].ok());
  EXPECT_EQ(results[3].error().code, ErrorCode::kInvalidArgument);

  EXPECT_EQ(Get("d1").delivery.status, DeliveryStatus::kSucceeded);
  const DeliveryDetail d2 = Get("d2");
  EXPECT_EQ(d2.delivery.status, DeliveryStatus::kPending);
  EXPECT_EQ(d2.delivery.last_status, 503);
  EXPECT_EQ(d2.delivery.next_attempt_at, kT0 + seconds(5));
  ASSERT_EQ(d2.attempts.size(), 1u);
  EXPECT_EQ(Get("d3").delivery.attempts, 0);

  EXPECT_TRUE(store_->RecordAttempts({}).empty());
}

TEST_P(StoreContractTest, EnqueueIsAllOrNothing) {
  EnqueueOne(MakeDelivery("taken", kT0));

  std::vector<NewDelivery> batch;
  batch.push_back(MakeDelivery("fresh", kT0));
  batch.push_back(MakeDelivery("taken", kT0));
  Result<bool> duplicate = store_->Enqueue(std::move(batch));
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(duplicate.error().message.find("taken"), std::string::npos);

  Result<std::optional<DeliveryDetail>> fresh = store_->GetDelivery("fresh");
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE(fresh.value().has_value());
}

TEST_P(StoreContractTest, EnqueueRejectsInvalidFields) {
  NewDelivery no_id = MakeDelivery("", kT0);
  std::vector<NewDelivery> first{no_id};
  Result<bool> empty_id = store_->Enqueue(first);
  ASSERT_FALSE(empty_id.ok());
  EXPECT_EQ(empty_id.error().code, ErrorCode::kInvalidArgument);

  NewDelivery no_attempts = MakeDelivery("d1", kT0);
  no_attempts.max_attempts = 0;
  std::vector<NewDelivery> second{no_attempts};
  Result<bool> zero_attempts = store_->Enqueue(second);
  ASSERT_FALSE(zero_attempts.ok());
  EXPECT_EQ(zero_attempts.error().code, ErrorCode::kInvalidArgument);

  EXPECT_TRUE(store_->Enqueue({}).ok());
}

TEST_P(StoreContractTest, PendingSurvivesReopen) {
  std::vector<NewDelivery> batch;
  for (int i = 0; i < 20; ++i)
    batch.push_back(MakeDelivery("d" + std::to_string(i), kT0 + seconds(i)));
  ASSERT_TRUE(store_->Enqueue(std::move(batch)).ok());
  ASSERT_TRUE(
      store_
          ->RecordAttempt(MakeAttempt("d0", 1, 503, "HTTP 503"), RetryAt(kT0 + seconds(1000), kT0))
          .ok());
  ASSERT_TRUE(
      store_->RecordAttempt(MakeAttempt("d1", 1, 200), Finish(DeliveryStatus::kSucceeded, kT0))
          .ok());

  Open();

  Result<OutboxStats> stats = store_->Stats(kT0 + seconds(100));
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats.value().pending, 19);
  EXPECT_EQ(stats.value().succeeded, 1);

  const DeliveryDetail retried = Get("d0");
  EXPECT_EQ(retried.delivery.next_attempt_at, kT0 + seconds(1000));
  ASSERT_EQ(retried.attempts.size(), 1u);
  EXPECT_EQ(retried.attempts[0].status, 503);
  EXPECT_EQ(retried.attempts[0].error, "HTTP 503");
  EXPECT_EQ(Get("d1").attempts.size(), 1u);
  // d0 waits for its retry; d1 has finished.
  EXPECT_EQ(ClaimIds(kT0 + seconds(100)).size(), 18u);
}

TEST_P(StoreContractTest, ConcurrentEnqueueStoresEachOnce) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 1000;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &failures] {
      for (int i = 0; i < kPerThread; ++i) {
        std::vector<NewDelivery> single;
        single.push_back(
            MakeDelivery(std::to_string(t) + "-" + std::to_string(i), kT0 + seconds(i)));
        if (!store_->Enqueue(std::move(single)).ok()) ++failures[static_cast<std::size_t>(t)];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int count : failures) EXPECT_EQ(count, 0);

  Result<OutboxStats> stats = store_->Stats(kT0);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats.value().pending, kThreads * kPerThread);

  std::set<std::string> seen;
  std::size_t claimed = 0;
  for (;;) {
    std::vector<std::string> ids = ClaimIds(kT0 + seconds(kPerThread), 500);
    if (ids.empty()) break;
    claimed += ids.size();
    seen.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(claimed, static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

TEST_P(StoreContractTest, ConcurrentClaimsNeverOverlap) {
  std::vector<NewDelivery> batch;
  for (int i = 0; i < 2000; ++i) batch.push_back(MakeDelivery("d" + std::to_string(i), kT0));
  ASSERT_TRUE(store_->Enqueue(std::move(batch)).ok());

  constexpr int kThreads = 4;
  std::vector<std::vector<std::string>> claimed(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &claimed] {
      for (;;) {
        std::vector<std::string> ids = ClaimIds(kT0, 25);
        if (ids.empty()) return;
        auto& mine = claimed[static_cast<std::size_t>(t)];
        mine.insert(mine.end(), ids.begin(), ids.end());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  std::set<std::string> unique;
  std::size_t total = 0;
  for (const auto& ids : claimed) {
    total += ids.size();
    unique.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(total, 2000u);
  EXPECT_EQ(unique.size(), 2000u);
}

TEST_P(StoreContractTest, ListFiltersByFields) {
  std::vector<NewDelivery> batch;
  batch.push_back(MakeDelivery("a", kT0 + seconds(1), "model.deployed", "audit"));
  batch.push_back(MakeDelivery("b", kT0 + seconds(2), "model.deleted", "audit"));
  batch.push_back(MakeDelivery("c", kT0 + seconds(3), "model.deployed", "slack"));
  batch.push_back(MakeDelivery("d", kT0 + seconds(4), "model.deployed", "audit"));
  ASSERT_TRUE(store_->Enqueue(std::move(batch)).ok());
  ASSERT_TRUE(
      store_->RecordAttempt(MakeAttempt("d", 1, 200), Finish(DeliveryStatus::kSucceeded, kT0))
          .ok());

  auto list = [this](DeliveryFilter filter) {
    Result<DeliveryPage> page = store_->ListDeliveries(filter);
    EXPECT_TRUE(page.ok()) << page.error().message;
    std::vector<std::string> ids;
    if (!page.ok()) return ids;
    for (const DeliveryRecord& record : page.value().deliveries) {
      EXPECT_TRUE(record.body.empty());
      EXPECT_GT(record.body_size, 0u);
      ids.push_back(record.delivery_id);
    }
    return ids;
  };
  using Ids = std::vector<std::string>;

  EXPECT_EQ(list({}), (Ids{"d", "c", "b", "a"}));

  DeliveryFilter by_event;
  by_event.event = "model.deployed";
  EXPECT_EQ(list(by_event), (Ids{"d", "c", "a"}));

  DeliveryFilter by_webhook;
  by_webhook.webhook = "audit";
  EXPECT_EQ(list(by_webhook), (Ids{"d", "b", "a"}));

  DeliveryFilter by_status;
  by_status.status = DeliveryStatus::kSucceeded;
  EXPECT_EQ(list(by_status), (Ids{"d"}));

  DeliveryFilter by_time;
  by_time.created_after = kT0 + seconds(1);
  by_time.created_before = kT0 + seconds(4);
  EXPECT_EQ(list(by_time), (Ids{"c", "b"}));

  DeliveryFilter combined;
  combined.event = "model.deployed";
  combined.webhook = "audit";
  combined.status = DeliveryStatus::kPending;
  EXPECT_EQ(list(combined), (Ids{"a"}));
}

TEST_P(StoreContractTest, ListPagesWithoutGapsOrDuplicates) {
  // Groups of 7 share a created_at, so pages split ties.
  std::vector<NewDelivery> batch;
  for (int i = 0; i < 103; ++i) {
    const std::string event = i % 2 == 0 ? "model.deployed" : "model.deleted";
    batch.push_back(MakeDelivery("d" + std::to_string(i), kT0 + seconds(i / 7), event));
  }
  ASSERT_TRUE(store_->Enqueue(std::move(batch)).ok());

  for (const std::optional<std::string>& event :
       {std::optional<std::string>(), std::optional<std::string>("model.deployed")}) {
    DeliveryFilter filter;
    filter.event = event;
    filter.limit = 10;
    std::vector<std::string> ids;
    std::set<std::string> unique;
    system_clock::time_point previous = system_clock::time_point::max();
    int pages = 0;
    for (;;) {
      Result<DeliveryPage> page = store_->ListDeliveries(filter);
      ASSERT_TRUE(page.ok()) << page.error().message;
      ++pages;
      ASSERT_LE(page.value().deliveries.size(), 10u);
      for (const DeliveryRecord& record : page.value().deliveries) {
        EXPECT_LE(record.created_at, previous);
        previous = record.created_at;
        ids.push_back(record.delivery_id);
        unique.insert(record.delivery_id);
      }
      if (page.value().next_cursor.empty()) break;
      filter.cursor = page.value().next_cursor;
      ASSERT_LT(pages, 100) << "pagination does not end";
    }
    const std::size_t expected = event.has_value() ? 52u : 103u;
    EXPECT_EQ(ids.size(), expected);
    EXPECT_EQ(unique.size(), expected);
  }
}

TEST_P(StoreContractTest, ListValidatesLimitAndCursor) {
  std::vector<NewDelivery> batch;
  for (int i = 0; i < 600; ++i) batch.push_back(MakeDelivery("d" + std::to_string(i), kT0));
  ASSERT_TRUE(store_->Enqueue(std::move(batch)).ok());

  DeliveryFilter large;
  large.limit = 10'000;
  Result<DeliveryPage> clamped = store_->ListDeliveries(large);
  ASSERT_TRUE(clamped.ok());
  EXPECT_EQ(clamped.value().deliveries.size(), kMaxListLimit);
  EXPECT_FALSE(clamped.value().next_cursor.empty());

  DeliveryFilter defaults;
  Result<DeliveryPage> default_page = store_->ListDeliveries(defaults);
  ASSERT_TRUE(default_page.ok());
  EXPECT_EQ(default_page.value().deliveries.size(), 50u);

  DeliveryFilter zero;
  zero.limit = 0;
  Result<DeliveryPage> zero_page = store_->ListDeliveries(zero);
  ASSERT_FALSE(zero_page.ok());
  EXPECT_EQ(zero_page.error().code, ErrorCode::kInvalidArgument);

  for (const char* cursor : {"garbage", "12:", ":5", "1:2:3", "9x:1"}) {
    DeliveryFilter bad;
    bad.cursor = cursor;
    Result<DeliveryPage> page = store_->ListDeliveries(bad);
    ASSERT_FALSE(page.ok()) << cursor;
    EXPECT_EQ(page.error().code, ErrorCode::kInvalidArgument) << cursor;
  }
}

TEST_P(StoreContractTest, GetDeliveryReturnsAttemptsInOrder) {
  EnqueueOne(MakeDelivery("d1", kT0));
  ASSERT_TRUE(
      store_->RecordAttempt(MakeAttempt("d1", 1, 503, "HTTP 503"), RetryAt(kT0 + seconds(2), kT0))
          .ok());
  ASSERT_TRUE(
      store_->RecordAttempt(MakeAttempt("d1", 2, 502, "HTTP 502"), RetryAt(kT0 + seconds(4), kT0))
          .ok());
  ASSERT_TRUE(
      store_->RecordAttempt(MakeAttempt("d1", 3, 200), Finish(DeliveryStatus::kSucceeded, kT0))
          .ok());

  const DeliveryDetail detail = Get("d1");
  EXPECT_EQ(detail.delivery.body, R"({"event_type":"model.deployed"})");
  ASSERT_EQ(detail.attempts.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const AttemptRecord& attempt = detail.attempts[static_cast<std::size_t>(i)];
    EXPECT_EQ(attempt.delivery_id, "d1");
    EXPECT_EQ(attempt.number, i + 1);
    EXPECT_EQ(attempt.started_at, kT0 + seconds(i + 1));
    EXPECT_EQ(attempt.latency, std::chrono::microseconds(1500));
    EXPECT_EQ(attempt.response_body, "response " + std::to_string(i + 1));
  }
  EXPECT_EQ(detail.attempts[0].error, "HTTP 503");
  EXPECT_EQ(detail.attempts[2].status, 200);

  Result<std::optional<DeliveryDetail>> missing = store_->GetDelivery("missing");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing.value().has_value());
}

TEST_P(StoreContractTest, SyncDeliveriesBatchIsAllOrNone) {
  auto make = [](const std::string& id) {
    SyncDeliveryLog log;
    log.delivery.delivery_id = id;
    log.delivery.event = "model.deploying";
    log.delivery.webhook = "gate";
    log.delivery.url = "http://127.0.0.1:9/gate";
    log.delivery.async = false;
    log.delivery.max_attempts = 1;
    log.delivery.created_at = kT0;
    log.delivery.next_attempt_at = kT0;
    log.delivery.status = DeliveryStatus::kSucceeded;
    log.delivery.attempts = 1;
    log.delivery.last_status = 200;
    log.delivery.updated_at = kT0;
    log.attempts = {MakeAttempt(id, 1, 200)};
    return log;
  };

  EXPECT_TRUE(store_->RecordSyncDeliveries({}).ok());
  Result<bool> recorded = store_->RecordSyncDeliveries({make("b1"), make("b2")});
  ASSERT_TRUE(recorded.ok()) << recorded.error().message;
  EXPECT_EQ(Get("b1").attempts.size(), 1u);
  EXPECT_EQ(Get("b2").delivery.status, DeliveryStatus::kSucceeded);

  // "b1" exists already, so the whole batch fails and "b3" is not stored.
  Result<bool> duplicate = store_->RecordSyncDeliveries({make("b3"), make("b1")});
  EXPECT_FALSE(duplicate.ok());
  Result<std::optional<DeliveryDetail>> b3 = store_->GetDelivery("b3");
  ASSERT_TRUE(b3.ok());
  EXPECT_FALSE(b3.value().has_value());
}

TEST_P(StoreContractTest, SyncDeliveryJoinsLog) {
  DeliveryRecord sync;
  sync.delivery_id = "s1";
  sync.event = "model.deploying";
  sync.webhook = "gate";
  sync.url = "http://127.0.0.1:9/gate";
  sync.async = false;
  sync.body = "{}";
  sync.max_attempts = 2;
  sync.created_at = kT0;
  sync.next_attempt_at = kT0;
  sync.status = DeliveryStatus::kSucceeded;
  sync.attempts = 2;
  sync.last_status = 200;
  sync.updated_at = kT0 + seconds(1);
  std::vector<AttemptRecord> attempts{MakeAttempt("", 1, 503, "HTTP 503"),
                                      MakeAttempt("s1", 2, 200)};

  Result<bool> recorded = store_->RecordSyncDelivery(sync, attempts);
  ASSERT_TRUE(recorded.ok()) << recorded.error().message;

  const DeliveryDetail detail = Get("s1");
  EXPECT_FALSE(detail.delivery.async);
  EXPECT_EQ(detail.delivery.status, DeliveryStatus::kSucceeded);
  ASSERT_TRUE(detail.delivery.completed_at.has_value());
  EXPECT_EQ(*detail.delivery.completed_at, kT0 + seconds(1));
  ASSERT_EQ(detail.attempts.size(), 2u);
  EXPECT_EQ(detail.attempts[0].delivery_id, "s1");
  // A finished sync delivery is never claimed.
  EXPECT_TRUE(ClaimIds(kT0 + seconds(100)).empty());

  sync.delivery_id = "s2";
  sync.status = DeliveryStatus::kPending;
  Result<bool> pending = store_->RecordSyncDelivery(sync, {});
  ASSERT_FALSE(pending.ok());
  EXPECT_EQ(pending.error().code, ErrorCode::kInvalidArgument);

  sync.status = DeliveryStatus::kFailed;
  Result<bool> mismatched = store_->RecordSyncDelivery(sync, {MakeAttempt("other", 1, 500)});
  ASSERT_FALSE(mismatched.ok());
  EXPECT_EQ(mismatched.error().code, ErrorCode::kInvalidArgument);
}

TEST_P(StoreContractTest, RedeliverCopiesOriginal) {
  NewDelivery original = MakeDelivery("d1", kT0);
  original.body = std::string("binary\0body", 11);
  EnqueueOne(original);
  ASSERT_TRUE(store_
                  ->RecordAttempt(MakeAttempt("d1", 1, 500, "HTTP 500"),
                                  Finish(DeliveryStatus::kFailed, kT0 + seconds(1)))
                  .ok());

  const auto now = kT0 + seconds(3600);
  Result<std::optional<DeliveryRecord>> copy = store_->Redeliver("d1", "d1-again", now);
  ASSERT_TRUE(copy.ok()) << copy.error().message;
  ASSERT_TRUE(copy.value().has_value());
  const DeliveryRecord& record = *copy.value();
  EXPECT_EQ(record.delivery_id, "d1-again");
  EXPECT_EQ(record.status, DeliveryStatus::kPending);
  EXPECT_EQ(record.body, original.body);
  EXPECT_EQ(record.url, original.url);
  EXPECT_EQ(record.created_at, now);
  ASSERT_TRUE(record.redelivery_of.has_value());
  EXPECT_EQ(*record.redelivery_of, "d1");

  const DeliveryDetail stored = Get("d1-again");
  EXPECT_EQ(stored.delivery.body, original.body);
  EXPECT_EQ(stored.delivery.redelivery_of, std::optional<std::string>("d1"));
  EXPECT_TRUE(stored.attempts.empty());
  EXPECT_EQ(ClaimIds(now), std::vector<std::string>{"d1-again"});

  Result<std::optional<DeliveryRecord>> missing = store_->Redeliver("nope", "x", now);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing.value().has_value());

  Result<std::optional<DeliveryRecord>> duplicate_id = store_->Redeliver("d1", "d1-again", now);
  ASSERT_FALSE(duplicate_id.ok());
  EXPECT_EQ(duplicate_id.error().code, ErrorCode::kInvalidArgument);
}

TEST_P(StoreContractTest, StatsCountsByStatus) {
  Result<OutboxStats> empty = store_->Stats(kT0);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty.value().pending, 0);
  EXPECT_FALSE(empty.value().oldest_pending_created_at.has_value());
  EXPECT_EQ(empty.value().oldest_pending_age.count(), 0);

  std::vector<NewDelivery> batch;
  for (int i = 0; i < 5; ++i)
    batch.push_back(MakeDelivery("d" + std::to_string(i), kT0 + seconds(i)));
  ASSERT_TRUE(store_->Enqueue(std::move(batch)).ok());
  ASSERT_TRUE(
      store_->RecordAttempt(MakeAttempt("d0", 1, 200), Finish(DeliveryStatus::kSucceeded, kT0))
          .ok());
  ASSERT_TRUE(store_
                  ->RecordAttempt(MakeAttempt("d1", 1, 400, "HTTP 400"),
                                  Finish(DeliveryStatus::kFailed, kT0))
                  .ok());

  Result<OutboxStats> stats = store_->Stats(kT0 + seconds(3));
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats.value().pending, 3);
  EXPECT_EQ(stats.value().due, 2);  // d2 and d3; d4 is due at +4 s.
  EXPECT_EQ(stats.value().succeeded, 1);
  EXPECT_EQ(stats.value().failed, 1);
  ASSERT_TRUE(stats.value().oldest_pending_created_at.has_value());
  EXPECT_EQ(*stats.value().oldest_pending_created_at, kT0 + seconds(2));
  EXPECT_EQ(stats.value().oldest_pending_age, seconds(1));
}

TEST_P(StoreContractTest, RetentionDeletesOnlyFinished) {
  // d0..d9 finished, p0..p4 pending; all old.
  std::vector<NewDelivery> batch;
  for (int i = 0; i < 10; ++i)
    batch.push_back(MakeDelivery("d" + std::to_string(i), kT0 + seconds(i)));
  for (int i = 0; i < 5; ++i) batch.push_back(MakeDelivery("p" + std::to_string(i), kT0));
  ASSERT_TRUE(store_->Enqueue(std::move(batch)).ok());
  for (int i = 0; i < 10; ++i) {
    const std::string id = "d" + std::to_string(i);
    ASSERT_TRUE(store_->RecordAttempt(MakeAttempt(id, 1, 503), RetryAt(kT0, kT0)).ok());
    ASSERT_TRUE(
        store_->RecordAttempt(MakeAttempt(id, 2, 200), Finish(DeliveryStatus::kSucceeded, kT0))
            .ok());
  }

  // By count: keep the 4 newest finished (d6..d9).
  const auto now = kT0 + seconds(100);
  Result<RetentionResult> by_count = store_->ApplyRetention(now, std::chrono::hours(1), 4);
  ASSERT_TRUE(by_count.ok()) << by_count.error().message;
  EXPECT_EQ(by_count.value().deliveries_deleted, 6);
  EXPECT_EQ(by_count.value().attempts_deleted, 12);
  Result<std::optional<DeliveryDetail>> deleted = store_->GetDelivery("d5");
  ASSERT_TRUE(deleted.ok());
  EXPECT_FALSE(deleted.value().has_value());
  EXPECT_EQ(Get("d6").attempts.size(), 2u);

  // By age: d6..d9 were created before now - 10 s.
  Result<RetentionResult> by_age = store_->ApplyRetention(now, seconds(10), 1000);
  ASSERT_TRUE(by_age.ok()) << by_age.error().message;
  EXPECT_EQ(by_age.value().deliveries_deleted, 4);

  // Pending ones stay, however old.
  Result<RetentionResult> everything =
      store_->ApplyRetention(now + std::chrono::hours(1000), seconds(0), 0);
  ASSERT_TRUE(everything.ok());
  EXPECT_EQ(everything.value().deliveries_deleted, 0);
  Result<OutboxStats> stats = store_->Stats(now);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats.value().pending, 5);
  EXPECT_EQ(stats.value().succeeded, 0);
}

TEST_P(StoreContractTest, RetentionDeletesInChunks) {
  // More rows than one retention transaction deletes. Durability is not
  // under test here, and 1200 fsyncs are slow on a busy disk.
  StoreSettings settings;
  settings.durable = false;
  Open(settings);
  constexpr int kRows = 1200;
  std::vector<DeliveryRecord> finished;
  for (int i = 0; i < kRows; ++i) {
    DeliveryRecord sync;
    sync.delivery_id = "s" + std::to_string(i);
    sync.event = "model.deployed";
    sync.webhook = "gate";
    sync.url = "http://127.0.0.1:9/gate";
    sync.async = false;
    sync.created_at = kT0 + seconds(i);
    sync.updated_at = sync.created_at;
    sync.status = DeliveryStatus::kSucceeded;
    ASSERT_TRUE(store_->RecordSyncDelivery(sync, {MakeAttempt(sync.delivery_id, 1, 200)}).ok());
  }
  Result<RetentionResult> result = store_->ApplyRetention(kT0 + seconds(kRows), seconds(0), 100);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result.value().deliveries_deleted, kRows);
  EXPECT_EQ(result.value().attempts_deleted, kRows);
}

TEST_P(StoreContractTest, ResponseBodyIsCapped) {
  StoreSettings settings;
  settings.max_response_body_bytes = 16;
  Open(settings);
  EnqueueOne(MakeDelivery("d1", kT0));
  AttemptRecord attempt = MakeAttempt("d1", 1, 200);
  attempt.response_body = std::string(100, 'r');
  ASSERT_TRUE(store_->RecordAttempt(attempt, Finish(DeliveryStatus::kSucceeded, kT0)).ok());
  EXPECT_EQ(Get("d1").attempts.at(0).response_body, std::string(16, 'r'));
}

TEST_P(StoreContractTest, ResponseBodyDefaultCapIs4KiB) {
  EnqueueOne(MakeDelivery("d1", kT0));
  AttemptRecord attempt = MakeAttempt("d1", 1, 200);
  attempt.response_body = std::string(10'000, 'r');
  ASSERT_TRUE(store_->RecordAttempt(attempt, Finish(DeliveryStatus::kSucceeded, kT0)).ok());
  EXPECT_EQ(Get("d1").attempts.at(0).response_body.size(), 4096u);
}

INSTANTIATE_TEST_SUITE_P(
    Backends, StoreContractTest,
    ::testing::Values(
        Backend{"Sqlite", [] { return std::unique_ptr<StoreFactory>(new SqliteFactory); }},
        Backend{"Postgres", [] { return std::unique_ptr<StoreFactory>(new PostgresFactory); }}),
    [](const ::testing::TestParamInfo<Backend>& backend) {
      return std::string(backend.param.name);
    });

}  // namespace
}  // namespace herald
