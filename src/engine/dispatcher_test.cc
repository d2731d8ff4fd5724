#include "herald/dispatcher.h"

#include <gtest/gtest.h>

#include <mutex>

#include "engine/signing.h"
#include "testing/fakes.h"

namespace herald {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test::Fail;
using test::FakeClock;
using test::FakeRandom;
using test::FakeTransport;
using test::Respond;

constexpr char kPredeployment[] = "on-model-version-predeployment";
constexpr char kDeployed[] = "on-model-version-deployed";
constexpr char kPayload[] =
    R"({"event_type":"on-model-version-predeployment","version_endpoint":{"id":"v1"}})";

WebhookConfig Sync(std::string name, bool final_response = false) {
  WebhookConfig webhook;
  webhook.name = name;
  webhook.url = "http://127.0.0.1:8000/" + name;
  webhook.final_response = final_response;
  return webhook;
}

WebhookConfig Async(std::string name) {
  WebhookConfig webhook = Sync(std::move(name));
  webhook.async = true;
  return webhook;
}

std::shared_ptr<Config> MakeConfig(const std::string& event_name,
                                   std::vector<WebhookConfig> webhooks) {
  auto config = std::make_shared<Config>();
  config->enabled = true;
  config->catalog = EventCatalog::BuiltIn();
  EventConfig event;
  event.name = event_name;
  event.policy = config->catalog.Find(event_name)->policy;
  for (std::size_t i = 0; i < webhooks.size(); ++i) webhooks[i].position = i;
  event.webhooks = std::move(webhooks);
  config->events[event_name] = std::move(event);
  return config;
}

// Records what the dispatcher reports, for assertions.
class RecordingObserver final : public DeliveryObserver {
 public:
  void OnAttempt(const DeliveryContext& context, const Attempt& attempt) override {
    std::lock_guard lock(mutex_);
    attempts.emplace_back(context.webhook, attempt.number);
  }
  void OnFinished(const DeliveryContext& context, const WebhookResult& result) override {
    std::lock_guard lock(mutex_);
    finished.emplace_back(context.webhook, result.state);
  }

  std::mutex mutex_;
  std::vector<std::pair<std::string, int>> attempts;
  std::vector<std::pair<std::string, WebhookState>> finished;
};

class DispatcherTest : public ::testing::Test {
 protected:
  std::unique_ptr<Dispatcher> Make(std::shared_ptr<const Config> config) {
    DispatcherOptions options;
    options.transport = transport_;
    options.clock = &clock_;
    options.random = &random_;
    options.observer = &observer_;
    options.async_threads = 2;
    return Dispatcher::Create(std::move(config), std::move(options));
  }

  FakeClock clock_;
  FakeRandom random_{0.5};  // Jitter factor exactly 1.
  std::shared_ptr<FakeTransport> transport_ = std::make_shared<FakeTransport>(&clock_);
  RecordingObserver observer_;
};

TEST_F(DispatcherTest, SyncChainRunsInOrderAndReturnsFinalResponse) {
  auto dispatcher = Make(MakeConfig(kPredeployment, {Sync("first"), Sync("second", true)}));
  transport_->Script("http://127.0.0.1:8000/second", {Respond(200, R"({"code":"200"})")});

  Result<Outcome> outcome = dispatcher->Invoke(kPredeployment, kPayload);

  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->decision, Decision::kProceed);
  ASSERT_TRUE(outcome->final_response.has_value());
  EXPECT_EQ(*outcome->final_response, R"({"code":"200"})");
  const auto requests = transport_->requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(requests[0].url, "http://127.0.0.1:8000/first");
  EXPECT_EQ(requests[1].url, "http://127.0.0.1:8000/second");
  EXPECT_EQ(requests[0].body, kPayload);
  EXPECT_EQ(requests[1].body, kPayload);
}

TEST_F(DispatcherTest, InvokeCheckedSendsPayloadAsGiven) {
  auto dispatcher = Make(MakeConfig(kPredeployment, {Sync("gate", true)}));
  transport_->Script("http://127.0.0.1:8000/gate", {Respond(403, "vetoed")});

  Result<Outcome> outcome = dispatcher->InvokeChecked(kPredeployment, kPayload);

  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->decision, Decision::kAbort);
  ASSERT_EQ(transport_->requests().size(), 1U);
  EXPECT_EQ(transport_->requests()[0].body, kPayload);

  Result<Outcome> unknown = dispatcher->InvokeChecked("no-such-event", kPayload);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(transport_->requests().size(), 1U);
}

