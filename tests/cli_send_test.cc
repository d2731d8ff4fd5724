// `herald send` end to end: the real binary, the bundled Merlin example,
// and loopback receivers.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "subprocess.h"
#include "testing/loopback_receiver.h"

namespace herald::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const std::string kExamples = HERALD_EXAMPLES_DIR;

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

class SendTest : public ::testing::Test {
 protected:
  // Writes `yaml` with every 127.0.0.1:8000 replaced by the receiver's
  // address, and returns the file's path.
  std::string WriteConfig(const std::string& yaml) {
    const std::string path = dir_ + "/webhooks.yaml";
    WriteFile(path,
              ReplaceAll(yaml, "127.0.0.1:8000", "127.0.0.1:" + std::to_string(receiver_.port())));
    return path;
  }

  std::string MerlinConfig() { return WriteConfig(ReadFile(kExamples + "/webhooks.yaml")); }

  ProcessResult Send(const std::string& config, const std::string& event,
                     const std::string& payload_path, std::vector<std::string> extra = {},
                     const std::string& input = "",
                     const std::vector<std::pair<std::string, std::string>>& env = {}) {
    std::vector<std::string> argv = {HERALD_BINARY, "send", "--config",  config,
                                     "--event",     event,  "--payload", payload_path};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunProcess(argv, input, env);
  }

  std::string dir_ = MakeTempDir();
  LoopbackReceiver receiver_;
};

TEST_F(SendTest, MerlinPredeploymentCallsAsyncWebhookWithExactBytes) {
  const std::string payload = kExamples + "/event-predeployment.json";

  const ProcessResult result = Send(MerlinConfig(), "on-model-version-predeployment", payload);

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "");
  const auto requests = receiver_.requests();
  ASSERT_EQ(requests.size(), 1U);  // send waits for async deliveries.
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].path, "/async-webhook");
  EXPECT_EQ(requests[0].body, ReadFile(payload));
  EXPECT_EQ(requests[0].FindHeader("content-type"), "application/json");
  EXPECT_EQ(requests[0].FindHeader("x-herald-event"), "on-model-version-predeployment");
  EXPECT_TRUE(std::regex_match(requests[0].FindHeader("user-agent").value_or(""),
                               std::regex("herald/[0-9]+\\.[0-9]+\\.[0-9]+")));
}

TEST_F(SendTest, MerlinUndeployedPrintsFinalResponse) {
  const std::string body = "{\"code\": \"200\", \"version_endpoint\": {\"id\": \"x\"}}\n";
  receiver_.SetResponse("/sync-webhook", ScriptedResponse::Status(200, body));

  const ProcessResult result =
      Send(MerlinConfig(), "on-model-version-undeployed", kExamples + "/event-undeployed.json");

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, body);
  ASSERT_EQ(receiver_.request_count(), 1U);
  EXPECT_EQ(receiver_.requests()[0].path, "/sync-webhook");
}

TEST_F(SendTest, MerlinDeployedNotificationFailureExitsZero) {
  receiver_.SetResponse("/async-webhook", ScriptedResponse::Status(500));
  const std::string yaml = ReadFile(kExamples + "/webhooks.yaml") +
                           "  retry:\n    initialBackoff: 10ms\n    maxBackoff: 20ms\n";

  const ProcessResult result =
      Send(WriteConfig(yaml), "on-model-version-deployed", kExamples + "/event-deployed.json");

  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(receiver_.request_count(), 3U);  // numRetries 0 means three attempts.
  EXPECT_NE(result.err.find("async webhook \"async\""), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("HTTP 500"), std::string::npos) << result.err;
}

TEST_F(SendTest, UnicodePayloadBytesArriveUnchanged) {
  const std::string payload = kExamples + "/event-predeployment-gpu-unicode.json";

  const ProcessResult result = Send(MerlinConfig(), "on-model-version-predeployment", payload);

  EXPECT_EQ(result.exit_code, 0) << result.err;
  ASSERT_EQ(receiver_.request_count(), 1U);
  EXPECT_EQ(receiver_.requests()[0].body, ReadFile(payload));
}

TEST_F(SendTest, PayloadFromStandardInput) {
  const std::string payload = ReadFile(kExamples + "/event-deployed.json");

  const ProcessResult result = Send(MerlinConfig(), "on-model-version-deployed", "-", {}, payload);

  EXPECT_EQ(result.exit_code, 0) << result.err;
  ASSERT_EQ(receiver_.request_count(), 1U);
  EXPECT_EQ(receiver_.requests()[0].body, payload);
}

const char kGateConfig[] = R"(webhooks:
  enabled: true
  retry:
    initialBackoff: 10ms
    maxBackoff: 40ms
  config:
    on-model-version-predeployment:
      - name: quota
        url: http://127.0.0.1:8000/quota
        finalResponse: true
      - name: audit
        url: http://127.0.0.1:8000/audit
        async: true
)";

