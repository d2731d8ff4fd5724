#ifndef HERALD_EVENTS_H_
#define HERALD_EVENTS_H_

// The event catalogue: which event types exist and what their outcome means
// to the calling platform.
//
// An EventCatalog is a plain value. It is filled once while a config loads
// and only read afterwards, so a const catalogue is safe to share.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace herald {

enum class EventPolicy {
  // The platform proceeds only if every sync webhook returned HTTP 200;
  // any other result means abort. Response bodies never change that.
  kGate,
  // Failures are reported and logged but never change the outcome.
  kNotification,
};

// Returns "gate" or "notification".
std::string_view PolicyName(EventPolicy policy);

// Parses "gate" or "notification", case-insensitively.
std::optional<EventPolicy> ParsePolicy(std::string_view text);

struct EventType {
  std::string name;
  EventPolicy policy = EventPolicy::kNotification;
  // Other names that mean the same event.
  std::vector<std::string> aliases;
  // One line for `herald events`.
  std::string description;
  // True for events declared in a config rather than built in.
  bool custom = false;
};

class EventCatalog {
 public:
  // Returns the built-in catalogue: the Merlin model-version endpoint
  // events and the model, model-endpoint and model-version notifications.
  static EventCatalog BuiltIn();

  // Returns the event named `name` or one of its aliases, else nullptr.
  const EventType* Find(std::string_view name) const;

  // Returns the error message for an event name that Find does not know,
  // with the closest known name when one is close.
  std::string UnknownEventMessage(std::string_view name) const;

  // Adds a custom event. Returns false, leaving the catalogue unchanged,
  // when the name or an alias is already known.
  bool Add(EventType event);

  const std::vector<EventType>& events() const { return events_; }

 private:
  std::vector<EventType> events_;
};

}  // namespace herald

#endif  // HERALD_EVENTS_H_
