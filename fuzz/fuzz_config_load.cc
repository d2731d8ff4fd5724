// Loads arbitrary bytes as a config. The environment is fake: HOOK_TOKEN is
// set and every other variable is unset, so results never depend on the
// machine.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "herald/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  const herald::EnvLookup env = [](std::string_view name) -> std::optional<std::string> {
    if (name == "HOOK_TOKEN") return "fuzz-token";
    return std::nullopt;
  };
  const herald::LoadResult result = herald::LoadConfigString(yaml, "fuzz.yaml", env);

  // A successful load has a config and no errors; diagnostics must format.
  if (result.ok() && result.config == nullptr) __builtin_trap();
  for (const herald::Diagnostic& diagnostic : result.errors) {
    if (diagnostic.ToString().empty()) __builtin_trap();
  }
  for (const herald::Diagnostic& diagnostic : result.warnings) {
    if (diagnostic.ToString().empty()) __builtin_trap();
  }
  return 0;
}
