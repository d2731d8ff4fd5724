#include "herald/events.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "ascii.h"
#include "suggest.h"

namespace herald {
namespace {

using config_internal::EqualsIgnoreCase;

bool HasName(const EventType& event, std::string_view name) {
  if (event.name == name) return true;
  return std::find(event.aliases.begin(), event.aliases.end(), name) != event.aliases.end();
}

EventType Gate(std::string name, std::string description, std::vector<std::string> aliases) {
  return EventType{std::move(name), EventPolicy::kGate, std::move(aliases), std::move(description),
                   /*custom=*/false};
}

EventType Notification(std::string name, std::string description,
                       std::vector<std::string> aliases = {}) {
  return EventType{std::move(name), EventPolicy::kNotification, std::move(aliases),
                   std::move(description), /*custom=*/false};
}

}  // namespace

std::string_view PolicyName(EventPolicy policy) {
  switch (policy) {
    case EventPolicy::kGate:
      return "gate";
    case EventPolicy::kNotification:
      return "notification";
  }
  return "notification";
}

std::optional<EventPolicy> ParsePolicy(std::string_view text) {
  if (EqualsIgnoreCase(text, "gate")) return EventPolicy::kGate;
  if (EqualsIgnoreCase(text, "notification")) return EventPolicy::kNotification;
  return std::nullopt;
}

EventCatalog EventCatalog::BuiltIn() {
  // The aliases are the names that Merlin's version-endpoint code uses for
  // the same three deployment events.
  EventCatalog catalog;
  catalog.events_ = {
      Gate("on-model-version-predeployment",
           "Before a model version endpoint is deployed; a sync webhook can veto the deployment.",
           {"on-version-endpoint-predeployment"}),
      Notification("on-model-version-deployed", "A model version endpoint was deployed.",
                   {"on-version-endpoint-deployed"}),
      Notification("on-model-version-undeployed", "A model version endpoint was undeployed.",
                   {"on-version-endpoint-undeployed"}),
      Notification("on-model-created", "A model was created."),
      Notification("on-model-updated", "A model was updated."),
      Notification("on-model-deleted", "A model was deleted."),
      Notification("on-model-endpoint-created", "A model endpoint was created."),
      Notification("on-model-endpoint-updated", "A model endpoint was updated."),
      Notification("on-model-endpoint-deleted", "A model endpoint was deleted."),
      Notification("on-model-version-created", "A model version was created."),
      Notification("on-model-version-updated", "A model version was updated."),
      Notification("on-model-version-deleted", "A model version was deleted."),
  };
  return catalog;
}

const EventType* EventCatalog::Find(std::string_view name) const {
  for (const EventType& event : events_) {
    if (HasName(event, name)) return &event;
  }
  return nullptr;
}

std::string EventCatalog::UnknownEventMessage(std::string_view name) const {
  std::vector<std::string_view> names;
  for (const EventType& event : events_) {
    names.push_back(event.name);
    for (const std::string& alias : event.aliases) names.push_back(alias);
  }
  return fmt::format("unknown event \"{}\".{} `herald events` lists the known events", name,
                     config_internal::DidYouMean(name, names));
}

bool EventCatalog::Add(EventType event) {
  if (event.name.empty()) return false;
  if (Find(event.name) != nullptr) return false;

  std::vector<std::string_view> new_names = {event.name};
  for (const std::string& alias : event.aliases) {
    const bool repeated = std::find(new_names.begin(), new_names.end(), alias) != new_names.end();
    if (alias.empty() || repeated || Find(alias) != nullptr) return false;
    new_names.push_back(alias);
  }

  events_.push_back(std::move(event));
  return true;
}

}  // namespace herald