TEST_F(DispatcherTest, UseDataFromSendsEarlierResponseBytes) {
  WebhookConfig enrich = Sync("enrich");
  WebhookConfig decide = Sync("decide", true);
  decide.use_data_from = "enrich";
  auto dispatcher = Make(MakeConfig(kPredeployment, {enrich, decide}));
  const std::string enriched = "{ \"a\" : 1.0e2,\n \"b\": \"\xE2\x9C\x93\" }";
  transport_->Script(enrich.url, {Respond(200, enriched)});

  Result<Outcome> outcome = dispatcher->Invoke(kPredeployment, kPayload);

  ASSERT_TRUE(outcome.ok());
  const auto requests = transport_->requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(requests[1].body, enriched);
}

TEST_F(DispatcherTest, UsedResponseThatIsNotJsonFailsTheCall) {
  WebhookConfig enrich = Sync("enrich");
  WebhookConfig decide = Sync("decide", true);
  decide.use_data_from = "enrich";
  auto dispatcher = Make(MakeConfig(kPredeployment, {enrich, decide}));
  transport_->Script(enrich.url, {Respond(200, "not json")});

  Result<Outcome> outcome = dispatcher->Invoke(kPredeployment, kPayload);

  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->decision, Decision::kAbort);
  EXPECT_EQ(transport_->requests().size(), 1U);  // Permanent: no retry, decide skipped.
  ASSERT_EQ(outcome->webhooks.size(), 2U);
  EXPECT_EQ(outcome->webhooks[1].state, WebhookState::kSkipped);
}

TEST_F(DispatcherTest, UnusedResponseMayBeAnything) {
  auto dispatcher = Make(MakeConfig(kPredeployment, {Sync("check"), Sync("final", true)}));
  transport_->Script("http://127.0.0.1:8000/check", {Respond(200, "<html>fine</html>")});

  Result<Outcome> outcome = dispatcher->Invoke(kPredeployment, kPayload);

  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->decision, Decision::kProceed);
}

TEST_F(DispatcherTest, GateAbortsAfterRetriesWithExactBackoff) {
  auto dispatcher = Make(MakeConfig(kPredeployment, {Sync("gate", true), Async("notify")}));
  transport_->Script("http://127.0.0.1:8000/gate", {Respond(503, "busy")});

  Result<Outcome> outcome = dispatcher->Invoke(kPredeployment, kPayload);
  dispatcher->Drain();

  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->decision, Decision::kAbort);
  EXPECT_FALSE(outcome->final_response.has_value());
  EXPECT_EQ(outcome->failure,
            "webhook \"gate\" (http://127.0.0.1:8000/gate) failed: HTTP 503; gave up after 3 "
            "attempts");
  EXPECT_EQ(clock_.sleeps(), (std::vector<milliseconds>{milliseconds(100), milliseconds(200)}));
  ASSERT_EQ(outcome->webhooks.size(), 2U);
  const WebhookResult& gate = outcome->webhooks[0];
  ASSERT_EQ(gate.attempts.size(), 3U);
  EXPECT_EQ(gate.attempts[0].status, 503);
  EXPECT_EQ(gate.attempts[0].next_delay, milliseconds(100));
  EXPECT_EQ(gate.attempts[2].next_delay, milliseconds(0));
  EXPECT_EQ(outcome->webhooks[1].state, WebhookState::kSkipped);
  // The async webhook was never called.
  EXPECT_EQ(transport_->requests().size(), 3U);
}

TEST_F(DispatcherTest, RetrySucceedsOnThirdAttempt) {
  auto dispatcher = Make(MakeConfig(kPredeployment, {Sync("gate", true)}));
  transport_->Script("http://127.0.0.1:8000/gate",
                     {Fail(TransportError::kConnectFailed), Respond(500), Respond(200, "{}")});

  Result<Outcome> outcome = dispatcher->Invoke(kPredeployment, kPayload);

  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->decision, Decision::kProceed);
  EXPECT_EQ(outcome->webhooks[0].attempts.size(), 3U);
  EXPECT_EQ(*outcome->final_response, "{}");
  EXPECT_EQ(observer_.attempts.size(), 3U);
}

