// `herald validate` and `herald events` end to end.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "subprocess.h"

namespace herald::test {
namespace {

const std::string kExamples = HERALD_EXAMPLES_DIR;

TEST(ValidateCommand, MerlinExampleIsValid) {
  const ProcessResult result =
      RunProcess({HERALD_BINARY, "validate", kExamples + "/webhooks.yaml"});

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("valid"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("3 events configured"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("on-model-version-undeployed"), std::string::npos);
  EXPECT_NE(result.out.find("1 sync, 0 async"), std::string::npos) << result.out;
  // The predeployment gate has only an async webhook, so nothing can veto.
  EXPECT_NE(result.err.find("warning:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("on-model-version-predeployment"), std::string::npos) << result.err;
}

TEST(ValidateCommand, ReportsEveryErrorAndExitsTwo) {
  const std::string dir = MakeTempDir();
  const std::string path = dir + "/bad.yaml";
  WriteFile(path, R"(webhooks:
  enabled: true
  config:
    on-model-version-predeployment:
      - name: gate
        url: ftp://127.0.0.1/x
        finalResponse: true
      - name: gate
        url: http://127.0.0.1:8000/y
        timeout: 0
      - name: typo
        url: http://127.0.0.1:8000/z
        asynk: true
    on-model-version-deploy:
      - name: misspelt-event
        url: http://127.0.0.1:8000/w
)");

  const ProcessResult result = RunProcess({HERALD_BINARY, "validate", path});

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.out, "");
  for (const char* expected :
       {"bad.yaml", "url", "timeout", "gate", "on-model-version-deploy", "asynk", "async"}) {
    EXPECT_NE(result.err.find(expected), std::string::npos) << expected << "\n" << result.err;
  }
  std::size_t errors = 0;
  for (std::size_t at = result.err.find("error:"); at != std::string::npos;
       at = result.err.find("error:", at + 1)) {
    ++errors;
  }
  EXPECT_GE(errors, 4U) << result.err;
}

TEST(ValidateCommand, MissingFileExitsTwo) {
  const ProcessResult result =
      RunProcess({HERALD_BINARY, "validate", "/nonexistent/webhooks.yaml"});

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("/nonexistent/webhooks.yaml"), std::string::npos) << result.err;
}

TEST(EventsCommand, ListsCatalogueWithPolicies) {
  const ProcessResult result = RunProcess({HERALD_BINARY, "events", "--json"});

  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto events = nlohmann::json::parse(result.out);
  bool found_gate = false;
  for (const auto& event : events) {
    if (event["name"] == "on-model-version-predeployment") {
      found_gate = true;
      EXPECT_EQ(event["policy"], "gate");
      EXPECT_EQ(event["aliases"][0], "on-version-endpoint-predeployment");
    }
    if (event["name"] == "on-model-version-deployed") {
      EXPECT_EQ(event["policy"], "notification");
    }
  }
  EXPECT_TRUE(found_gate);
  EXPECT_GE(events.size(), 12U);
}

TEST(Command, UnknownSubcommandExitsTwo) {
  const ProcessResult result = RunProcess({HERALD_BINARY, "frobnicate"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("unknown subcommand \"frobnicate\""), std::string::npos) << result.err;
}

TEST(Command, PortFlagPointsToListen) {
  const ProcessResult result =
      RunProcess({HERALD_BINARY, "serve", "--config", "webhooks.yaml", "--port", "8471"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("use --listen HOST:PORT"), std::string::npos) << result.err;
}

TEST(Command, MisspeltRequiredOptionIsNamed) {
  const ProcessResult result = RunProcess({HERALD_BINARY, "serve", "--conifg", "webhooks.yaml"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("herald serve: unknown option \"--conifg\""), std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("--config is required"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace herald::test
