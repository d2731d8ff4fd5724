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

// A process running in the background, with its output in files.
class BackgroundProcess {
 public:
  BackgroundProcess() = default;
  ~BackgroundProcess();  // Kills the process if it still runs.
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // Starts `argv`; returns false when it cannot be started.
  bool Start(const std::vector<std::string>& argv,
             const std::vector<std::pair<std::string, std::string>>& env = {});

  // Sends `signal` to the process.
  void Signal(int signal);

  // Waits up to `timeout` for the process to exit. Returns its exit code,
  // 128 + N when signal N ended it, or -1 when it is still running.
  int Wait(std::chrono::milliseconds timeout);

  // Waits up to `timeout` until standard error contains `text`.
  bool WaitForStderr(const std::string& text, std::chrono::milliseconds timeout) const;

  std::string err() const;
  int pid() const { return pid_; }

 private:
  int pid_ = -1;
  std::string dir_;
};

// Returns the port in "listening on http://127.0.0.1:PORT/" from `text`,
// or 0 when it is not there.
int ParseListeningPort(const std::string& text);

// Returns a new empty directory under the test temp dir.
std::string MakeTempDir();

// Writes `contents` to `path`, replacing it.
void WriteFile(const std::string& path, const std::string& contents);

// Returns the contents of `path`; fails the test when it cannot be read.
std::string ReadFile(const std::string& path);

}  // namespace herald::test

#endif  // HERALD_TESTS_SUBPROCESS_H_
