#include "diagnostics.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace herald {

std::string Diagnostic::ToString() const {
  std::vector<std::string> parts;
  if (!event.empty()) parts.push_back(fmt::format("event {}", event));

  if (webhook_index.has_value() && !webhook_name.empty()) {
    parts.push_back(fmt::format("webhook #{} ({})", *webhook_index + 1, webhook_name));
  } else if (webhook_index.has_value()) {
    parts.push_back(fmt::format("webhook #{}", *webhook_index + 1));
  } else if (!webhook_name.empty()) {
    parts.push_back(fmt::format("webhook {}", webhook_name));
  }

  if (!field.empty()) parts.push_back(fmt::format("field {}", field));

  std::string prefix = file;
  const std::string location = fmt::format("{}", fmt::join(parts, ", "));
  if (!prefix.empty() && !location.empty()) prefix += ": ";
  prefix += location;

  if (prefix.empty()) return message;
  return fmt::format("{}: {}", prefix, message);
}

namespace config_internal {

void DiagnosticSink::Error(const Location& location, std::string field, std::string message) {
  errors_.push_back(Make(Severity::kError, location, std::move(field), std::move(message)));
}

void DiagnosticSink::Warning(const Location& location, std::string field, std::string message) {
  warnings_.push_back(Make(Severity::kWarning, location, std::move(field), std::move(message)));
}

Diagnostic DiagnosticSink::Make(Severity severity, const Location& location, std::string field,
                                std::string message) const {
  Diagnostic diagnostic;
  diagnostic.severity = severity;
  diagnostic.file = file_;
  diagnostic.event = location.event;
  diagnostic.webhook_index = location.webhook_index;
  diagnostic.webhook_name = location.webhook_name;
  diagnostic.field = std::move(field);
  diagnostic.message = std::move(message);
  return diagnostic;
}

}  // namespace config_internal
}  // namespace herald
