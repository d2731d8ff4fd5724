#ifndef HERALD_TESTING_POSTGRES_TEST_SERVER_H_
#define HERALD_TESTING_POSTGRES_TEST_SERVER_H_

// A throwaway PostgreSQL cluster for tests, listening on 127.0.0.1 only.
//
// The first call to PostgresTestServer::Shared() runs initdb into a new
// temporary directory and starts `postgres` on a free port with
// fsync=off, which is safe only for throwaway data. A gtest Environment
// stops the server (SIGTERM, then wait) and deletes the directory when the
// test program ends. If the test program dies first, the server gets
// SIGINT, PostgreSQL's fast shutdown.
// initdb and postgres refuse to run as root, so under root they run as
// the `postgres` system user that Debian's postgresql package creates.
//
// The server binaries are looked up in $HERALD_POSTGRES_BINDIR, or else
// in /usr/lib/postgresql/15/bin. Tests use HERALD_REQUIRE_POSTGRES_SERVER
// to skip when they are missing, or to fail when HERALD_REQUIRE_POSTGRES=1
// is set.
//
// Not thread-safe: call Shared() and CreateDatabase() from the test
// thread.

#include <string>

#include "herald/result.h"

namespace herald::test {

class PostgresTestServer {
 public:
  // The superuser that initdb creates, and its password.
  static constexpr const char* kUser = "herald";
  static constexpr const char* kPassword = "herald-test-password";

  // Returns the server of this test program, started at the first call.
  static PostgresTestServer& Shared();

  bool running() const { return pid_ > 0; }
  // True when the server binaries are not installed. Then error() names
  // the package to install.
  bool binaries_missing() const { return binaries_missing_; }
  // Why the server is not running.
  const std::string& error() const { return error_; }
  int port() const { return port_; }

  // Returns a key=value connection string for `database` on 127.0.0.1,
  // with the given user and password.
  std::string ConnectionString(const std::string& database, const std::string& user = kUser,
                               const std::string& password = kPassword) const;

  // Creates an empty database and returns its name, unique within this
  // server.
  Result<std::string> CreateDatabase();

  // Stops the server and deletes its directory. Calling it again does
  // nothing.
  void Stop();

 private:
  PostgresTestServer() = default;
  void Start();

  std::string dir_;
  int pid_ = -1;
  int port_ = 0;
  bool binaries_missing_ = false;
  std::string error_;
  int databases_created_ = 0;
};

// Returns true when the environment variable HERALD_REQUIRE_POSTGRES is 1.
bool PostgresRequired();

}  // namespace herald::test

// Use in a test body or SetUp: starts the shared server, and skips the test
// when the server binaries are missing (fails it instead when
// HERALD_REQUIRE_POSTGRES=1). Fails the test when the server does not
// start for another reason.
#define HERALD_REQUIRE_POSTGRES_SERVER()                                                \
  do {                                                                                  \
    ::herald::test::PostgresTestServer& herald_postgres =                               \
        ::herald::test::PostgresTestServer::Shared();                                   \
    if (!herald_postgres.running()) {                                                   \
      if (herald_postgres.binaries_missing() && !::herald::test::PostgresRequired()) {  \
        GTEST_SKIP() << herald_postgres.error()                                         \
                     << " (set HERALD_REQUIRE_POSTGRES=1 to fail instead of skipping)"; \
      }                                                                                 \
      FAIL() << herald_postgres.error();                                                \
    }                                                                                   \
  } while (false)

#endif  // HERALD_TESTING_POSTGRES_TEST_SERVER_H_
