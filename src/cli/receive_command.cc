#include <fmt/format.h>
#include <fmt/ostream.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "receiver/receiver.h"

namespace herald::cli {
namespace {

std::atomic<bool> stop_requested{false};

extern "C" void RequestStop(int /*signal*/) { stop_requested.store(true); }

// Splits "HOST:PORT" or "[V6]:PORT". Returns false when it is malformed.
bool ParseListenAddress(const std::string& listen, std::string& host, int& port) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size()) return false;
  host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  try {
    std::size_t used = 0;
    port = std::stoi(listen.substr(colon + 1), &used);
    return used == listen.size() - colon - 1 && port >= 0 && port <= 65535 && !host.empty();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

int RunReceive(const ReceiveOptions& options, std::ostream& out, std::ostream& err) {
  ReceiverOptions receiver;
  if (!ParseListenAddress(options.listen, receiver.host, receiver.port)) {
    fmt::print(err, "herald: invalid --listen address \"{}\"; use HOST:PORT, e.g. 127.0.0.1:8000\n",
               options.listen);
    return kExitUsage;
  }
  receiver.status = options.status;
  receiver.body = options.body;
  if (!options.body_file.empty()) {
    std::ifstream file(options.body_file, std::ios::binary);
    if (!file) {
      fmt::print(err, "herald: cannot read --body-file {}\n", options.body_file);
      return kExitUsage;
    }
    std::ostringstream contents;
    contents << file.rdbuf();
    receiver.body = std::move(contents).str();
  }
  receiver.delay = std::chrono::milliseconds(options.delay_ms);
  receiver.json_log = options.json;
  if (options.max_requests > 0) receiver.max_requests = options.max_requests;

  std::signal(SIGINT, RequestStop);
  std::signal(SIGTERM, RequestStop);
  return RunReceiver(receiver, out, err, &stop_requested);
}

}  // namespace herald::cli
