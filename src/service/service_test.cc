// herald serve's HTTP API over real loopback HTTP, with loopback receivers
// as webhooks and a real SQLite store in a temp directory.

#include "service/service.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "testing/loopback_receiver.h"

namespace herald {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using test::LoopbackReceiver;
using test::ScriptedResponse;

constexpr char kDeployedEvent[] =
    R"({"event_type":"on-model-version-deployed","version_endpoint":{"id":"ve-1","status":"running"}})";
constexpr char kPredeploymentEvent[] =
    R"({"event_type":"on-model-version-predeployment","version_endpoint":{"id":"ve-2"}})";

std::string MakeTempDir() {
  std::string pattern = ::testing::TempDir() + "herald-service-XXXXXX";
  EXPECT_NE(mkdtemp(pattern.data()), nullptr);
  return pattern;
}

// A config whose webhooks point at `receiver`: a sync gate and an async
// notification on predeployment, an async webhook on deployed.
std::string ConfigYaml(const LoopbackReceiver& receiver, const std::string& extra = "") {
  return "webhooks:\n"
         "  enabled: true\n"
         "  retry: {initialBackoff: 10ms, maxBackoff: 20ms}\n" +
         extra +
         "  config:\n"
         "    on-model-version-predeployment:\n"
         "      - {name: gate, url: \"" +
         receiver.url("/gate") +
         "\", finalResponse: true, "
         "timeout: 2}\n"
         "      - {name: audit, url: \"" +
         receiver.url("/audit") +
         "\", async: true}\n"
         "    on-model-version-deployed:\n"
         "      - {name: notify, url: \"" +
         receiver.url("/notify") +
         "\", async: true, "
         "numRetries: 5}\n";
}

class ServiceTest : public ::testing::Test {
 protected:
  void TearDown() override {
    client_.reset();
    if (service_) service_->Shutdown();
    std::filesystem::remove_all(dir_);
  }

  void WriteConfig(const std::string& yaml) {
    std::ofstream(config_path_, std::ios::trunc) << yaml;
  }

