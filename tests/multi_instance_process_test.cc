// Two `herald serve` processes sharing one PostgreSQL outbox: every
// accepted delivery arrives, and leases keep two instances from sending
// the same delivery twice.

#include <httplib.h>
#include <signal.h>

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "subprocess.h"
#include "testing/loopback_receiver.h"
#include "testing/postgres_test_server.h"

namespace herald::test {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::string EventWithId(const std::string& id) {
  return R"({"event_type":"on-model-version-deployed","version_endpoint":{"id":")" + id + R"("}})";
}

// Responds 503 to the first attempt of each delivery and 200 to later ones,
// so every delivery goes through a retry that either instance may claim
// from the shared outbox. Counts 200 responses per delivery id.
class FlakyCounter {
 public:
  ScriptedResponse Handle(const ReceivedRequest& request) {
    const std::string delivery_id = request.FindHeader("x-herald-delivery").value_or("");
    const std::string event_id =
        json::parse(request.body, nullptr, false).value("/version_endpoint/id"_json_pointer, "");
    std::lock_guard lock(mutex_);
    if (attempts_[delivery_id]++ == 0) return ScriptedResponse::Status(503);
    ++successes_[delivery_id];
    delivered_events_.insert(event_id);
    return ScriptedResponse::Status(200);
  }

  std::set<std::string> delivered_events() const {
    std::lock_guard lock(mutex_);
    return delivered_events_;
  }

  // Returns the number of 200 responses beyond the first per delivery.
  int duplicates() const {
    std::lock_guard lock(mutex_);
    int extra = 0;
    for (const auto& [id, count] : successes_) extra += count - 1;
    return extra;
  }

  std::size_t delivery_count() const {
    std::lock_guard lock(mutex_);
    return successes_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, int> attempts_;     // Guarded by mutex_.
  std::map<std::string, int> successes_;    // Guarded by mutex_.
  std::set<std::string> delivered_events_;  // Guarded by mutex_.
};

class MultiInstanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HERALD_REQUIRE_POSTGRES_SERVER();
    Result<std::string> database = PostgresTestServer::Shared().CreateDatabase();
    ASSERT_TRUE(database.ok()) << database.error().message;
    database_url_ = PostgresTestServer::Shared().ConnectionString(database.value());

    receiver_.SetHandler(
        "/notify", [this](const ReceivedRequest& request) { return counter_.Handle(request); });
    std::ofstream(config_path_, std::ios::trunc)
        << "webhooks:\n"
           "  enabled: true\n"
           "  retry: {initialBackoff: 10ms, maxBackoff: 200ms}\n"
           "  config:\n"
           "    on-model-version-deployed:\n"
           "      - {name: notify, url: \""
        << receiver_.url("/notify") << "\", async: true, numRetries: 1000, timeout: 2}\n";
  }