TEST_F(SendTest, GateVetoExitsOneAndSkipsAsync) {
  receiver_.SetResponse("/quota", ScriptedResponse::Status(403, R"({"code":"403"})"));

  const ProcessResult result = Send(WriteConfig(kGateConfig), "on-model-version-predeployment",
                                    kExamples + "/event-predeployment.json");

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_NE(result.err.find("abort"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("\"quota\""), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("HTTP 403"), std::string::npos) << result.err;
  ASSERT_EQ(receiver_.request_count(), 1U);  // 403 is not retried; audit not called.
  EXPECT_EQ(receiver_.requests()[0].path, "/quota");
}

TEST_F(SendTest, GateRetriesServerErrorsThenAborts) {
  receiver_.SetResponse("/quota", ScriptedResponse::Status(503));

  const ProcessResult result = Send(WriteConfig(kGateConfig), "on-model-version-predeployment",
                                    kExamples + "/event-predeployment.json");

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("gave up after 3 attempts"), std::string::npos) << result.err;
  const auto requests = receiver_.requests();
  ASSERT_EQ(requests.size(), 3U);
  EXPECT_EQ(requests[0].FindHeader("x-herald-delivery"),
            requests[2].FindHeader("x-herald-delivery"));
  EXPECT_EQ(requests[2].FindHeader("x-herald-attempt"), "3");
}

TEST_F(SendTest, GatePassRunsAsyncAfterSync) {
  receiver_.SetResponse("/quota", ScriptedResponse::Status(200, R"({"code":"200"})"));

  const ProcessResult result = Send(WriteConfig(kGateConfig), "on-model-version-predeployment",
                                    kExamples + "/event-predeployment.json");

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, R"({"code":"200"})");
  const auto requests = receiver_.requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(requests[0].path, "/quota");
  EXPECT_EQ(requests[1].path, "/audit");
  EXPECT_EQ(requests[1].body, ReadFile(kExamples + "/event-predeployment.json"));
}

TEST_F(SendTest, RedirectIsNotFollowed) {
  receiver_.SetResponse("/quota", ScriptedResponse::Redirect(receiver_.url("/elsewhere")));

  const ProcessResult result = Send(WriteConfig(kGateConfig), "on-model-version-predeployment",
                                    kExamples + "/event-predeployment.json");

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("redirect to " + receiver_.url("/elsewhere") + " is not followed"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(receiver_.request_count(), 1U);
}

TEST_F(SendTest, NonJsonFinalResponseFails) {
  receiver_.SetResponse("/quota", ScriptedResponse::Status(200, "<html>ok</html>"));

  const ProcessResult result = Send(WriteConfig(kGateConfig), "on-model-version-predeployment",
                                    kExamples + "/event-predeployment.json");

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("not valid JSON"), std::string::npos) << result.err;
}

TEST_F(SendTest, EmptyFinalResponseProceeds) {
  receiver_.SetResponse("/quota", ScriptedResponse::Status(200, ""));

  const ProcessResult result = Send(WriteConfig(kGateConfig), "on-model-version-predeployment",
                                    kExamples + "/event-predeployment.json");

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "");
}

TEST_F(SendTest, RefusedConnectionAborts) {
  const std::string yaml =
      ReplaceAll(kGateConfig, "127.0.0.1:8000/quota",
                 "127.0.0.1:" + std::to_string(RefusedLoopbackPort()) + "/quota");

  const ProcessResult result = Send(WriteConfig(yaml), "on-model-version-predeployment",
                                    kExamples + "/event-predeployment.json");

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("connect_failed"), std::string::npos) << result.err;
  EXPECT_EQ(receiver_.request_count(), 0U);  // The async webhook is not called.
}

TEST_F(SendTest, DeadlineCutsSlowWebhook) {
  receiver_.SetResponse("/quota", ScriptedResponse::Delayed(seconds(5)));
  const std::string yaml =
      std::string(kGateConfig) +
      "  events:\n    on-model-version-predeployment:\n      deadline: 300ms\n";

  const ProcessResult result = Send(WriteConfig(yaml), "on-model-version-predeployment",
                                    kExamples + "/event-predeployment.json", {"--json"});

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_LT(result.elapsed, seconds(4));  // Far below the 5 s the receiver would take.
  const auto report = nlohmann::json::parse(result.out);
  EXPECT_EQ(report["decision"], "abort");
  EXPECT_EQ(report["deadline_exceeded"], true);
}

TEST_F(SendTest, TrickledBodyCannotStretchTimeout) {
  receiver_.SetResponse("/quota",
                        ScriptedResponse::Trickle(std::string(100, 'x'), 1, milliseconds(100)));
  const std::string yaml =
      ReplaceAll(kGateConfig, "finalResponse: true",
                 "finalResponse: true\n        timeout: 0.5\n        numRetries: 1");

  const ProcessResult result = Send(WriteConfig(yaml), "on-model-version-predeployment",
                                    kExamples + "/event-predeployment.json");

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("timeout"), std::string::npos) << result.err;
  EXPECT_LT(result.elapsed, seconds(5));  // The trickle alone would take 10 s.
}

