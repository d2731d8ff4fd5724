#ifndef HERALD_SRC_CONFIG_DIAGNOSTICS_H_
#define HERALD_SRC_CONFIG_DIAGNOSTICS_H_

// Collects the errors and warnings of one config load.

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "herald/config.h"

namespace herald::config_internal {

// The part of the config a diagnostic is about. Empty members do not apply.
struct Location {
  std::string event;
  std::optional<std::size_t> webhook_index;
  std::string webhook_name;
};

// Accumulates diagnostics for one source; loading never stops at the first.
class DiagnosticSink {
 public:
  explicit DiagnosticSink(std::string file) : file_(std::move(file)) {}

  void Error(const Location& location, std::string field, std::string message);
  void Warning(const Location& location, std::string field, std::string message);

  const std::string& file() const { return file_; }
  std::size_t error_count() const { return errors_.size(); }

  std::vector<Diagnostic> TakeErrors() { return std::move(errors_); }
  std::vector<Diagnostic> TakeWarnings() { return std::move(warnings_); }

 private:
  Diagnostic Make(Severity severity, const Location& location, std::string field,
                  std::string message) const;

  std::string file_;
  std::vector<Diagnostic> errors_;
  std::vector<Diagnostic> warnings_;
};

}  // namespace herald::config_internal

#endif  // HERALD_SRC_CONFIG_DIAGNOSTICS_H_
