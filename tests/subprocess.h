#ifndef HERALD_TESTS_SUBPROCESS_H_
#define HERALD_TESTS_SUBPROCESS_H_

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace herald::test {

struct ProcessResult {
  int exit_code = -1;  // -1 when the process was killed or did not exit.
  std::string out;
  std::string err;
  std::chrono::milliseconds elapsed{0};
};

// Runs `argv` with `input` on its standard input and extra environment
// variables, waits for it, and returns its exit code and output. A process
// still running after `timeout` is killed.
ProcessResult RunProcess(const std::vector<std::string>& argv, const std::string& input = "",
                         const std::vector<std::pair<std::string, std::string>>& env = {},
                         std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Returns a new empty directory under the test temp dir.
std::string MakeTempDir();

// Writes `contents` to `path`, replacing it.
void WriteFile(const std::string& path, const std::string& contents);

// Returns the contents of `path`; fails the test when it cannot be read.
std::string ReadFile(const std::string& path);

}  // namespace herald::test

#endif  // HERALD_TESTS_SUBPROCESS_H_