TEST_F(SendTest, EndlessBodyHitsSizeCap) {
  receiver_.SetResponse("/quota", ScriptedResponse::Endless());
  const std::string yaml =
      ReplaceAll(kGateConfig, "  retry:", "  maxResponseBytes: 65536\n  retry:");

  const ProcessResult result = Send(WriteConfig(yaml), "on-model-version-predeployment",
                                    kExamples + "/event-predeployment.json");

  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("body_too_large"), std::string::npos) << result.err;
  EXPECT_EQ(receiver_.request_count(), 1U);  // A body over the cap is not retried.
}

TEST_F(SendTest, BearerTokenFromEnvironmentNeverPrinted) {
  const std::string token = "tok-5f1d2c9e-planted";
  receiver_.SetResponse("/quota", ScriptedResponse::Status(401));
  const std::string yaml = ReplaceAll(
      kGateConfig, "finalResponse: true",
      "finalResponse: true\n        authEnabled: true\n        authToken: ${HERALD_TEST_TOKEN}");

  const ProcessResult result = Send(
      WriteConfig(yaml), "on-model-version-predeployment", kExamples + "/event-predeployment.json",
      {"--json", "--log-level", "debug"}, "", {{"HERALD_TEST_TOKEN", token}});

  EXPECT_EQ(result.exit_code, 1);
  ASSERT_EQ(receiver_.request_count(), 1U);
  EXPECT_EQ(receiver_.requests()[0].FindHeader("authorization"), "Bearer " + token);
  EXPECT_EQ(result.out.find(token), std::string::npos);
  EXPECT_EQ(result.err.find(token), std::string::npos);
}

TEST_F(SendTest, MissingEventTypeIsAdded) {
  const std::string payload = dir_ + "/payload.json";
  WriteFile(payload, R"({"version_endpoint": {"id": "v"}})");

  const ProcessResult result = Send(MerlinConfig(), "on-model-version-deployed", payload);

  EXPECT_EQ(result.exit_code, 0) << result.err;
  ASSERT_EQ(receiver_.request_count(), 1U);
  EXPECT_EQ(receiver_.requests()[0].body,
            R"({"event_type":"on-model-version-deployed","version_endpoint": {"id": "v"}})");
}

TEST_F(SendTest, UsageErrorsExitTwoAndCallNothing) {
  const std::string config = MerlinConfig();
  const std::string mismatched = dir_ + "/mismatched.json";
  WriteFile(mismatched, R"({"event_type": "on-model-version-deployed"})");
  const std::string invalid = dir_ + "/invalid.json";
  WriteFile(invalid, "{not json");

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"on-model-version-predeployment", mismatched},
      {"on-model-version-predeployment", invalid},
      {"on-model-version-predeploy", kExamples + "/event-predeployment.json"},
      {"on-model-version-predeployment", dir_ + "/missing.json"},
  };
  for (const auto& [event, payload] : cases) {
    const ProcessResult result = Send(config, event, payload);
    EXPECT_EQ(result.exit_code, 2) << event << " " << payload;
    EXPECT_FALSE(result.err.empty()) << event << " " << payload;
    EXPECT_EQ(result.out, "");
  }
  EXPECT_EQ(receiver_.request_count(), 0U);
}

TEST_F(SendTest, DisabledConfigCallsNothing) {
  const std::string yaml =
      ReplaceAll(ReadFile(kExamples + "/webhooks.yaml"), "Enabled: true", "Enabled: false");

  const ProcessResult result =
      Send(WriteConfig(yaml), "on-model-version-undeployed", kExamples + "/event-undeployed.json");

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(receiver_.request_count(), 0U);
}

TEST_F(SendTest, EventWithoutWebhooksCallsNothing) {
  const std::string payload = dir_ + "/created.json";
  WriteFile(payload, R"({"event_type": "on-model-created", "model": {}})");

  const ProcessResult result = Send(MerlinConfig(), "on-model-created", payload);

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(receiver_.request_count(), 0U);
}

TEST_F(SendTest, JsonReportDescribesEveryWebhook) {
  receiver_.SetResponse("/quota", ScriptedResponse::Status(200, R"({"code":"200"})"));

  const ProcessResult result = Send(WriteConfig(kGateConfig), "on-model-version-predeployment",
                                    kExamples + "/event-predeployment.json", {"--json"});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto report = nlohmann::json::parse(result.out);
  EXPECT_EQ(report["decision"], "proceed");
  EXPECT_EQ(report["policy"], "gate");
  EXPECT_EQ(report["final_response"]["code"], "200");
  ASSERT_EQ(report["webhooks"].size(), 2U);
  EXPECT_EQ(report["webhooks"][0]["name"], "quota");
  EXPECT_EQ(report["webhooks"][0]["attempts"][0]["status"], 200);
  EXPECT_EQ(report["webhooks"][1]["name"], "audit");
  EXPECT_EQ(report["webhooks"][1]["state"], "succeeded");
}

}  // namespace
}  // namespace herald::test
