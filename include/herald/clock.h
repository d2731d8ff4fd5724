#ifndef HERALD_CLOCK_H_
#define HERALD_CLOCK_H_

// Time and randomness as interfaces, so retry and scheduling logic is
// tested with fakes that neither sleep nor vary.

#include <chrono>
#include <cstdint>

namespace herald {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;

  // Monotonic time, for deadlines and latencies.
  virtual TimePoint Now() = 0;

  // Wall-clock time, for ids and timestamps that leave the process.
  virtual std::chrono::system_clock::time_point WallNow() = 0;

  // Blocks the calling thread for `duration`.
  virtual void SleepFor(std::chrono::nanoseconds duration) = 0;
};

// Returns the process-wide real clock. Safe to use from any thread.
Clock& RealClock();

class Random {
 public:
  virtual ~Random() = default;

  // Returns a value uniformly distributed in [0, 1).
  virtual double Uniform() = 0;

  // Returns 64 uniformly distributed bits.
  virtual std::uint64_t Bits() = 0;
};

// Returns a thread-safe random source seeded from the operating system.
Random& RealRandom();

}  // namespace herald

#endif  // HERALD_CLOCK_H_