  void StartService(std::optional<std::string> token = std::nullopt) {
    ServiceOptions options;
    options.config_path = config_path_;
    options.port = 0;
    options.data_dir = dir_ + "/data";
    options.api_token = std::move(token);
    options.max_request_bytes = 64 * 1024;
    options.workers.workers = 4;
    options.workers.poll_interval = milliseconds(20);
    options.shutdown_grace = seconds(2);
    Result<std::unique_ptr<Service>> created = Service::Create(options);
    ASSERT_TRUE(created.ok()) << created.error().message;
    service_ = std::move(created.value());
    ASSERT_TRUE(service_->Start().ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", service_->port());
    client_->set_read_timeout(10, 0);
  }

  httplib::Result PostEvent(const std::string& body,
                            const std::string& content_type = "application/json") {
    return client_->Post("/v1/events", body, content_type);
  }

  // Polls the delivery log until `predicate` holds for a delivery of
  // `webhook`, for at most 10 s. Returns the last page's matches.
  json WaitForDelivery(const std::string& webhook, const std::string& status) {
    json deliveries;
    for (int i = 0; i < 500; ++i) {
      auto response = client_->Get("/v1/deliveries?webhook=" + webhook + "&status=" + status);
      if (response && response->status == 200) {
        deliveries = json::parse(response->body)["deliveries"];
        if (!deliveries.empty()) return deliveries;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    return deliveries;
  }

  json ListAll() {
    auto response = client_->Get("/v1/deliveries");
    EXPECT_TRUE(response);
    return response ? json::parse(response->body)["deliveries"] : json::array();
  }

  std::string dir_ = MakeTempDir();
  std::string config_path_ = dir_ + "/webhooks.yaml";
  LoopbackReceiver receiver_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ServiceTest, ProceedAnswersWithRequestVersionEndpoint) {
  WriteConfig(ConfigYaml(receiver_));
  StartService();

  auto response = PostEvent(kDeployedEvent);

  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->get_header_value("X-Herald-Decision"), "proceed");
  const json body = json::parse(response->body);
  EXPECT_EQ(body["code"], "200");
  EXPECT_EQ(body["version_endpoint"]["id"], "ve-1");
}

TEST_F(ServiceTest, ProceedAnswersWithFinalResponseVersionEndpoint) {
  receiver_.SetResponse("/gate", ScriptedResponse::Status(
                                     200, R"({"code":"200","version_endpoint":{"id":"changed"}})"));
  WriteConfig(ConfigYaml(receiver_));
  StartService();

  auto response = PostEvent(kPredeploymentEvent);

  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(json::parse(response->body)["version_endpoint"]["id"], "changed");
}

TEST_F(ServiceTest, GateVetoAnswers422WithStatusCode) {
  receiver_.SetResponse("/gate", ScriptedResponse::Status(403, R"({"message":"quota"})"));
  WriteConfig(ConfigYaml(receiver_));
  StartService();

  auto response = PostEvent(kPredeploymentEvent);

  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 422);
  EXPECT_EQ(response->get_header_value("X-Herald-Decision"), "abort");
  const json body = json::parse(response->body);
  EXPECT_EQ(body["code"], "403");
  EXPECT_NE(body["message"].get<std::string>().find("\"gate\""), std::string::npos);
  // The async webhook is not called when the gate fails.
  EXPECT_EQ(receiver_.request_count(), 1U);
}

TEST_F(ServiceTest, GateTransportFailureUsesErrorCode) {
  LoopbackReceiver other;
  std::string yaml = ConfigYaml(receiver_);
  const std::string gate = receiver_.url("/gate");
  yaml.replace(yaml.find(gate), gate.size(),
               "http://127.0.0.1:" + std::to_string(test::RefusedLoopbackPort()) + "/gate");
  WriteConfig(yaml);
  StartService();

  auto response = PostEvent(kPredeploymentEvent);

  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 422);
  EXPECT_EQ(json::parse(response->body)["code"], "connect_failed");
}

TEST_F(ServiceTest, AsyncDeliveryIsSentAndLogged) {
  WriteConfig(ConfigYaml(receiver_));
  StartService();

  auto response = PostEvent(kDeployedEvent);
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200);

  ASSERT_TRUE(receiver_.WaitForRequests(1, seconds(10)));
  const auto request = receiver_.requests()[0];
  EXPECT_EQ(request.path, "/notify");
  EXPECT_EQ(request.body, kDeployedEvent);
  const json delivered = WaitForDelivery("notify", "succeeded");
  ASSERT_EQ(delivered.size(), 1U);
  EXPECT_EQ(delivered[0]["delivery_id"], request.FindHeader("x-herald-delivery").value_or(""));
  EXPECT_EQ(delivered[0]["attempt_count"], 1);
}

TEST_F(ServiceTest, AsyncRetriesAreScheduledAndRecorded) {
  receiver_.EnqueueResponse("/notify", ScriptedResponse::Status(503));
  receiver_.EnqueueResponse("/notify", ScriptedResponse::Status(500));
  WriteConfig(ConfigYaml(receiver_));
  StartService();

  ASSERT_EQ(PostEvent(kDeployedEvent)->status, 200);

  const json delivered = WaitForDelivery("notify", "succeeded");
  ASSERT_EQ(delivered.size(), 1U);
  EXPECT_EQ(delivered[0]["attempt_count"], 3);
  auto detail = client_->Get("/v1/deliveries/" + delivered[0]["delivery_id"].get<std::string>());
  ASSERT_TRUE(detail);
  ASSERT_EQ(detail->status, 200);
  const json attempts = json::parse(detail->body)["attempts"];
  ASSERT_EQ(attempts.size(), 3U);
  EXPECT_EQ(attempts[0]["status"], 503);
  EXPECT_EQ(attempts[1]["status"], 500);
  EXPECT_EQ(attempts[2]["status"], 200);
  EXPECT_EQ(json::parse(detail->body)["payload"]["version_endpoint"]["id"], "ve-1");
}

