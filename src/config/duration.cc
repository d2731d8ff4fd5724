#include "duration.h"

#include <charconv>
#include <cmath>
#include <system_error>

#include <fmt/format.h>

namespace herald::config_internal {
namespace {

// 1e9 seconds is about 31.7 years: far above any sensible timeout, and far
// below the range of a 64-bit count of milliseconds.
constexpr double kMaxAbsSeconds = 1e9;

std::optional<double> ParseNumber(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

}  // namespace

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  double seconds_per_unit = 1;
  if (text.ends_with("ms")) {
    seconds_per_unit = 0.001;
    text.remove_suffix(2);
  } else if (text.ends_with("s")) {
    text.remove_suffix(1);
  } else if (text.ends_with("m")) {
    seconds_per_unit = 60;
    text.remove_suffix(1);
  }

  const std::optional<double> number = ParseNumber(text);
  if (!number.has_value()) return std::nullopt;

  const double seconds = *number * seconds_per_unit;
  if (std::fabs(seconds) > kMaxAbsSeconds) return std::nullopt;
  return std::chrono::round<std::chrono::milliseconds>(std::chrono::duration<double>(seconds));
}

std::string FormatSeconds(std::chrono::duration<double> duration) {
  std::string text = fmt::format("{:.3f}", duration.count());
  while (text.ends_with('0')) text.pop_back();
  if (text.ends_with('.')) text.pop_back();
  return text + "s";
}

}  // namespace herald::config_internal
