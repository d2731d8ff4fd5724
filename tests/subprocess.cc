#include "subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace herald::test {

std::string MakeTempDir() {
  std::string pattern = ::testing::TempDir() + "herald-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed for " << pattern;
  }
  return pattern;
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << contents;
  ASSERT_TRUE(file.good()) << "cannot write " << path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  EXPECT_TRUE(file.good()) << "cannot read " << path;
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

namespace {

// Builds argv and envp arrays for posix_spawn; they point into the owned
// strings, which must outlive the call.
struct SpawnArguments {
  std::vector<std::string> args;
  std::vector<std::string> environment;
  std::vector<char*> arg_pointers;
  std::vector<char*> env_pointers;

  SpawnArguments(const std::vector<std::string>& argv,
                 const std::vector<std::pair<std::string, std::string>>& env)
      : args(argv) {
    for (char** entry = environ; *entry != nullptr; ++entry) environment.emplace_back(*entry);
    for (const auto& [name, value] : env) environment.push_back(name + "=" + value);
    for (auto& entry : environment) env_pointers.push_back(entry.data());
    env_pointers.push_back(nullptr);
    for (auto& arg : args) arg_pointers.push_back(arg.data());
    arg_pointers.push_back(nullptr);
  }
};

}  // namespace

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0 && Wait(std::chrono::milliseconds(0)) == -1) {
    Signal(SIGKILL);
    Wait(std::chrono::seconds(10));
  }
}

bool BackgroundProcess::Start(const std::vector<std::string>& argv,
                              const std::vector<std::pair<std::string, std::string>>& env) {
  dir_ = MakeTempDir();
  const std::string out_path = dir_ + "/stdout";
  const std::string err_path = dir_ + "/stderr";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  SpawnArguments arguments(argv, env);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, arguments.arg_pointers[0], &actions, nullptr,
                                  arguments.arg_pointers.data(), arguments.env_pointers.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return false;
  pid_ = pid;
  return true;
}

void BackgroundProcess::Signal(int signal) {
  if (pid_ > 0) kill(pid_, signal);
}

int BackgroundProcess::Wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -1;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string BackgroundProcess::err() const {
  std::ifstream file(dir_ + "/stderr", std::ios::binary);
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

bool BackgroundProcess::WaitForStderr(const std::string& text,
                                      std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (err().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

int ParseListeningPort(const std::string& text) {
  const std::string marker = "listening on http://127.0.0.1:";
  const std::size_t at = text.find(marker);
  if (at == std::string::npos) return 0;
  return std::atoi(text.c_str() + at + marker.size());
}

ProcessResult RunProcess(const std::vector<std::string>& argv, const std::string& input,
                         const std::vector<std::pair<std::string, std::string>>& env,
                         std::chrono::milliseconds timeout) {
  // Files rather than pipes: nothing can deadlock on a full pipe.
  const std::string dir = MakeTempDir();
  const std::string in_path = dir + "/stdin";
  const std::string out_path = dir + "/stdout";
  const std::string err_path = dir + "/stderr";
  WriteFile(in_path, input);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);

  SpawnArguments arguments(argv, env);

  ProcessResult result;
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, arguments.arg_pointers[0], &actions, nullptr,
                                  arguments.arg_pointers.data(), arguments.env_pointers.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    ADD_FAILURE() << "cannot start " << argv[0];
    return result;
  }

  int status = 0;
  for (;;) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() - start > timeout) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      ADD_FAILURE() << argv[0] << " did not exit within " << timeout.count() << " ms";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  result.out = ReadFile(out_path);
  result.err = ReadFile(err_path);
  return result;
}

}  // namespace herald::test
