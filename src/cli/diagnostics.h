#ifndef HERALD_CLI_DIAGNOSTICS_H_
#define HERALD_CLI_DIAGNOSTICS_H_

#include <iosfwd>

#include "herald/config.h"

namespace herald::cli {

// Writes each error as "error: ..." and each warning as "warning: ...",
// one per line.
void PrintDiagnostics(const LoadResult& loaded, std::ostream& err);

}  // namespace herald::cli

#endif  // HERALD_CLI_DIAGNOSTICS_H_
