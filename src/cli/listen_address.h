#ifndef HERALD_CLI_LISTEN_ADDRESS_H_
#define HERALD_CLI_LISTEN_ADDRESS_H_

#include <string>

namespace herald::cli {

// Splits "HOST:PORT" or "[IPV6]:PORT" into its parts. Returns false when
// the text is malformed or the port is outside 0..65535.
bool ParseListenAddress(const std::string& listen, std::string& host, int& port);

}  // namespace herald::cli

#endif  // HERALD_CLI_LISTEN_ADDRESS_H_
