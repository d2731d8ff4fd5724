#ifndef HERALD_ENGINE_PAYLOAD_H_
#define HERALD_ENGINE_PAYLOAD_H_

#include <string>
#include <string_view>

#include "herald/events.h"
#include "herald/result.h"

namespace herald {

// Checks an event payload and returns the bytes to send.
//
// The payload must be a JSON object. When it has an "event_type" member,
// that must be a string naming `event` or one of its aliases, and the
// payload is returned unchanged. When it has none, "event_type" is inserted
// as the object's first member and every other byte is kept as given.
// Failures are kInvalidArgument with a message for the caller.
Result<std::string> PreparePayload(const EventCatalog& catalog, const EventType& event,
                                   std::string_view payload);

}  // namespace herald

#endif  // HERALD_ENGINE_PAYLOAD_H_
