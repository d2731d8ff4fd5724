#ifndef HERALD_SRC_CONFIG_URL_H_
#define HERALD_SRC_CONFIG_URL_H_

// Validation of webhook URLs.

#include <optional>
#include <string>
#include <string_view>

namespace herald::config_internal {

// Returns why `url` is not a valid webhook URL, or nullopt when it is one.
// A valid URL is absolute, with scheme http or https in any case. It has a
// host (a name, an IPv4 address or a bracketed IPv6 address) and optionally
// a port from 1 to 65535. It contains no spaces, control characters, user
// info or fragment. The returned reason never repeats the URL.
std::optional<std::string> FindUrlProblem(std::string_view url);

}  // namespace herald::config_internal

#endif  // HERALD_SRC_CONFIG_URL_H_