  // Starts `herald serve` with a lease far longer than the test, so a
  // delivery sent twice can only come from two instances claiming it at
  // once, not from a lease running out. Returns the port, or 0.
  int StartServe(BackgroundProcess& serve, const std::vector<std::string>& extra_args,
                 const std::vector<std::pair<std::string, std::string>>& env) {
    std::vector<std::string> args = {
        HERALD_BINARY,      "serve",       "--config",    config_path_,
        "--listen",         "127.0.0.1:0", "--data-dir",  dir_ + "/unused",
        "--workers",        "4",           "--lease-ms",  "300000",
        "--shutdown-grace", "5",           "--log-level", "info"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    EXPECT_TRUE(serve.Start(args, env));
    EXPECT_TRUE(serve.WaitForStderr("listening on", seconds(20))) << serve.err();
    return ParseListeningPort(serve.err());
  }

  std::string dir_ = MakeTempDir();
  std::string config_path_ = dir_ + "/webhooks.yaml";
  std::string database_url_;
  FlakyCounter counter_;
  LoopbackReceiver receiver_;
};

TEST_F(MultiInstanceTest, SharedOutboxDeliversEachOnce) {
  // One instance reads the URL from the environment, the other from a
  // file, so both sources are used.
  const std::string url_file = dir_ + "/database-url";
  WriteFile(url_file, database_url_ + "\n");
  BackgroundProcess first;
  BackgroundProcess second;
  const int first_port = StartServe(first, {}, {{"HERALD_DATABASE_URL", database_url_}});
  const int second_port = StartServe(second, {"--database-url-file", url_file}, {});
  ASSERT_GT(first_port, 0) << first.err();
  ASSERT_GT(second_port, 0) << second.err();

  constexpr int kSenders = 4;
  constexpr int kPerSender = 75;
  std::mutex mutex;
  std::vector<std::string> accepted;
  std::atomic<int> rejected{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < kSenders; ++t) {
    senders.emplace_back([&, t] {
      httplib::Client to_first("127.0.0.1", first_port);
      httplib::Client to_second("127.0.0.1", second_port);
      for (int i = 0; i < kPerSender; ++i) {
        const std::string id = "ve-" + std::to_string(t) + "-" + std::to_string(i);
        // Alternate between the instances.
        httplib::Client& client = i % 2 == 0 ? to_first : to_second;
        auto response = client.Post("/v1/events", EventWithId(id), "application/json");
        if (response && response->status == 200) {
          std::lock_guard lock(mutex);
          accepted.push_back(id);
        } else {
          ++rejected;
        }
      }
    });
  }
  for (std::thread& sender : senders) sender.join();
  EXPECT_EQ(rejected.load(), 0);
  ASSERT_FALSE(accepted.empty());

  const auto deadline = std::chrono::steady_clock::now() + seconds(45);
  std::size_t missing = accepted.size();
  while (std::chrono::steady_clock::now() < deadline) {
    const std::set<std::string> delivered = counter_.delivered_events();
    missing = 0;
    for (const std::string& id : accepted) {
      if (delivered.count(id) == 0) ++missing;
    }
    if (missing == 0) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  // Late duplicates would arrive after the last first delivery.
  std::this_thread::sleep_for(milliseconds(500));

  const int duplicates = counter_.duplicates();
  RecordProperty("accepted", static_cast<int>(accepted.size()));
  RecordProperty("deliveries", static_cast<int>(counter_.delivery_count()));
  RecordProperty("duplicates", duplicates);
  std::cout << "accepted " << accepted.size() << " events on two instances; "
            << counter_.delivery_count() << " deliveries succeeded; " << duplicates
            << " duplicate deliveries; " << missing << " missing\n";
  EXPECT_EQ(missing, 0U) << "accepted events never delivered";
  EXPECT_EQ(counter_.delivery_count(), accepted.size());
  EXPECT_EQ(duplicates, 0);

  first.Signal(SIGTERM);
  second.Signal(SIGTERM);
  EXPECT_EQ(first.Wait(seconds(15)), 0) << first.err();
  EXPECT_EQ(second.Wait(seconds(15)), 0) << second.err();

  // Both name the database, and neither writes its password anywhere.
  for (const BackgroundProcess* serve : {&first, &second}) {
    const std::string err = serve->err();
    EXPECT_NE(err.find("store PostgreSQL host=127.0.0.1"), std::string::npos) << err;
    EXPECT_EQ(err.find(PostgresTestServer::kPassword), std::string::npos) << err;
  }
}

TEST_F(MultiInstanceTest, BothUrlOptionsRejected) {
  const std::string url_file = dir_ + "/database-url";
  WriteFile(url_file, database_url_);
  const ProcessResult result =
      RunProcess({HERALD_BINARY, "serve", "--config", config_path_, "--database-url", database_url_,
                  "--database-url-file", url_file});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("either --database-url or --database-url-file"), std::string::npos)
      << result.err;
  EXPECT_EQ(result.err.find(PostgresTestServer::kPassword), std::string::npos) << result.err;
}

TEST_F(MultiInstanceTest, RejectedLoginOmitsPassword) {
  const std::string wrong = PostgresTestServer::Shared().ConnectionString(
      "postgres", PostgresTestServer::kUser, "wrong-password-51d0");
  const ProcessResult result =
      RunProcess({HERALD_BINARY, "serve", "--config", config_path_, "--listen", "127.0.0.1:0"}, "",
                 {{"HERALD_DATABASE_URL", wrong}});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("password authentication failed"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("wrong-password-51d0"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace herald::test
