#include "headers.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "ascii.h"

namespace herald::config_internal {
namespace {

bool IsTokenCharacter(char c) {
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         kSymbols.find(c) != std::string_view::npos;
}

constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kReservedHeaders = {{
    {"Content-Type", "herald sends every payload as application/json"},
    {"Content-Length", "herald computes it from the payload"},
    {"Transfer-Encoding", "herald controls how the body is framed"},
    {"Host", "herald derives it from the url"},
    {"User-Agent", "herald identifies itself with its own User-Agent"},
    {"Authorization", "herald builds it from authToken; set authEnabled and authToken instead"},
    {"webhook-id", "herald sends the delivery id in it when the webhook has signing keys"},
    {"webhook-timestamp", "herald sends the attempt time in it when the webhook has signing keys"},
    {"webhook-signature", "herald signs requests itself; set secret, secrets or signingKey"},
}};

constexpr std::string_view kReservedPrefix = "X-Herald-";

}  // namespace

bool IsHttpToken(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), IsTokenCharacter);
}

bool ContainsLineBreakOrNul(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

std::optional<std::string> FindReservedHeaderReason(std::string_view name) {
  for (const auto& [reserved, reason] : kReservedHeaders) {
    if (EqualsIgnoreCase(name, reserved)) return std::string(reason);
  }
  if (StartsWithIgnoreCase(name, kReservedPrefix)) {
    return "X-Herald-* headers carry herald's delivery metadata";
  }
  return std::nullopt;
}

}  // namespace herald::config_internal
