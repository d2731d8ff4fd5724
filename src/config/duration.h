#ifndef HERALD_SRC_CONFIG_DURATION_H_
#define HERALD_SRC_CONFIG_DURATION_H_

// Duration syntax of the config file.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace herald::config_internal {

// Parses a duration: a plain number counts seconds and may be fractional
// ("0.5"), and a number with a unit suffix uses that unit ("250ms", "30s",
// "1.5m"). The result is rounded to whole milliseconds. Returns nullopt for
// any other text, for NaN and infinity, and for values beyond about 30
// years, which would overflow the conversion. Negative values parse, so the
// caller can say that they must be positive.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

// Formats a duration in seconds with up to three decimals: "30.36s", "2s".
std::string FormatSeconds(std::chrono::duration<double> duration);

}  // namespace herald::config_internal

#endif  // HERALD_SRC_CONFIG_DURATION_H_
