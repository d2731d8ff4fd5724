#include <fmt/format.h>
#include <fmt/ostream.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "cli/listen_address.h"
#include "config/secrets.h"
#include "engine/signing.h"
#include "receiver/receiver.h"

namespace herald::cli {
namespace {

std::atomic<bool> stop_requested{false};

extern "C" void RequestStop(int /*signal*/) { stop_requested.store(true); }

// Resolves and decodes one --verify-* value with `parse`. Messages name the
// option and the file or variable, never the key.
bool ReadKey(const std::string& option, const std::string& raw,
             Result<std::string> (*parse)(std::string_view), std::vector<std::string>& keys,
             std::ostream& err) {
  Result<config_internal::ResolvedSecret> resolved =
      config_internal::ResolveSecretReference(raw, ProcessEnv);
  if (!resolved.ok()) {
    fmt::print(err, "herald: invalid {}: {}\n", option, resolved.error().message);
    return false;
  }
  Result<std::string> key = parse(resolved->value);
  if (!key.ok()) {
    fmt::print(err, "herald: invalid {}: {} (read from {})\n", option, key.error().message,
               resolved->source);
    return false;
  }
  keys.push_back(std::move(key.value()));
  return true;
}

bool ReadVerificationKeys(const ReceiveOptions& options, VerificationKeys& keys,
                          std::ostream& err) {
  for (const std::string& raw : options.verify_secrets) {
    if (!ReadKey("--verify-secret", raw, ParseSymmetricSecret, keys.secrets, err)) return false;
  }
  for (const std::string& raw : options.verify_public_keys) {
    if (!ReadKey("--verify-public-key", raw, ParsePublicKey, keys.public_keys, err)) return false;
  }
  return true;
}

}  // namespace

// Kept beside receive, whose --verify-public-key takes the key it prints.
int RunSigningKeyPublic(const SigningKeyOptions& options, std::ostream& out, std::ostream& err) {
  std::vector<std::string> seeds;
  if (!ReadKey("--public", options.key, ParseSigningKey, seeds, err)) return kExitUsage;
  fmt::print(out, "{}\n", FormatPublicKey(DerivePublicKey(seeds.front())));
  return kExitOk;
}

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
  if (!ReadVerificationKeys(options, receiver.verification_keys, err)) return kExitUsage;

  std::signal(SIGINT, RequestStop);
  std::signal(SIGTERM, RequestStop);
  return RunReceiver(receiver, out, err, &stop_requested);
}

}  // namespace herald::cli
