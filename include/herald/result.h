#ifndef HERALD_RESULT_H_
#define HERALD_RESULT_H_

// Error values that cross herald's module boundaries.
//
// Functions that can fail for reasons the caller must handle return
// Result<T>: either a value or an Error that carries its context once, from
// the layer that knows it.

#include <string>
#include <utility>
#include <variant>

namespace herald {

enum class ErrorCode {
  // The caller passed something herald cannot use: bad payload, unknown
  // event, mismatched event type. Retrying the same input cannot help.
  kInvalidArgument,
  // The named thing does not exist.
  kNotFound,
  // A dependency (store, network) failed; retrying later may help.
  kUnavailable,
  // herald is stopping and accepts no new work.
  kShuttingDown,
  // A bug or broken invariant.
  kInternal,
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  // Preconditions: ok() for value(), !ok() for error().
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const Error& error() const { return std::get<Error>(state_); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> state_;
};

}  // namespace herald

#endif  // HERALD_RESULT_H_
