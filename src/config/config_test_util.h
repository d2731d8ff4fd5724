#ifndef HERALD_SRC_CONFIG_CONFIG_TEST_UTIL_H_
#define HERALD_SRC_CONFIG_CONFIG_TEST_UTIL_H_

// Helpers shared by the config tests.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "herald/config.h"

namespace herald::testing_config {

// Returns an EnvLookup that reads only `variables`.
inline EnvLookup FakeEnv(std::map<std::string, std::string, std::less<>> variables = {}) {
  return [variables = std::move(variables)](std::string_view name) -> std::optional<std::string> {
    const auto it = variables.find(name);
    if (it == variables.end()) return std::nullopt;
    return it->second;
  };
}

// Returns a config in the MLP shape that gives `event` the webhook list
// `list`, written in YAML flow style: "[{name: a, url: ...}]".
inline std::string ConfigWithEvent(std::string_view list,
                                   std::string_view event = "on-model-version-deployed") {
  return fmt::format(
      "webhooks:\n"
      "  enabled: true\n"
      "  config:\n"
      "    {}: {}\n",
      event, list);
}

// Loads `yaml` as "test.yaml" with an environment of `variables`.
inline LoadResult Load(std::string_view yaml,
                       std::map<std::string, std::string, std::less<>> variables = {}) {
  return LoadConfigString(yaml, "test.yaml", FakeEnv(std::move(variables)));
}

// Formats diagnostics one per line, for failure messages.
inline std::string Describe(const std::vector<Diagnostic>& diagnostics) {
  std::string text;
  for (const Diagnostic& diagnostic : diagnostics) text += diagnostic.ToString() + "\n";
  return text;
}

// One row of a table of configs that must fail to load: the event's webhook
// list and the diagnostic expected for it.
struct DiagnosticCase {
  std::string label;
  std::string list;  // the event's webhook list in YAML flow style
  std::optional<std::size_t> index;
  std::string webhook_name;
  std::string field;
  std::string message_part;
};

}  // namespace herald::testing_config

#endif  // HERALD_SRC_CONFIG_CONFIG_TEST_UTIL_H_
