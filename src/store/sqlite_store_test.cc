#include "store/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "store/sqlite_writes.h"

namespace herald {
namespace {

// Tests of the SQLite store's own behaviour: query plans, files and
// schema versions. The Store contract is checked for every backend in
// store_contract_test.cc.
class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "herald_store_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = (dir_ / "outbox.db").string();
    Open();
  }

  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Open(SqliteStoreOptions options = {}) {
    store_.reset();
    options.path = path_;
    Result<std::unique_ptr<Store>> opened = OpenSqliteStore(options);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
  }

  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

NewDelivery DeliveryDueAt(std::string id, std::chrono::system_clock::time_point due) {
  NewDelivery delivery;
  delivery.delivery_id = std::move(id);
  delivery.event = "on-model-version-deployed";
  delivery.webhook = "notify";
  delivery.url = "http://127.0.0.1:9/notify";
  delivery.body = "{}";
  delivery.max_attempts = 5;
  delivery.created_at = std::chrono::system_clock::now() - std::chrono::minutes(1);
  delivery.next_attempt_at = due;
  return delivery;
}

TEST_F(SqliteStoreTest, ReopenReleasesUnattemptedLeases) {
  using std::chrono::hours;
  const auto now = std::chrono::system_clock::now();
  std::vector<NewDelivery> rows;
  rows.push_back(DeliveryDueAt("due", now - std::chrono::minutes(1)));
  rows.push_back(DeliveryDueAt("leased", now + hours(1)));
  rows.push_back(DeliveryDueAt("retry", now - std::chrono::minutes(1)));
  ASSERT_TRUE(store_->Enqueue(std::move(rows)).ok());
  AttemptRecord attempt;
  attempt.delivery_id = "retry";
  attempt.started_at = now;
  attempt.status = 503;
  attempt.error = "HTTP 503";
  DeliveryUpdate update;
  update.status = DeliveryStatus::kPending;
  update.next_attempt_at = now + hours(1);
  update.updated_at = now;
  ASSERT_TRUE(store_->RecordAttempt(attempt, update).ok());

  auto due_ids = [this] {
    ClaimRequest request;
    request.now = std::chrono::system_clock::now() + std::chrono::seconds(1);
    request.lease = std::chrono::milliseconds(1);
    Result<std::vector<DeliveryRecord>> claimed = store_->ClaimDue(request);
    EXPECT_TRUE(claimed.ok());
    std::set<std::string> ids;
    if (claimed.ok()) {
      for (const DeliveryRecord& record : claimed.value()) ids.insert(record.delivery_id);
    }
    return ids;
  };

  // Without the option a lease is kept until it ends.
  Open();
  EXPECT_EQ(due_ids(), std::set<std::string>({"due"}));

  SqliteStoreOptions options;
  options.release_unattempted_leases = true;
  Open(options);
  // "due" was leased for 1 ms by the claim above and is due again.
  EXPECT_EQ(due_ids(), std::set<std::string>({"due", "leased"}));
}

// ClaimDue must walk the partial index in order and stop after LIMIT rows.
// A plan that sorts would read every due row of a large outbox.
TEST_F(SqliteStoreTest, ClaimPlanWalksDueIndex) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  for (bool excluding : {false, true}) {
    const std::string sql = "EXPLAIN QUERY PLAN " + sqlite_writes::SelectDueSql(excluding);
    sqlite3_stmt* statement = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    std::string plan;
    while (sqlite3_step(statement) == SQLITE_ROW) {
      plan += reinterpret_cast<const char*>(sqlite3_column_text(statement, 3));
      plan += "\n";
    }
    sqlite3_finalize(statement);
    EXPECT_NE(plan.find("USING INDEX deliveries_due"), std::string::npos) << plan;
    EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
  }
  sqlite3_close(db);
}

TEST_F(SqliteStoreTest, OpenRejectsDirectoryPath) {
  SqliteStoreOptions options;
  options.path = dir_.string();
  Result<std::unique_ptr<Store>> opened = OpenSqliteStore(options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(opened.error().message.find("is a directory"), std::string::npos);
}

TEST_F(SqliteStoreTest, OpenRejectsNonDatabaseFile) {
  const std::string garbage = (dir_ / "garbage.db").string();
  {
    std::ofstream file(garbage);
    file << std::string(8192, 'g');
  }
  SqliteStoreOptions options;
  options.path = garbage;
  Result<std::unique_ptr<Store>> opened = OpenSqliteStore(options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(opened.error().message.find(garbage), std::string::npos);
}

TEST_F(SqliteStoreTest, OpenFailsWhenParentIsFile) {
  const std::string file_path = (dir_ / "plain").string();
  { std::ofstream file(file_path); }
  SqliteStoreOptions options;
  options.path = file_path + "/outbox.db";
  Result<std::unique_ptr<Store>> opened = OpenSqliteStore(options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(opened.error().message.find("cannot create directory"), std::string::npos);
}

TEST_F(SqliteStoreTest, OpenCreatesParentDirectories) {
  SqliteStoreOptions options;
  options.path = (dir_ / "a" / "b" / "outbox.db").string();
  Result<std::unique_ptr<Store>> opened = OpenSqliteStore(options);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_TRUE(std::filesystem::exists(options.path));
}

TEST_F(SqliteStoreTest, OpenRejectsNewerSchema) {
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);

  SqliteStoreOptions options;
  options.path = path_;
  Result<std::unique_ptr<Store>> opened = OpenSqliteStore(options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(opened.error().message.find("schema version 99"), std::string::npos);
}

}  // namespace
}  // namespace herald