TEST_F(ServiceTest, SyncDeliveriesAppearInLog) {
  receiver_.SetResponse("/gate", ScriptedResponse::Status(200, "{}"));
  WriteConfig(ConfigYaml(receiver_));
  StartService();

  ASSERT_EQ(PostEvent(kPredeploymentEvent)->status, 200);

  const json gate = WaitForDelivery("gate", "succeeded");
  ASSERT_EQ(gate.size(), 1U);
  EXPECT_EQ(gate[0]["async"], false);
  EXPECT_EQ(gate[0]["event"], "on-model-version-predeployment");
  EXPECT_EQ(gate[0]["max_attempts"], 3);  // numRetries 0 means three attempts.
  EXPECT_EQ(gate[0]["attempt_count"], 1);
}

struct BadRequestCase {
  const char* name;
  std::string body;
  std::string content_type;
  int status;
  const char* code;
};

TEST_F(ServiceTest, BadRequestsStoreNothing) {
  WriteConfig(ConfigYaml(receiver_));
  StartService();
  const std::vector<BadRequestCase> cases = {
      {"invalid json", "{\"event_type\":", "application/json", 400, "invalid_json"},
      {"not an object", "[1,2,3]", "application/json", 400, "invalid_payload"},
      {"missing event_type", R"({"version_endpoint":{}})", "application/json", 400,
       "missing_event_type"},
      {"numeric event_type", R"({"event_type":5})", "application/json", 400, "missing_event_type"},
      {"unknown event", R"({"event_type":"on-model-version-deploy"})", "application/json", 400,
       "unknown_event"},
      {"wrong content type", kDeployedEvent, "text/plain", 415, "unsupported_media_type"},
      {"oversized body", std::string(70 * 1024, ' ') + kDeployedEvent, "application/json", 413,
       "payload_too_large"},
  };
  for (const BadRequestCase& bad : cases) {
    auto response = PostEvent(bad.body, bad.content_type);
    ASSERT_TRUE(response) << bad.name;
    EXPECT_EQ(response->status, bad.status) << bad.name;
    if (response->status == bad.status) {
      EXPECT_EQ(json::parse(response->body)["code"], bad.code) << bad.name;
    }
  }
  EXPECT_TRUE(ListAll().empty());
  EXPECT_EQ(receiver_.request_count(), 0U);
}

TEST_F(ServiceTest, TruncatedBodyStoresNothing) {
  WriteConfig(ConfigYaml(receiver_));
  StartService();

  // Announce more bytes than are sent, then close the connection.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(service_->port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  const std::string request =
      "POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: 500\r\n\r\n{\"event_type\":\"on-model-version-deployed\"";
  ASSERT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  ::shutdown(fd, SHUT_WR);
  char buffer[512];
  while (::recv(fd, buffer, sizeof(buffer), 0) > 0) {
  }
  ::close(fd);

  EXPECT_TRUE(ListAll().empty());
  EXPECT_EQ(receiver_.request_count(), 0U);
}

TEST_F(ServiceTest, ApiTokenRequiredOnEveryRoute) {
  WriteConfig(ConfigYaml(receiver_));
  StartService("s3cret-api-token");

  for (const char* path : {"/healthz", "/metrics", "/v1/deliveries"}) {
    auto response = client_->Get(path);
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->status, 401) << path;
  }
  EXPECT_EQ(PostEvent(kDeployedEvent)->status, 401);
  client_->set_bearer_token_auth("wrong-token");
  EXPECT_EQ(PostEvent(kDeployedEvent)->status, 401);

  client_->set_bearer_token_auth("s3cret-api-token");
  EXPECT_EQ(PostEvent(kDeployedEvent)->status, 200);
  EXPECT_EQ(client_->Get("/healthz")->status, 200);

  // The scheme name is case-insensitive; the token is not.
  httplib::Client lower("127.0.0.1", service_->port());
  EXPECT_EQ(lower.Get("/healthz", {{"Authorization", "bearer s3cret-api-token"}})->status, 200);
  EXPECT_EQ(lower.Get("/healthz", {{"Authorization", "Bearer S3CRET-API-TOKEN"}})->status, 401);
}

