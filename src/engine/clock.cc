#include <mutex>
#include <random>
#include <thread>

#include "herald/clock.h"

namespace herald {
namespace {

class SystemClock final : public Clock {
 public:
  TimePoint Now() override { return std::chrono::steady_clock::now(); }
  std::chrono::system_clock::time_point WallNow() override {
    return std::chrono::system_clock::now();
  }
  void SleepFor(std::chrono::nanoseconds duration) override {
    std::this_thread::sleep_for(duration);
  }
};

// A per-thread generator seeded from std::random_device, so callers on
// different threads never contend for a lock.
class SystemRandom final : public Random {
 public:
  double Uniform() override { return std::uniform_real_distribution<double>(0.0, 1.0)(Engine()); }
  std::uint64_t Bits() override { return Engine()(); }

 private:
  static std::mt19937_64& Engine() {
    thread_local std::mt19937_64 engine = [] {
      std::random_device device;
      std::seed_seq seed{device(), device(), device(), device()};
      return std::mt19937_64(seed);
    }();
    return engine;
  }
};

}  // namespace

Clock& RealClock() {
  static SystemClock clock;
  return clock;
}

Random& RealRandom() {
  static SystemRandom random;
  return random;
}

}  // namespace herald
