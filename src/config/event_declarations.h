#ifndef HERALD_SRC_CONFIG_EVENT_DECLARATIONS_H_
#define HERALD_SRC_CONFIG_EVENT_DECLARATIONS_H_

// The `events:` section: custom events and per-event deadlines.

#include <chrono>
#include <functional>
#include <map>
#include <string>

#include <yaml-cpp/yaml.h>

#include "diagnostics.h"
#include "herald/events.h"

namespace herald::config_internal {

// Deadlines set under `events:`, keyed by catalogue name.
using DeadlineMap = std::map<std::string, std::chrono::milliseconds, std::less<>>;

// Reads the `events:` mapping of event name to {policy, deadline,
// description, aliases}. A name outside `catalog` declares a custom event,
// which must give a policy and is added to `catalog`. A catalogue event (by
// name or alias) may only set `deadline`, and `policy` only to its own
// policy. Returns the deadlines; problems go to `sink`.
DeadlineMap LoadEventDeclarations(const YAML::Node& node, EventCatalog& catalog,
                                  DiagnosticSink& sink);

}  // namespace herald::config_internal

#endif  // HERALD_SRC_CONFIG_EVENT_DECLARATIONS_H_
