#include "service/delivery_workers.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "service/runtime.h"
#include "store/sqlite_store.h"
#include "testing/fakes.h"

namespace herald {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;
using test::FakeClock;
using test::FakeRandom;
using test::FakeTransport;

// Never contacted: FakeTransport returns every response itself.
constexpr char kUrl[] = "http://127.0.0.1:9/hook";

constexpr char kConfig[] = R"(webhooks:
  enabled: true
  retry: {initialBackoff: 10ms, maxBackoff: 20ms}
  config:
    on-model-version-deployed:
      - {name: notify, url: "http://127.0.0.1:9/hook", async: true, numRetries: 100}
)";

std::size_t CountOccurrences(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

class DeliveryWorkersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "herald-workers-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;

    SqliteStoreOptions store_options;
    store_options.path = dir_ + "/herald.db";
    Result<std::unique_ptr<Store>> opened = OpenSqliteStore(store_options);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();

    const LoadResult loaded = LoadConfigString(kConfig);
    ASSERT_TRUE(loaded.ok());
    DispatcherOptions dependencies;
    dependencies.transport = transport_;
    dependencies.clock = &clock_;
    dependencies.random = &random_;
    runtime_.Replace(BuildRuntime(loaded.config, dependencies));

    previous_logger_ = spdlog::default_logger();
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  }

  void TearDown() override {
    if (workers_) workers_->Stop();
    workers_.reset();
    store_.reset();
    spdlog::set_default_logger(previous_logger_);
    std::filesystem::remove_all(dir_);
  }

  void MakeWorkers(DeliveryWorkerOptions options) {
    options.poll_interval = milliseconds(10);
    workers_ =
        std::make_unique<DeliveryWorkers>(options, *store_, runtime_, clock_, random_, metrics_);
  }

  // Stores deliveries to kUrl, due at `due`.
  std::vector<DeliveryRecord> Enqueue(int count, std::chrono::system_clock::time_point due) {
    std::vector<NewDelivery> rows;
    std::vector<DeliveryRecord> records;
    for (int i = 0; i < count; ++i) {
      NewDelivery row;
      row.delivery_id = "d" + std::to_string(next_id_++);
      row.event = "on-model-version-deployed";
      row.webhook = "notify";
      row.url = kUrl;
      row.body = R"({"event_type":"on-model-version-deployed"})";
      row.max_attempts = 101;
      row.created_at = clock_.WallNow();
      row.next_attempt_at = due;

      DeliveryRecord record;
      record.delivery_id = row.delivery_id;
      record.event = row.event;
      record.webhook = row.webhook;
      record.url = row.url;
      record.body = row.body;
      record.max_attempts = row.max_attempts;
      records.push_back(record);
      rows.push_back(std::move(row));
    }
    Result<bool> stored = store_->Enqueue(std::move(rows));
    EXPECT_TRUE(stored.ok()) << stored.error().message;
    return records;
  }

  // Attempts recorded in the store over all deliveries made by Enqueue.
  int RecordedAttempts() {
    int total = 0;
    for (int i = 0; i < next_id_; ++i) {
      Result<std::optional<DeliveryDetail>> detail = store_->GetDelivery("d" + std::to_string(i));
      if (detail.ok() && detail->has_value()) total += (*detail)->delivery.attempts;
    }
    return total;
  }

  // Polls until `want` attempts are recorded, for at most 10 s.
  bool WaitForRecordedAttempts(int want) {
    for (int i = 0; i < 1000; ++i) {
      if (RecordedAttempts() >= want) return true;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return false;
  }

  std::string dir_;
  FakeClock clock_;
  FakeRandom random_;
  std::shared_ptr<FakeTransport> transport_ = std::make_shared<FakeTransport>();
  std::unique_ptr<Store> store_;
  RuntimeHolder runtime_;
  Metrics metrics_;
  std::unique_ptr<DeliveryWorkers> workers_;
  int next_id_ = 0;
  std::ostringstream log_;
  std::shared_ptr<spdlog::logger> previous_logger_;
};

TEST_F(DeliveryWorkersTest, HandedDeliverySkipsClaim) {
  MakeWorkers({});
  workers_->Start();
  // Stored leased for an hour, as the outbox stores handed deliveries: no
  // claim can return it before then, so only the handoff can send it.
  std::vector<DeliveryRecord> records = Enqueue(1, clock_.WallNow() + hours(1));
  ASSERT_TRUE(workers_->TryReserve(1));
  workers_->Hand(std::move(records));

  ASSERT_TRUE(WaitForRecordedAttempts(1));
  ASSERT_EQ(transport_->requests().size(), 1U);
  EXPECT_EQ(transport_->requests()[0].url, kUrl);
  Result<std::optional<DeliveryDetail>> detail = store_->GetDelivery("d0");
  ASSERT_TRUE(detail.ok());
  ASSERT_TRUE(detail->has_value());
  EXPECT_EQ((*detail)->delivery.status, DeliveryStatus::kSucceeded);
}

TEST_F(DeliveryWorkersTest, ReserveLeavesHalfForClaims) {
  DeliveryWorkerOptions options;
  options.workers = 2;  // Room for 8 deliveries, 4 of them for handoffs.
  MakeWorkers(options);

  EXPECT_TRUE(workers_->TryReserve(3));
  EXPECT_FALSE(workers_->TryReserve(2));
  EXPECT_TRUE(workers_->TryReserve(1));
  EXPECT_FALSE(workers_->TryReserve(1));
  workers_->Cancel(4);
  EXPECT_TRUE(workers_->TryReserve(4));
}

TEST_F(DeliveryWorkersTest, StopRecordsFinishedAttempts) {
  MakeWorkers({});
  Enqueue(40, clock_.WallNow());
  workers_->Start();
  for (int i = 0; i < 1000 && transport_->requests().size() < 40; ++i) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  ASSERT_EQ(transport_->requests().size(), 40U);
  workers_->Stop();

  // Stop returned, so every attempt sent must already be in the store.
  EXPECT_EQ(RecordedAttempts(), 40);
}

TEST_F(DeliveryWorkersTest, RetryLogIsRateLimited) {
  transport_->Script(kUrl, {test::Respond(503)});
  DeliveryWorkerOptions options;
  options.retry_logs_per_second = 3;
  MakeWorkers(options);
  Enqueue(10, clock_.WallNow());
  workers_->Start();

  // The fake clock does not move, so all ten failures fall in one second.
  ASSERT_TRUE(WaitForRecordedAttempts(10));
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(CountOccurrences(log_.str(), "attempt failed, retrying"), 3U);

  // Two seconds later the retries are due. The first of them logs how many
  // lines the previous second left out.
  clock_.Advance(seconds(2));
  ASSERT_TRUE(WaitForRecordedAttempts(20));
  workers_->Stop();
  const std::string log = log_.str();
  EXPECT_EQ(CountOccurrences(log, "attempt failed, retrying"), 6U) << log;
  EXPECT_EQ(CountOccurrences(log, "7 more failed attempts were not logged"), 1U) << log;
}

}  // namespace
}  // namespace herald
