#ifndef HERALD_STORE_POSTGRES_STORE_H_
#define HERALD_STORE_POSTGRES_STORE_H_

// Store on a PostgreSQL database, which several herald processes can
// share.
//
// Every call takes a connection from a pool and runs in its own
// transaction. ClaimDue locks the rows it leases with FOR UPDATE SKIP
// LOCKED, so concurrent claims, from this process or another, never return
// the same delivery while its lease runs. Leases are computed from the
// callers' clocks, so the hosts of all instances need synchronized clocks
// (NTP). A host whose clock runs ahead claims deliveries before they are
// due and takes over leases early.
//
// Durability: Enqueue and the Record* calls return after COMMIT, which is
// durable with the server's default synchronous_commit = on. ClaimDue and
// ReleaseLeases commit with synchronous_commit = off, because a lost lease
// only makes deliveries due again.
//
// Connection loss: a pooled connection that the server closed is opened
// again at its next use. A call whose connection is lost before COMMIT
// runs once more on a new connection, because the server rolled it back.
// A connection lost during COMMIT fails the call with kUnavailable, and
// the transaction may or may not have committed.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "herald/result.h"
#include "store/store.h"

namespace herald {

struct PostgresStoreOptions {
  // A libpq connection string: a URI such as
  // postgresql://herald@db.internal:5432/herald or key=value pairs. The
  // password may be in it, in the PGPASSWORD environment variable or in
  // ~/.pgpass. Logs and errors name the database without the password.
  std::string connection_string;
  // Connections open at most; a call waits while all are busy. At least 1.
  std::size_t pool_size = 8;
  // Attempt response bodies longer than this are truncated to this many
  // bytes before they are stored.
  std::size_t max_response_body_bytes = 4096;
  // Statements running longer are cancelled by the server and their call
  // fails with kUnavailable. 0 keeps the server's statement_timeout.
  std::chrono::milliseconds statement_timeout{std::chrono::seconds(30)};
};

// Connects, creates or migrates the schema (tables named herald_*), and
// returns the store. Fails with kInvalidArgument for an empty or malformed
// connection string or a pool size of 0, and with kUnavailable when the
// server cannot be reached, rejects the login, or has a newer herald
// schema.
[[nodiscard]] Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresStoreOptions& options);

// Returns host, port, dbname and user of `connection_string`, without the
// password, for logs. Returns a placeholder for a malformed string.
std::string DescribePostgresConnection(std::string_view connection_string);

}  // namespace herald

#endif  // HERALD_STORE_POSTGRES_STORE_H_