TEST_F(DispatcherTest, DeliveryIdStableAcrossRetriesAndUniquePerWebhook) {
  auto dispatcher = Make(MakeConfig(kPredeployment, {Sync("a"), Sync("b", true)}));
  transport_->Script("http://127.0.0.1:8000/a", {Respond(502), Respond(200)});

  ASSERT_TRUE(dispatcher->Invoke(kPredeployment, kPayload).ok());

  const auto requests = transport_->requests();
  ASSERT_EQ(requests.size(), 3U);
  EXPECT_EQ(requests[0].header("X-Herald-Delivery"), requests[1].header("X-Herald-Delivery"));
  EXPECT_NE(requests[0].header("X-Herald-Delivery"), requests[2].header("X-Herald-Delivery"));
  EXPECT_EQ(requests[0].header("X-Herald-Attempt"), "1");
  EXPECT_EQ(requests[1].header("X-Herald-Attempt"), "2");
}

TEST_F(DispatcherTest, SendsHeraldHeadersAndBearerToken) {
  WebhookConfig webhook = Sync("gate", true);
  webhook.auth_token = "s3cr3t-token";
  webhook.headers = {{"X-Team", "ml-platform"}};
  auto dispatcher = Make(MakeConfig(kPredeployment, {webhook}));

  ASSERT_TRUE(dispatcher->Invoke(kPredeployment, kPayload).ok());

  const auto requests = transport_->requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].header("Content-Type"), "application/json");
  EXPECT_EQ(requests[0].header("User-Agent").rfind("herald/", 0), 0U);
  EXPECT_EQ(requests[0].header("X-Herald-Event"), kPredeployment);
  EXPECT_EQ(requests[0].header("X-Herald-Delivery").size(), 36U);
  EXPECT_EQ(requests[0].header("Authorization"), "Bearer s3cr3t-token");
  EXPECT_EQ(requests[0].header("X-Team"), "ml-platform");
  EXPECT_EQ(requests[0].timeout, seconds(10));
}

// FakeClock's wall clock starts at 2026-01-01T00:00:00Z.
constexpr std::int64_t kFakeWallStart = 1'767'225'600;

TEST_F(DispatcherTest, SignsWithEverySecretAndSigningKey) {
  WebhookConfig webhook = Sync("gate", true);
  webhook.signing_secrets = {std::string(24, 'a'), std::string(32, 'b')};
  webhook.signing_key = std::string(32, 's');
  auto dispatcher = Make(MakeConfig(kPredeployment, {webhook}));

  ASSERT_TRUE(dispatcher->Invoke(kPredeployment, kPayload).ok());

  const auto requests = transport_->requests();
  ASSERT_EQ(requests.size(), 1U);
  const test::RecordedRequest& request = requests[0];
  EXPECT_EQ(request.body, kPayload);
  EXPECT_EQ(request.header("webhook-id"), request.header("X-Herald-Delivery"));
  EXPECT_EQ(request.header("webhook-timestamp"), std::to_string(kFakeWallStart));
  EXPECT_EQ(request.header("webhook-signature"),
            BuildSignatureHeader(webhook.signing_secrets, webhook.signing_key,
                                 request.header("webhook-id"), kFakeWallStart, kPayload));

  // Each key on its own accepts the request, as a receiver holding only
  // that key would.
  const SignedHeaders headers{request.header("webhook-id"), request.header("webhook-timestamp"),
                              request.header("webhook-signature")};
  const std::vector<VerificationKeys> single_keys = {
      {{webhook.signing_secrets[0]}, {}},
      {{webhook.signing_secrets[1]}, {}},
      {{}, {DerivePublicKey(*webhook.signing_key)}},
  };
  for (const VerificationKeys& keys : single_keys) {
    const Verification verification =
        VerifySignature(keys, headers, request.body, clock_.WallNow());
    EXPECT_EQ(verification.status, SignatureStatus::kValid) << verification.reason;
  }
}

TEST_F(DispatcherTest, RetryKeepsWebhookIdAndRenewsTimestamp) {
  WebhookConfig webhook = Sync("gate", true);
  webhook.signing_secrets = {std::string(24, 'a')};
  std::shared_ptr<Config> config = MakeConfig(kPredeployment, {webhook});
  config->retry.initial_backoff = seconds(2);
  auto dispatcher = Make(config);
  transport_->Script("http://127.0.0.1:8000/gate", {Respond(503), Respond(503), Respond(200)});

  ASSERT_TRUE(dispatcher->Invoke(kPredeployment, kPayload).ok());

  const auto requests = transport_->requests();
  ASSERT_EQ(requests.size(), 3U);
  // Attempts start at 0 s, 2.005 s and 6.010 s: backoff 2 s then 4 s, plus
  // 5 ms of scripted latency each.
  const std::vector<std::int64_t> expected_timestamps = {kFakeWallStart, kFakeWallStart + 2,
                                                         kFakeWallStart + 6};
  for (std::size_t i = 0; i < requests.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(requests[i].header("webhook-id"), requests[0].header("X-Herald-Delivery"));
    EXPECT_EQ(requests[i].header("webhook-timestamp"), std::to_string(expected_timestamps[i]));
    EXPECT_EQ(requests[i].header("webhook-signature"),
              SignSymmetric(webhook.signing_secrets[0], requests[0].header("webhook-id"),
                            expected_timestamps[i], kPayload));
  }
  EXPECT_NE(requests[0].header("webhook-signature"), requests[1].header("webhook-signature"));
}

