#include <fmt/format.h>
#include <fmt/ostream.h>

#include <ostream>

#include "cli/commands.h"
#include "cli/diagnostics.h"
#include "herald/config.h"

namespace herald::cli {

int RunValidate(const ValidateOptions& options, std::ostream& out, std::ostream& err) {
  const LoadResult loaded = LoadConfigFile(options.config_path);
  PrintDiagnostics(loaded, err);
  if (!loaded.ok()) {
    fmt::print(err, "{}: invalid: {} error{}\n", options.config_path, loaded.errors.size(),
               loaded.errors.size() == 1 ? "" : "s");
    return kExitUsage;
  }

  const Config& config = *loaded.config;
  fmt::print(out, "{}: valid; webhooks {}; {} event{} configured, {} warning{}\n",
             options.config_path, config.enabled ? "enabled" : "disabled", config.events.size(),
             config.events.size() == 1 ? "" : "s", loaded.warnings.size(),
             loaded.warnings.size() == 1 ? "" : "s");
  for (const auto& [name, event] : config.events) {
    std::size_t sync = 0;
    for (const WebhookConfig& webhook : event.webhooks) {
      if (!webhook.async) ++sync;
    }
    const std::string deadline =
        event.deadline ? fmt::format(", deadline {} ms", event.deadline->count()) : "";
    fmt::print(out, "  {:<36} {:<12} {} sync, {} async{}\n", name, PolicyName(event.policy), sync,
               event.webhooks.size() - sync, deadline);
  }
  return kExitOk;
}

}  // namespace herald::cli
