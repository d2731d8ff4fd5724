#include <string>

#include <gtest/gtest.h>

#include "diagnostics.h"
#include "herald/config.h"

namespace herald {
namespace {

Diagnostic MakeDiagnostic(std::string file, std::string event, std::optional<std::size_t> index,
                          std::string name, std::string field) {
  Diagnostic diagnostic;
  diagnostic.file = std::move(file);
  diagnostic.event = std::move(event);
  diagnostic.webhook_index = index;
  diagnostic.webhook_name = std::move(name);
  diagnostic.field = std::move(field);
  diagnostic.message = "must be true or false";
  return diagnostic;
}

TEST(DiagnosticTest, ToStringFormats) {
  struct Case {
    Diagnostic diagnostic;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {MakeDiagnostic("a.yaml", "on-model-created", 1, "notify", "async"),
       "a.yaml: event on-model-created, webhook #2 (notify), field async: must be true or false"},
      {MakeDiagnostic("a.yaml", "on-model-created", 0, "", "async"),
       "a.yaml: event on-model-created, webhook #1, field async: must be true or false"},
      {MakeDiagnostic("a.yaml", "on-model-created", std::nullopt, "notify", ""),
       "a.yaml: event on-model-created, webhook notify: must be true or false"},
      {MakeDiagnostic("a.yaml", "", std::nullopt, "", "retry.jitter"),
       "a.yaml: field retry.jitter: must be true or false"},
      {MakeDiagnostic("a.yaml", "", std::nullopt, "", ""), "a.yaml: must be true or false"},
      {MakeDiagnostic("", "on-model-created", std::nullopt, "", ""),
       "event on-model-created: must be true or false"},
      {MakeDiagnostic("", "", std::nullopt, "", ""), "must be true or false"},
  };
  for (const Case& test_case : cases) {
    EXPECT_EQ(test_case.diagnostic.ToString(), test_case.expected);
  }
}

TEST(DiagnosticSinkTest, KeepsErrorsAndWarningsApart) {
  config_internal::DiagnosticSink sink("b.yaml");
  sink.Error({"on-model-created", 2, "x"}, "url", "bad");
  sink.Warning({"on-model-created", std::nullopt, ""}, "", "slow");
  EXPECT_EQ(sink.error_count(), 1u);

  const std::vector<Diagnostic> errors = sink.TakeErrors();
  const std::vector<Diagnostic> warnings = sink.TakeWarnings();
  ASSERT_EQ(errors.size(), 1u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(errors[0].severity, Severity::kError);
  EXPECT_EQ(errors[0].ToString(), "b.yaml: event on-model-created, webhook #3 (x), field url: bad");
  EXPECT_EQ(warnings[0].severity, Severity::kWarning);
  EXPECT_EQ(warnings[0].ToString(), "b.yaml: event on-model-created: slow");
}

}  // namespace
}  // namespace herald