TEST_F(ServiceTest, DeliveryLogFiltersAndPages) {
  WriteConfig(ConfigYaml(receiver_));
  StartService();
  for (int i = 0; i < 5; ++i) ASSERT_EQ(PostEvent(kDeployedEvent)->status, 200);
  ASSERT_TRUE(receiver_.WaitForRequests(5, seconds(10)));

  std::set<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    std::string path = "/v1/deliveries?event=on-model-version-deployed&limit=2";
    if (!cursor.empty()) path += "&cursor=" + httplib::detail::encode_query_param(cursor);
    auto response = client_->Get(path);
    ASSERT_TRUE(response);
    ASSERT_EQ(response->status, 200) << response->body;
    const json body = json::parse(response->body);
    EXPECT_LE(body["deliveries"].size(), 2U);
    for (const auto& delivery : body["deliveries"]) {
      EXPECT_TRUE(seen.insert(delivery["delivery_id"].get<std::string>()).second);
    }
    if (body["next_cursor"].is_null()) break;
    cursor = body["next_cursor"].get<std::string>();
  }
  EXPECT_EQ(seen.size(), 5U);

  EXPECT_EQ(
      json::parse(client_->Get("/v1/deliveries?event=on-model-created")->body)["deliveries"].size(),
      0U);
  EXPECT_EQ(client_->Get("/v1/deliveries?status=bogus")->status, 400);
  auto misspelt = client_->Get("/v1/deliveries?stauts=pending");
  ASSERT_TRUE(misspelt);
  EXPECT_EQ(misspelt->status, 400);
  EXPECT_NE(json::parse(misspelt->body)["message"].get<std::string>().find("\"stauts\""),
            std::string::npos);
  EXPECT_EQ(client_->Get("/v1/deliveries?limit=0")->status, 400);
  EXPECT_EQ(client_->Get("/v1/deliveries?created_after=yesterday")->status, 400);
  EXPECT_EQ(client_->Get("/v1/deliveries?created_after=2999-01-01T00:00:00Z")->status, 400);
  EXPECT_EQ(
      json::parse(client_->Get("/v1/deliveries?created_before=1000000000")->body)["deliveries"]
          .size(),
      0U);
  EXPECT_EQ(
      json::parse(
          client_->Get("/v1/deliveries?created_after=2200-01-01T00:00:00Z")->body)["deliveries"]
          .size(),
      0U);
}

TEST_F(ServiceTest, RedeliverSendsAgainWithNewId) {
  WriteConfig(ConfigYaml(receiver_));
  StartService();
  ASSERT_EQ(PostEvent(kDeployedEvent)->status, 200);
  const json first = WaitForDelivery("notify", "succeeded");
  ASSERT_EQ(first.size(), 1U);
  const std::string id = first[0]["delivery_id"];

  auto response = client_->Post("/v1/deliveries/" + id + "/redeliver", "", "application/json");

  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 202) << response->body;
  const json created = json::parse(response->body);
  EXPECT_NE(created["delivery_id"], id);
  EXPECT_EQ(created["redelivery_of"], id);
  ASSERT_TRUE(receiver_.WaitForRequests(2, seconds(10)));
  EXPECT_EQ(receiver_.requests()[1].body, kDeployedEvent);
  EXPECT_EQ(client_->Post("/v1/deliveries/nope/redeliver", "", "application/json")->status, 404);

  // A sync call of a chain cannot be redelivered on its own.
  receiver_.SetResponse("/gate", ScriptedResponse::Status(200, "{}"));
  ASSERT_EQ(PostEvent(kPredeploymentEvent)->status, 200);
  const json gate = WaitForDelivery("gate", "succeeded");
  ASSERT_EQ(gate.size(), 1U);
  auto sync =
      client_->Post("/v1/deliveries/" + gate[0]["delivery_id"].get<std::string>() + "/redeliver",
                    "", "application/json");
  ASSERT_TRUE(sync);
  EXPECT_EQ(sync->status, 409);
  EXPECT_EQ(json::parse(sync->body)["code"], "not_redeliverable");
  EXPECT_EQ(client_->Get("/v1/deliveries/nope")->status, 404);
}

