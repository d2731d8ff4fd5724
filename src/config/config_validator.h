#ifndef HERALD_SRC_CONFIG_CONFIG_VALIDATOR_H_
#define HERALD_SRC_CONFIG_CONFIG_VALIDATOR_H_

// Checks across the webhooks of one event, after each was read on its own.

#include <chrono>
#include <string_view>

#include "diagnostics.h"
#include "herald/config.h"

namespace herald::config_internal {

// Event chains whose worst-case sync time exceeds this, with no deadline
// below it, get a warning.
inline constexpr std::chrono::seconds kSlowSyncChainThreshold{60};

// Reports errors in how the webhooks of `event` refer to each other:
// repeated names, finalResponse and useDataFrom. `written_name` is the event
// name as the YAML spells it, for diagnostics. Pass `roles_known` false when
// some webhook's async or finalResponse was invalid, which skips the check
// that some sync webhook sets finalResponse.
void ValidateWebhookReferences(const EventConfig& event, std::string_view written_name,
                               bool roles_known, DiagnosticSink& sink);

// Reports warnings about the timing of `event`: a gate event without a sync
// webhook, and a sync chain that can outlast kSlowSyncChainThreshold.
void CheckEventTiming(const EventConfig& event, std::string_view written_name,
                      const RetrySettings& retry, DiagnosticSink& sink);

// Returns the longest time the sync webhooks of `event` can take in turn:
// for each, timeout times attempts plus the longest backoff delays between
// its attempts, with jitter at its upper bound.
// NOTE: a server's Retry-After can make a delay longer, up to
// retry.max_retry_after, and that is not counted.
std::chrono::duration<double> WorstCaseSyncTime(const EventConfig& event,
                                                const RetrySettings& retry);

}  // namespace herald::config_internal

#endif  // HERALD_SRC_CONFIG_CONFIG_VALIDATOR_H_
