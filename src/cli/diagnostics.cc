#include "cli/diagnostics.h"

#include <ostream>

namespace herald::cli {

void PrintDiagnostics(const LoadResult& loaded, std::ostream& err) {
  for (const Diagnostic& error : loaded.errors) err << "error: " << error.ToString() << '\n';
  for (const Diagnostic& warning : loaded.warnings) {
    err << "warning: " << warning.ToString() << '\n';
  }
}

}  // namespace herald::cli
