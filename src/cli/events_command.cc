#include <fmt/format.h>
#include <fmt/ostream.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/commands.h"
#include "cli/diagnostics.h"
#include "herald/config.h"

namespace herald::cli {

int RunEvents(const EventsOptions& options, std::ostream& out, std::ostream& err) {
  EventCatalog catalog = EventCatalog::BuiltIn();
  if (!options.config_path.empty()) {
    const LoadResult loaded = LoadConfigFile(options.config_path);
    if (!loaded.ok()) {
      PrintDiagnostics(loaded, err);
      return kExitUsage;
    }
    catalog = loaded.config->catalog;
  }

  if (options.json) {
    nlohmann::json events = nlohmann::json::array();
    for (const EventType& event : catalog.events()) {
      events.push_back({{"name", event.name},
                        {"policy", PolicyName(event.policy)},
                        {"aliases", event.aliases},
                        {"custom", event.custom},
                        {"description", event.description}});
    }
    out << events.dump(2) << '\n';
    return kExitOk;
  }

  for (const EventType& event : catalog.events()) {
    fmt::print(out, "{:<36} {:<12} {}\n", event.name, PolicyName(event.policy), event.description);
    for (const std::string& alias : event.aliases) {
      fmt::print(out, "  alias: {}\n", alias);
    }
  }
  return kExitOk;
}

}  // namespace herald::cli