TEST_F(DispatcherTest, UnsignedWebhookSendsNoSignatureHeaders) {
  auto dispatcher = Make(MakeConfig(kPredeployment, {Sync("gate", true)}));

  ASSERT_TRUE(dispatcher->Invoke(kPredeployment, kPayload).ok());

  const auto requests = transport_->requests();
  ASSERT_EQ(requests.size(), 1U);
  for (const Header& header : requests[0].headers) {
    EXPECT_NE(header.name.rfind("webhook-", 0), 0U) << header.name;
  }
}

TEST_F(DispatcherTest, NotificationFailureStillProceeds) {
  auto dispatcher = Make(MakeConfig(kDeployed, {Sync("sync", true), Async("later")}));
  transport_->Script("http://127.0.0.1:8000/sync", {Respond(404)});

  Result<Outcome> outcome = dispatcher->Invoke(
      kDeployed, R"({"event_type":"on-model-version-deployed","version_endpoint":{}})");
  dispatcher->Drain();

  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->decision, Decision::kProceed);
  EXPECT_NE(outcome->failure.find("HTTP 404; not retryable"), std::string::npos);
  EXPECT_EQ(transport_->requests().size(), 1U);  // 404 is not retried; async skipped.
}

TEST_F(DispatcherTest, AsyncRunsAfterSyncWithOriginalPayload) {
  auto dispatcher =
      Make(MakeConfig(kPredeployment, {Async("audit"), Sync("gate", true), Async("notify")}));
  transport_->Script("http://127.0.0.1:8000/gate", {Respond(200, R"({"changed":true})")});

  Result<Outcome> outcome = dispatcher->Invoke(kPredeployment, kPayload);
  dispatcher->Drain();

  ASSERT_TRUE(outcome.ok());
  ASSERT_EQ(outcome->webhooks.size(), 3U);
  EXPECT_EQ(outcome->webhooks[0].name, "gate");
  EXPECT_EQ(outcome->webhooks[1].state, WebhookState::kQueued);
  EXPECT_EQ(outcome->webhooks[2].state, WebhookState::kQueued);
  const auto requests = transport_->requests();
  ASSERT_EQ(requests.size(), 3U);
  EXPECT_EQ(requests[0].url, "http://127.0.0.1:8000/gate");
  for (std::size_t i = 1; i < requests.size(); ++i) EXPECT_EQ(requests[i].body, kPayload);
  EXPECT_EQ(observer_.finished.size(), 3U);
}

TEST_F(DispatcherTest, AsyncOnlyGateProceedsWithoutFinalResponse) {
  auto dispatcher = Make(MakeConfig(kPredeployment, {Async("async")}));

  Result<Outcome> outcome = dispatcher->Invoke(kPredeployment, kPayload);
  dispatcher->Drain();

  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->decision, Decision::kProceed);
  EXPECT_FALSE(outcome->final_response.has_value());
  EXPECT_EQ(transport_->requests().size(), 1U);
}

TEST_F(DispatcherTest, RedirectFailsWithoutRetry) {
  auto dispatcher = Make(MakeConfig(kPredeployment, {Sync("gate", true)}));
  transport_->Script("http://127.0.0.1:8000/gate",
                     {Respond(301, "", {{"Location", "http://127.0.0.1:8000/moved"}})});

  Result<Outcome> outcome = dispatcher->Invoke(kPredeployment, kPayload);

  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->decision, Decision::kAbort);
  EXPECT_EQ(transport_->requests().size(), 1U);
  EXPECT_NE(outcome->failure.find("redirect to http://127.0.0.1:8000/moved is not followed"),
            std::string::npos);
}

