// Prepares arbitrary bytes as the payload of a built-in event, and checks
// them as a response body. The first byte selects the event.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/attempt_classifier.h"
#include "engine/payload.h"
#include "herald/events.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const herald::EventCatalog catalog = herald::EventCatalog::BuiltIn();
  if (size == 0 || catalog.events().empty()) return 0;
  const herald::EventType& event = catalog.events()[data[0] % catalog.events().size()];
  const std::string_view payload(reinterpret_cast<const char*>(data + 1), size - 1);

  static_cast<void>(herald::IsEmptyOrJson(payload));
  const herald::Result<std::string> prepared = herald::PreparePayload(catalog, event, payload);

  // What PreparePayload returns is a JSON object, so preparing it again
  // must succeed and change nothing.
  if (prepared.ok()) {
    if (!herald::IsEmptyOrJson(prepared.value())) __builtin_trap();
    const herald::Result<std::string> again =
        herald::PreparePayload(catalog, event, prepared.value());
    if (!again.ok() || again.value() != prepared.value()) __builtin_trap();
  }
  return 0;
}
