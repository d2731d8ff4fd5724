#include "engine/payload.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace herald {

Result<std::string> PreparePayload(const EventCatalog& catalog, const EventType& event,
                                   std::string_view payload) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(payload);
  } catch (const nlohmann::json::exception& error) {
    // parse_error for bad syntax, and out_of_range (406) for a number
    // beyond the range of double, such as 1e400.
    return Error{ErrorCode::kInvalidArgument,
                 fmt::format("payload is not valid JSON: {}", error.what())};
  }
  if (!document.is_object()) {
    return Error{ErrorCode::kInvalidArgument,
                 fmt::format("payload must be a JSON object, got {}", document.type_name())};
  }

  const auto member = document.find("event_type");
  if (member != document.end()) {
    if (!member->is_string()) {
      return Error{ErrorCode::kInvalidArgument, "payload event_type must be a string"};
    }
    const auto& named = member->get_ref<const std::string&>();
    const EventType* named_event = catalog.Find(named);
    if (named_event == nullptr || named_event->name != event.name) {
      return Error{ErrorCode::kInvalidArgument,
                   fmt::format("payload event_type \"{}\" does not match the event \"{}\"", named,
                               event.name)};
    }
    return std::string(payload);
  }

  // Parsing succeeded and the value is an object, so the first non-space
  // byte is its opening brace.
  const std::size_t brace = payload.find('{');
  const bool empty_object = document.empty();
  std::string prepared;
  prepared.reserve(payload.size() + event.name.size() + 16);
  prepared.append(payload.substr(0, brace + 1));
  prepared.append("\"event_type\":");
  prepared.append(nlohmann::json(event.name).dump());
  if (!empty_object) prepared.push_back(',');
  prepared.append(payload.substr(brace + 1));
  return prepared;
}

}  // namespace herald
