#ifndef HERALD_SRC_CONFIG_HEADERS_H_
#define HERALD_SRC_CONFIG_HEADERS_H_

// Checks on the HTTP headers that a config adds to webhook requests.

#include <optional>
#include <string>
#include <string_view>

namespace herald::config_internal {

// Returns true when `name` is an HTTP token (RFC 9110, section 5.6.2):
// one or more letters, digits or any of !#$%&'*+-.^_`|~.
bool IsHttpToken(std::string_view name);

// Returns true when `text` contains CR, LF or NUL, any of which could end a
// header line early and inject another header or a body.
bool ContainsLineBreakOrNul(std::string_view text);

// Returns why herald must set the header `name` itself, or nullopt when a
// config may set it. Names compare case-insensitively.
std::optional<std::string> FindReservedHeaderReason(std::string_view name);

}  // namespace herald::config_internal

#endif  // HERALD_SRC_CONFIG_HEADERS_H_
