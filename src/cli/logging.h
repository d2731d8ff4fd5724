#ifndef HERALD_CLI_LOGGING_H_
#define HERALD_CLI_LOGGING_H_

#include <string>

#include "herald/result.h"

namespace herald::cli {

// Points spdlog's default logger at stderr with the given level ("trace",
// "debug", "info", "warn", "error", "off") and format ("text" or "json").
// JSON lines carry "time", "level" and "message" keys.
Result<bool> ConfigureLogging(const std::string& level, const std::string& format);

}  // namespace herald::cli

#endif  // HERALD_CLI_LOGGING_H_
