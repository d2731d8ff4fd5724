#include "testing/postgres_test_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

namespace herald::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

constexpr const char* kDefaultBinDir = "/usr/lib/postgresql/15/bin";

// The account that runs the server when the test runs as root.
struct RunAs {
  uid_t uid = 0;
  gid_t gid = 0;
};

std::string BinDir() {
  const char* configured = std::getenv("HERALD_POSTGRES_BINDIR");
  return configured != nullptr && *configured != '\0' ? configured : kDefaultBinDir;
}

std::string ReadTail(const std::string& path, std::size_t max_bytes = 2000) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream contents;
  contents << file.rdbuf();
  std::string text = contents.str();
  if (text.size() > max_bytes) text = "..." + text.substr(text.size() - max_bytes);
  return text;
}

// Starts `argv` with its output appended to `log_path`, as `run_as` when
// set. With `die_with_parent`, the child gets SIGINT (PostgreSQL's fast
// shutdown) when the test program exits without stopping it. Returns the
// pid, or -1.
int Spawn(const std::vector<std::string>& argv, const std::string& log_path,
          const std::optional<RunAs>& run_as, bool die_with_parent) {
  // Everything the child needs is prepared before fork: only
  // async-signal-safe calls may run between fork and exec.
  std::vector<std::string> args = argv;
  std::vector<char*> pointers;
  for (std::string& arg : args) pointers.push_back(arg.data());
  pointers.push_back(nullptr);
  const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) return -1;
  if (run_as.has_value()) (void)fchown(log, run_as->uid, run_as->gid);
  const int null_input = open("/dev/null", O_RDONLY | O_CLOEXEC);

  const pid_t pid = fork();
  if (pid == 0) {
    if (die_with_parent) prctl(PR_SET_PDEATHSIG, SIGINT);
    if (run_as.has_value()) {
      if (setgroups(1, &run_as->gid) != 0 || setgid(run_as->gid) != 0 || setuid(run_as->uid) != 0) {
        _exit(126);
      }
      // Changing the user clears the parent-death signal.
      if (die_with_parent) prctl(PR_SET_PDEATHSIG, SIGINT);
    }
    dup2(null_input, 0);
    dup2(log, 1);
    dup2(log, 2);
    execv(pointers[0], pointers.data());
    _exit(127);
  }
  close(log);
  close(null_input);
  return pid;
}

// Waits up to `timeout` for `pid` to exit. Returns its wait status, or
// nullopt when it still runs.
std::optional<int> WaitFor(int pid, milliseconds timeout) {
  const auto deadline = steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    if (done < 0) return 0;  // Not our child any more.
    if (steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(milliseconds(20));
  }
}

// Returns a port of 127.0.0.1 that was free when checked.
int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

// Stops the shared server when the test program ends.
class PostgresEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { PostgresTestServer::Shared().Stop(); }
};

[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new PostgresEnvironment);

}  // namespace

bool PostgresRequired() {
  const char* value = std::getenv("HERALD_REQUIRE_POSTGRES");
  return value != nullptr && std::string(value) == "1";
}

PostgresTestServer& PostgresTestServer::Shared() {
  static PostgresTestServer* server = [] {
    auto* created = new PostgresTestServer();  // Lives until the program exits.
    created->Start();
    return created;
  }();
  return *server;
}

