// Throughput of the SQLite store: Enqueue from 1, 16 and 64 threads, and
// ClaimDue against a large outbox.
//
//   cmake -S . -B build -G Ninja -DHERALD_BUILD_BENCHMARKS=ON
//   cmake --build build --target herald_store_bench
//   ./build/src/store/herald_store_bench
//
// Databases go to a fresh directory under $TMPDIR (default /tmp) and are
// deleted afterwards. BM_ClaimDue first fills 1,000,000 rows, which took
// 15 s and about 520 MB of disk on a 2-core machine.

#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "store/sqlite_store.h"

namespace herald {
namespace {

using std::chrono::system_clock;

const system_clock::time_point kT0{std::chrono::seconds(1'700'000'000)};

std::filesystem::path g_directory;
std::unique_ptr<Store> g_store;
std::atomic<std::int64_t> g_next_id{0};

std::filesystem::path MakeDirectory() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr ? tmp : "/tmp") + "/herald_store_bench_XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) std::abort();
  return pattern;
}

void OpenStore(bool fsync_every_commit) {
  spdlog::set_level(spdlog::level::warn);
  if (g_directory.empty()) g_directory = MakeDirectory();
  SqliteStoreOptions options;
  options.path = (g_directory / "bench.db").string();
  options.fsync_every_commit = fsync_every_commit;
  Result<std::unique_ptr<Store>> opened = OpenSqliteStore(options);
  if (!opened.ok()) {
    spdlog::error("opening the benchmark store failed: {}", opened.error().message);
    std::abort();
  }
  g_store = std::move(opened).value();
}

void CloseStore() {
  g_store.reset();
  std::filesystem::remove_all(g_directory);
  g_directory.clear();
}

NewDelivery MakeDelivery(std::size_t body_bytes) {
  const std::int64_t n = g_next_id.fetch_add(1);
  NewDelivery delivery;
  delivery.delivery_id = "bench-" + std::to_string(n);
  delivery.event = "model.deployed";
  delivery.webhook = n % 2 == 0 ? "audit" : "slack";
  delivery.url = "http://127.0.0.1:9/" + delivery.webhook;
  delivery.body = std::string(body_bytes, 'b');
  delivery.max_attempts = 5;
  delivery.created_at = kT0 + std::chrono::microseconds(n);
  delivery.next_attempt_at = delivery.created_at;
  return delivery;
}

// Args: deliveries per Enqueue call, fsync on every commit (1) or not (0).
// Each delivery carries a 1 KiB body.
void BM_Enqueue(benchmark::State& state) {
  const auto per_call = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    std::vector<NewDelivery> batch;
    for (std::size_t i = 0; i < per_call; ++i) batch.push_back(MakeDelivery(1024));
    if (!g_store->Enqueue(std::move(batch)).ok()) {
      state.SkipWithError("Enqueue failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(per_call));
}

void SetUpEnqueue(const benchmark::State& state) { OpenStore(state.range(1) != 0); }
void TearDownEnqueue(const benchmark::State&) { CloseStore(); }

BENCHMARK(BM_Enqueue)
    ->ArgNames({"per_call", "fsync"})
    ->Args({1, 1})
    ->Args({1, 0})
    ->Args({10, 1})
    ->Threads(1)
    ->Threads(16)
    ->Setup(SetUpEnqueue)
    ->Teardown(TearDownEnqueue)
    ->UseRealTime()
    ->MinTime(2.0);

// Many callers with one delivery each, as when many request handlers
// enqueue at once. With fsync on, throughput is about callers / fsync
// latency.
BENCHMARK(BM_Enqueue)
    ->ArgNames({"per_call", "fsync"})
    ->Args({1, 1})
    ->Threads(64)
    ->Setup(SetUpEnqueue)
    ->Teardown(TearDownEnqueue)
    ->UseRealTime()
    ->MinTime(2.0);

// Fills the outbox with state.range(0) due deliveries of 256-byte bodies
// without fsync, then reopens it with synchronous=FULL, the default.
void SetUpClaim(const benchmark::State& state) {
  OpenStore(/*fsync_every_commit=*/false);
  const auto rows = static_cast<std::size_t>(state.range(0));
  constexpr std::size_t kPerCall = 10'000;
  for (std::size_t done = 0; done < rows; done += kPerCall) {
    std::vector<NewDelivery> batch;
    for (std::size_t i = 0; i < kPerCall && done + i < rows; ++i)
      batch.push_back(MakeDelivery(256));
    if (!g_store->Enqueue(std::move(batch)).ok()) std::abort();
  }
  g_store.reset();
  OpenStore(/*fsync_every_commit=*/true);
}

// Claims 64 at a time from the large outbox. Each claim leases its rows
// for an hour, so the next claim reads the next 64 due rows.
void BM_ClaimDue(benchmark::State& state) {
  ClaimRequest request;
  request.now = kT0 + std::chrono::hours(1'000);
  request.limit = 64;
  request.lease = std::chrono::hours(1);
  std::int64_t claimed = 0;
  for (auto _ : state) {
    Result<std::vector<DeliveryRecord>> rows = g_store->ClaimDue(request);
    if (!rows.ok() || rows.value().empty()) {
      state.SkipWithError("ClaimDue failed or found nothing");
      break;
    }
    claimed += static_cast<std::int64_t>(rows.value().size());
  }
  state.SetItemsProcessed(claimed);

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["max_rss_MiB"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
}

BENCHMARK(BM_ClaimDue)
    ->ArgName("rows")
    ->Arg(1'000'000)
    ->Setup(SetUpClaim)
    ->Teardown(TearDownEnqueue)
    ->Iterations(2'000)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace herald

BENCHMARK_MAIN();
