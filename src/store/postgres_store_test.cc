// Tests of PostgresStore's own behaviour: several stores sharing one
// database, connection strings and passwords, lost connections, schema
// versions and query plans. The Store contract is checked in
// store_contract_test.cc.

#include "store/postgres_store.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/postgres_writes.h"
#include "testing/postgres_test_server.h"

namespace herald {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;
using test::PostgresTestServer;

const system_clock::time_point kT0{seconds(1'700'000'000)};

NewDelivery MakeDelivery(const std::string& id) {
  NewDelivery delivery;
  delivery.delivery_id = id;
  delivery.event = "model.deployed";
  delivery.webhook = "audit";
  delivery.url = "http://127.0.0.1:9/audit";
  delivery.body = R"({"event_type":"model.deployed"})";
  delivery.max_attempts = 3;
  delivery.created_at = kT0;
  delivery.next_attempt_at = kT0;
  return delivery;
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HERALD_REQUIRE_POSTGRES_SERVER();
    Result<std::string> database = PostgresTestServer::Shared().CreateDatabase();
    ASSERT_TRUE(database.ok()) << database.error().message;
    database_ = database.value();
    connection_string_ = PostgresTestServer::Shared().ConnectionString(database_);
  }

  std::unique_ptr<Store> OpenStore(std::size_t pool_size = 8) {
    PostgresStoreOptions options;
    options.connection_string = connection_string_;
    options.pool_size = pool_size;
    Result<std::unique_ptr<Store>> opened = OpenPostgresStore(options);
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  // Runs `sql` on a connection of its own and returns the first column of
  // each row as text; fails the test on error.
  std::vector<std::string> Query(const std::string& sql) {
    std::vector<std::string> values;
    PGconn* connection = PQconnectdb(connection_string_.c_str());
    EXPECT_EQ(PQstatus(connection), CONNECTION_OK) << PQerrorMessage(connection);
    PGresult* result = PQexec(connection, sql.c_str());
    const ExecStatusType status = PQresultStatus(result);
    EXPECT_TRUE(status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK)
        << sql << ": " << PQresultErrorMessage(result);
    if (status == PGRES_TUPLES_OK) {
      for (int row = 0; row < PQntuples(result); ++row) {
        values.emplace_back(PQgetvalue(result, row, 0));
      }
    }
    PQclear(result);
    PQfinish(connection);
    return values;
  }

  std::string database_;
  std::string connection_string_;
};

// Leases must be exclusive across processes: two stores, each with its
// own pool, stand in for two herald instances.
TEST_F(PostgresStoreTest, TwoStoresNeverClaimSameDelivery) {
  std::unique_ptr<Store> first = OpenStore(4);
  std::unique_ptr<Store> second = OpenStore(4);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  constexpr int kDeliveries = 3000;
  std::vector<NewDelivery> batch;
  for (int i = 0; i < kDeliveries; ++i) batch.push_back(MakeDelivery("d" + std::to_string(i)));
  ASSERT_TRUE(first->Enqueue(std::move(batch)).ok());

  constexpr int kThreadsPerStore = 4;
  std::vector<std::vector<std::string>> claimed(2 * kThreadsPerStore);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2 * kThreadsPerStore; ++t) {
    Store* store = t % 2 == 0 ? first.get() : second.get();
    threads.emplace_back([store, t, &claimed, &failures] {
      ClaimRequest request;
      request.now = kT0;
      request.limit = 7;
      request.lease = seconds(600);
      for (;;) {
        Result<std::vector<DeliveryRecord>> claim = store->ClaimDue(request);
        if (!claim.ok()) {
          ++failures;
          return;
        }
        if (claim.value().empty()) return;
        for (const DeliveryRecord& record : claim.value()) {
          claimed[static_cast<std::size_t>(t)].push_back(record.delivery_id);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(failures.load(), 0);
  std::set<std::string> unique;
  std::size_t total = 0;
  std::size_t by_second_store = 0;
  for (std::size_t t = 0; t < claimed.size(); ++t) {
    total += claimed[t].size();
    if (t % 2 == 1) by_second_store += claimed[t].size();
    unique.insert(claimed[t].begin(), claimed[t].end());
  }
  EXPECT_EQ(unique.size(), static_cast<std::size_t>(kDeliveries));
  EXPECT_EQ(total, static_cast<std::size_t>(kDeliveries)) << "a delivery was claimed twice";
  // Both stores took part, or the test did not test sharing.
  EXPECT_GT(by_second_store, 0u);
  EXPECT_LT(by_second_store, static_cast<std::size_t>(kDeliveries));
}

TEST_F(PostgresStoreTest, ConcurrentOpensCreateSchemaOnce) {
  constexpr int kStores = 4;
  std::vector<std::unique_ptr<Store>> stores(kStores);
  std::vector<std::string> errors(kStores);
  std::vector<std::thread> threads;
  for (int i = 0; i < kStores; ++i) {
    threads.emplace_back([this, i, &stores, &errors] {
      PostgresStoreOptions options;
      options.connection_string = connection_string_;
      Result<std::unique_ptr<Store>> opened = OpenPostgresStore(options);
      if (opened.ok()) {
        stores[static_cast<std::size_t>(i)] = std::move(opened).value();
      } else {
        errors[static_cast<std::size_t>(i)] = opened.error().message;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int i = 0; i < kStores; ++i) {
    EXPECT_NE(stores[static_cast<std::size_t>(i)], nullptr) << errors[static_cast<std::size_t>(i)];
  }
  EXPECT_EQ(Query("SELECT version FROM herald_schema"), std::vector<std::string>{"1"});
}

TEST_F(PostgresStoreTest, RejectedLoginOmitsPassword) {
  const std::string wrong_password = "wrong-password-7c1e94";
  const std::string key_value = PostgresTestServer::Shared().ConnectionString(
      database_, PostgresTestServer::kUser, wrong_password);
  const std::string uri =
      "postgresql://" + std::string(PostgresTestServer::kUser) + ":" + wrong_password +
      "@127.0.0.1:" + std::to_string(PostgresTestServer::Shared().port()) + "/" + database_;
  for (const std::string& connection_string : {key_value, uri}) {
    PostgresStoreOptions options;
    options.connection_string = connection_string;
    Result<std::unique_ptr<Store>> opened = OpenPostgresStore(options);
    ASSERT_FALSE(opened.ok()) << connection_string;
    EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(opened.error().message.find(wrong_password), std::string::npos)
        << opened.error().message;
    // The message still names the server and the reason.
    EXPECT_NE(opened.error().message.find("host=127.0.0.1"), std::string::npos)
        << opened.error().message;
    EXPECT_NE(opened.error().message.find("password authentication failed"), std::string::npos)
        << opened.error().message;
  }
}

TEST_F(PostgresStoreTest, MalformedStringOmitsPassword) {
  PostgresStoreOptions options;
  options.connection_string = "host=127.0.0.1 password=s3cret-value dbname";
  Result<std::unique_ptr<Store>> opened = OpenPostgresStore(options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(opened.error().message.find("s3cret"), std::string::npos) << opened.error().message;

  options.connection_string = "";
  Result<std::unique_ptr<Store>> empty = OpenPostgresStore(options);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);
}

TEST(PostgresOpenTest, RefusedConnectionKeepsSentencesApart) {
  // A port that was free a moment ago: nothing listens on it.
  const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(probe, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  ASSERT_EQ(::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length), 0);
  ::close(probe);

  PostgresStoreOptions options;
  options.connection_string =
      "host=127.0.0.1 port=" + std::to_string(ntohs(address.sin_port)) + " dbname=h user=app";
  Result<std::unique_ptr<Store>> opened = OpenPostgresStore(options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
  // libpq puts its hint on a line of its own after the reason.
  EXPECT_NE(opened.error().message.find("Connection refused. Is the server running"),
            std::string::npos)
      << opened.error().message;
}

TEST(PostgresDescribeTest, OmitsPassword) {
  const std::string uri = DescribePostgresConnection("postgresql://app:s3cret@127.0.0.1:6432/h");
  EXPECT_EQ(uri, "host=127.0.0.1 port=6432 dbname=h user=app");
  const std::string key_value =
      DescribePostgresConnection("host=127.0.0.1 user=app password=s3cret dbname=h");
  EXPECT_EQ(key_value.find("s3cret"), std::string::npos) << key_value;
  EXPECT_NE(key_value.find("host=127.0.0.1"), std::string::npos) << key_value;
  EXPECT_EQ(DescribePostgresConnection("password=s3cret junk").find("s3cret"), std::string::npos);
}

TEST_F(PostgresStoreTest, PoolRecoversAfterBackendTerminated) {
  std::unique_ptr<Store> store = OpenStore(3);
  ASSERT_NE(store, nullptr);
  // Three concurrent calls open all three pool connections.
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&store, i] {
      std::vector<NewDelivery> batch;
      batch.push_back(MakeDelivery("before-" + std::to_string(i)));
      EXPECT_TRUE(store->Enqueue(std::move(batch)).ok());
    });
  }
  for (std::thread& thread : threads) thread.join();

  // Waits up to 5 s for each backend to exit.
  const std::vector<std::string> terminated =
      Query("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = '" +
            database_ + "' AND pid <> pg_backend_pid()");
  ASSERT_FALSE(terminated.empty()) << "the store had no open connection";
  for (const std::string& result : terminated) EXPECT_EQ(result, "t");

  // Every call reconnects as needed, whichever connection it gets.
  for (int i = 0; i < 6; ++i) {
    std::vector<NewDelivery> batch;
    batch.push_back(MakeDelivery("after-" + std::to_string(i)));
    Result<bool> enqueued = store->Enqueue(std::move(batch));
    EXPECT_TRUE(enqueued.ok()) << enqueued.error().message;
  }
  Result<OutboxStats> stats = store->Stats(kT0);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats.value().pending, 9);

  // Terminated again while idle, concurrent callers also recover.
  (void)Query("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = '" +
              database_ + "' AND pid <> pg_backend_pid()");
  std::atomic<int> failures{0};
  threads.clear();
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&store, &failures] {
      ClaimRequest request;
      request.now = kT0;
      request.limit = 1;
      if (!store->ClaimDue(request).ok()) ++failures;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(PostgresStoreTest, OpenRejectsNewerSchema) {
  ASSERT_NE(OpenStore(), nullptr);
  (void)Query("UPDATE herald_schema SET version = 99");

  PostgresStoreOptions options;
  options.connection_string = connection_string_;
  Result<std::unique_ptr<Store>> opened = OpenPostgresStore(options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(opened.error().message.find("schema version 99"), std::string::npos)
      << opened.error().message;
}

TEST_F(PostgresStoreTest, OpenRejectsZeroPool) {
  PostgresStoreOptions options;
  options.connection_string = connection_string_;
  options.pool_size = 0;
  Result<std::unique_ptr<Store>> opened = OpenPostgresStore(options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kInvalidArgument);
}

// ClaimDue must walk the partial index in order and stop after LIMIT
// rows. A plan that sorts would read every due row of a large outbox.
TEST_F(PostgresStoreTest, ClaimPlanWalksDueIndex) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::vector<NewDelivery> batch;
  for (int i = 0; i < 5000; ++i) batch.push_back(MakeDelivery("d" + std::to_string(i)));
  ASSERT_TRUE(store->Enqueue(std::move(batch)).ok());
  (void)Query("ANALYZE herald_deliveries");

  const std::string& sql = pg_writes::ClaimDueStatement().sql;
  const std::vector<std::string> plan =
      Query("PREPARE claim AS " + sql + "; EXPLAIN EXECUTE claim(" +
            std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(
                               (kT0 + seconds(1)).time_since_epoch())
                               .count()) +
            ", 10, 0, '{}')");
  std::string text;
  for (const std::string& line : plan) text += line + "\n";
  EXPECT_NE(text.find("herald_deliveries_due"), std::string::npos) << text;
  EXPECT_EQ(text.find("Sort"), std::string::npos) << text;
}

TEST_F(PostgresStoreTest, InvalidUtf8ErrorIsStoredReplaced) {
  std::unique_ptr<Store> store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::vector<NewDelivery> batch;
  batch.push_back(MakeDelivery("d1"));
  ASSERT_TRUE(store->Enqueue(std::move(batch)).ok());

  AttemptRecord attempt;
  attempt.delivery_id = "d1";
  attempt.started_at = kT0;
  attempt.error = std::string("bad \xff byte and a \0 NUL", 22);
  attempt.response_body = std::string("raw \xff\0 bytes", 12);
  DeliveryUpdate update;
  update.status = DeliveryStatus::kFailed;
  update.updated_at = kT0;
  Result<bool> recorded = store->RecordAttempt(attempt, update);
  ASSERT_TRUE(recorded.ok()) << recorded.error().message;

  Result<std::optional<DeliveryDetail>> detail = store->GetDelivery("d1");
  ASSERT_TRUE(detail.ok()) << detail.error().message;
  ASSERT_TRUE(detail.value().has_value());
  ASSERT_EQ(detail.value()->attempts.size(), 1u);
  EXPECT_EQ(detail.value()->attempts[0].error, "bad \xEF\xBF\xBD byte and a \xEF\xBF\xBD NUL");
  EXPECT_EQ(detail.value()->delivery.last_error, detail.value()->attempts[0].error);
  // Bodies are bytea and keep every byte.
  EXPECT_EQ(detail.value()->attempts[0].response_body, attempt.response_body);
}

}  // namespace
}  // namespace herald