TEST_F(DispatcherTest, RetryAfterDelaysNextAttempt) {
  auto dispatcher = Make(MakeConfig(kPredeployment, {Sync("gate", true)}));
  transport_->Script("http://127.0.0.1:8000/gate",
                     {Respond(429, "", {{"Retry-After", "2"}}), Respond(200)});

  ASSERT_TRUE(dispatcher->Invoke(kPredeployment, kPayload).ok());

  EXPECT_EQ(clock_.sleeps(), std::vector<milliseconds>{seconds(2)});
}

TEST_F(DispatcherTest, SingleAttemptWhenMaxAttemptsIsOne) {
  WebhookConfig gate = Sync("gate", true);
  gate.max_attempts = 1;
  auto dispatcher = Make(MakeConfig(kPredeployment, {gate}));
  transport_->Script(gate.url, {Respond(500)});

  Result<Outcome> outcome = dispatcher->Invoke(kPredeployment, kPayload);

  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(transport_->requests().size(), 1U);
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(DispatcherTest, DeadlineCutsAttemptAndSkipsRest) {
  auto config = MakeConfig(kPredeployment, {Sync("slow"), Sync("final", true)});
  config->events[kPredeployment].deadline = milliseconds(1500);
  config->events[kPredeployment].webhooks[0].timeout = seconds(10);
  auto dispatcher = Make(config);
  transport_->Script("http://127.0.0.1:8000/slow", {Fail(TransportError::kTimeout)});

  Result<Outcome> outcome = dispatcher->Invoke(kPredeployment, kPayload);

  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->decision, Decision::kAbort);
  EXPECT_TRUE(outcome->deadline_exceeded);
  const auto requests = transport_->requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].timeout, milliseconds(1500));
  EXPECT_EQ(outcome->webhooks[1].state, WebhookState::kSkipped);
}

TEST_F(DispatcherTest, DeadlineStopsRetryThatWouldOverrun) {
  auto config = MakeConfig(kPredeployment, {Sync("flaky", true)});
  config->events[kPredeployment].deadline = milliseconds(50);
  auto dispatcher = Make(config);
  transport_->Script("http://127.0.0.1:8000/flaky", {Respond(503, "", {}, milliseconds(10))});

  Result<Outcome> outcome = dispatcher->Invoke(kPredeployment, kPayload);

  ASSERT_TRUE(outcome.ok());
  EXPECT_TRUE(outcome->deadline_exceeded);
  EXPECT_EQ(transport_->requests().size(), 1U);
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(DispatcherTest, DisabledConfigCallsNothing) {
  auto config = MakeConfig(kPredeployment, {Sync("gate", true)});
  config->enabled = false;
  auto dispatcher = Make(config);

  Result<Outcome> outcome = dispatcher->Invoke(kPredeployment, kPayload);

  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->decision, Decision::kProceed);
  EXPECT_TRUE(transport_->requests().empty());
}

TEST_F(DispatcherTest, EventWithoutWebhooksCallsNothing) {
  auto dispatcher = Make(MakeConfig(kPredeployment, {Sync("gate", true)}));

  Result<Outcome> outcome =
      dispatcher->Invoke("on-model-version-undeployed", R"({"version_endpoint":{}})");

  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->event, "on-model-version-undeployed");
  EXPECT_TRUE(outcome->webhooks.empty());
  EXPECT_TRUE(transport_->requests().empty());
}

TEST_F(DispatcherTest, UnknownEventIsInvalidArgument) {
  auto dispatcher = Make(MakeConfig(kPredeployment, {Sync("gate", true)}));

  Result<Outcome> outcome = dispatcher->Invoke("on-model-version-predeploy", kPayload);

  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(transport_->requests().empty());
}

TEST_F(DispatcherTest, AliasInvokesCanonicalEvent) {
  auto dispatcher = Make(MakeConfig(kPredeployment, {Sync("gate", true)}));

  Result<Outcome> outcome =
      dispatcher->Invoke("on-version-endpoint-predeployment", R"({"version_endpoint":{}})");

  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->event, kPredeployment);
  const auto requests = transport_->requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].body,
            R"({"event_type":"on-model-version-predeployment","version_endpoint":{}})");
}

TEST_F(DispatcherTest, MismatchedEventTypeCallsNothing) {
  auto dispatcher = Make(MakeConfig(kPredeployment, {Sync("gate", true)}));

  Result<Outcome> outcome = dispatcher->Invoke(
      kPredeployment, R"({"event_type":"on-model-version-deployed","version_endpoint":{}})");

  ASSERT_FALSE(outcome.ok());
  EXPECT_TRUE(transport_->requests().empty());
}

}  // namespace
}  // namespace herald