void PostgresTestServer::Start() {
  const std::string bin_dir = BinDir();
  const std::string initdb = bin_dir + "/initdb";
  const std::string postgres = bin_dir + "/postgres";
  if (access(initdb.c_str(), X_OK) != 0 || access(postgres.c_str(), X_OK) != 0) {
    binaries_missing_ = true;
    error_ = "PostgreSQL server binaries initdb and postgres not found in " + bin_dir +
             "; install the Debian package postgresql-15 (scripts/install-deps.sh does) or set "
             "HERALD_POSTGRES_BINDIR";
    return;
  }

  std::optional<RunAs> run_as;
  if (geteuid() == 0) {
    const passwd* account = getpwnam("postgres");
    if (account == nullptr) {
      error_ =
          "running as root, and initdb refuses root, but there is no postgres user to run "
          "it as; install the postgresql package, which creates it";
      return;
    }
    run_as = RunAs{account->pw_uid, account->pw_gid};
  }

  std::string pattern = ::testing::TempDir() + "herald_postgres_XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    error_ = "cannot create a temporary directory from " + pattern;
    return;
  }
  dir_ = pattern;
  if (run_as.has_value() && chown(dir_.c_str(), run_as->uid, run_as->gid) != 0) {
    error_ = "cannot give " + dir_ + " to the postgres user";
    return;
  }

  const std::string password_file = dir_ + "/password";
  {
    std::ofstream file(password_file);
    file << kPassword << "\n";
  }
  if (run_as.has_value()) (void)chown(password_file.c_str(), run_as->uid, run_as->gid);

  // Local socket connections are trusted; TCP connections need the
  // password, so tests can check a rejected login.
  const std::string initdb_log = dir_ + "/initdb.log";
  const int initdb_pid = Spawn(
      {initdb, "-D", dir_ + "/data", "-U", kUser, "--auth-local=trust", "--auth-host=scram-sha-256",
       "--pwfile=" + password_file, "--no-sync", "--encoding=UTF8", "--locale=C"},
      initdb_log, run_as, /*die_with_parent=*/false);
  const std::optional<int> initdb_status =
      initdb_pid > 0 ? WaitFor(initdb_pid, seconds(120)) : std::nullopt;
  if (!initdb_status.has_value() || !WIFEXITED(*initdb_status) ||
      WEXITSTATUS(*initdb_status) != 0) {
    error_ = "initdb failed; its output:\n" + ReadTail(initdb_log);
    return;
  }

  // Another process can take the free port before the server binds it,
  // so a server that exits at once is started again on a new port.
  const std::string server_log = dir_ + "/postgres.log";
  for (int start = 0; start < 3 && pid_ <= 0; ++start) {
    port_ = FreeLoopbackPort();
    const int pid = Spawn({postgres, "-D", dir_ + "/data", "-c", "listen_addresses=127.0.0.1", "-p",
                           std::to_string(port_), "-k", dir_, "-c", "fsync=off"},
                          server_log, run_as, /*die_with_parent=*/true);
    if (pid <= 0) break;

    const std::string ping = "host=127.0.0.1 port=" + std::to_string(port_) +
                             " dbname=postgres connect_timeout=2 user=" + kUser;
    const auto deadline = steady_clock::now() + seconds(60);
    bool exited = false;
    while (steady_clock::now() < deadline) {
      if (PQping(ping.c_str()) == PQPING_OK) {
        pid_ = pid;
        break;
      }
      if (WaitFor(pid, milliseconds(0)).has_value()) {
        exited = true;
        break;
      }
      std::this_thread::sleep_for(milliseconds(50));
    }
    if (pid_ <= 0 && !exited) {
      kill(pid, SIGKILL);
      (void)WaitFor(pid, seconds(10));
      break;
    }
  }
  if (pid_ <= 0)
    error_ = "the PostgreSQL test server did not start; its log:\n" + ReadTail(server_log);
}

std::string PostgresTestServer::ConnectionString(const std::string& database,
                                                 const std::string& user,
                                                 const std::string& password) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + database + " user=" + user +
         " password=" + password;
}

Result<std::string> PostgresTestServer::CreateDatabase() {
  if (!running()) return Error{ErrorCode::kUnavailable, error_};
  const std::string name = "herald_test_" + std::to_string(++databases_created_);
  PGconn* connection = PQconnectdb(ConnectionString("postgres").c_str());
  std::string failure;
  if (PQstatus(connection) != CONNECTION_OK) {
    failure = PQerrorMessage(connection);
  } else {
    PGresult* result = PQexec(connection, ("CREATE DATABASE " + name).c_str());
    if (PQresultStatus(result) != PGRES_COMMAND_OK) failure = PQresultErrorMessage(result);
    PQclear(result);
  }
  PQfinish(connection);
  if (!failure.empty()) {
    return Error{ErrorCode::kUnavailable, "cannot create database " + name + ": " + failure};
  }
  return name;
}

void PostgresTestServer::Stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    // SIGTERM waits for open sessions to end; a test that leaked one would
    // hold the shutdown, so fast shutdown (SIGINT) follows after a while.
    if (!WaitFor(pid_, seconds(10)).has_value()) {
      kill(pid_, SIGINT);
      if (!WaitFor(pid_, seconds(20)).has_value()) {
        kill(pid_, SIGKILL);
        (void)WaitFor(pid_, seconds(10));
      }
    }
    pid_ = -1;
  }
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    dir_.clear();
  }
}

}  // namespace herald::test