TEST_F(ServiceTest, HealthReadinessAndMetrics) {
  WriteConfig(ConfigYaml(receiver_));
  StartService();
  ASSERT_EQ(PostEvent(kDeployedEvent)->status, 200);
  ASSERT_FALSE(WaitForDelivery("notify", "succeeded").empty());

  EXPECT_EQ(client_->Get("/healthz")->status, 200);
  EXPECT_EQ(client_->Get("/readyz")->status, 200);
  auto metrics = client_->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  for (const char* expected :
       {"herald_events_total{event=\"on-model-version-deployed\",decision=\"proceed\"} 1",
        "herald_deliveries_total{event=\"on-model-version-deployed\",webhook=\"notify\","
        "outcome=\"succeeded\"} 1",
        "herald_attempt_duration_seconds_count{event=\"on-model-version-deployed\","
        "webhook=\"notify\"} 1",
        "herald_outbox_pending 0", "herald_outbox_oldest_pending_age_seconds 0",
        "# TYPE herald_attempt_duration_seconds histogram"}) {
    EXPECT_NE(metrics->body.find(expected), std::string::npos) << expected << "\n" << metrics->body;
  }
}

TEST_F(ServiceTest, ReloadSwapsValidConfigAndKeepsOldOnError) {
  WriteConfig(ConfigYaml(receiver_));
  StartService();

  std::string renamed = ConfigYaml(receiver_);
  renamed.replace(renamed.find("/notify"), 7, "/notify-v2");
  WriteConfig(renamed);
  ASSERT_TRUE(service_->Reload().ok());
  ASSERT_EQ(PostEvent(kDeployedEvent)->status, 200);
  ASSERT_TRUE(receiver_.WaitForRequests(1, seconds(10)));
  EXPECT_EQ(receiver_.requests()[0].path, "/notify-v2");

  WriteConfig("webhooks:\n  enabled: true\n  config:\n    on-model-version-deployd: []\n");
  const LoadResult rejected = service_->Reload();
  EXPECT_FALSE(rejected.ok());
  ASSERT_EQ(PostEvent(kDeployedEvent)->status, 200);
  ASSERT_TRUE(receiver_.WaitForRequests(2, seconds(10)));
  EXPECT_EQ(receiver_.requests()[1].path, "/notify-v2");
  EXPECT_NE(
      client_->Get("/metrics")->body.find("herald_config_reloads_total{result=\"failure\"} 1"),
      std::string::npos);
}

TEST_F(ServiceTest, LeaseShorterThanTimeoutIsRejected) {
  WriteConfig(ConfigYaml(receiver_));
  ServiceOptions options;
  options.config_path = config_path_;
  options.port = 0;
  options.data_dir = dir_ + "/data";
  options.workers.lease = seconds(10);  // The notify webhook's timeout is the default 10 s.

  Result<std::unique_ptr<Service>> created = Service::Create(options);

  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(created.error().message.find("--lease-ms (10000 ms)"), std::string::npos)
      << created.error().message;
  EXPECT_NE(created.error().message.find("\"notify\""), std::string::npos);
}

TEST_F(ServiceTest, PendingDeliveriesSurviveRestart) {
  receiver_.SetResponse("/notify", ScriptedResponse::Status(503));
  std::string yaml = ConfigYaml(receiver_);
  yaml.replace(yaml.find("numRetries: 5"), 13, "numRetries: 1000");
  yaml.replace(yaml.find("maxBackoff: 20ms"), 16, "maxBackoff: 50ms");
  WriteConfig(yaml);
  StartService();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(PostEvent(kDeployedEvent)->status, 200);
  ASSERT_TRUE(receiver_.WaitForRequests(3, seconds(10)));

  client_.reset();
  service_->Shutdown();
  service_.reset();
  receiver_.SetResponse("/notify", ScriptedResponse::Status(200));
  StartService();

  for (int i = 0; i < 500 && WaitForDelivery("notify", "succeeded").size() < 3; ++i) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(WaitForDelivery("notify", "succeeded").size(), 3U);
  EXPECT_TRUE(
      json::parse(client_->Get("/v1/deliveries?status=pending")->body)["deliveries"].empty());
}

}  // namespace
}  // namespace herald
