#include "kernels/threading.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>

#include "core/error.h"

namespace speecht5::kernels {
namespace {

std::atomic<int>& thread_slot() {
  static std::atomic<int> slot{std::max(1, omp_get_max_threads())};
  return slot;
}

constexpr int kStrikes = 3;                  // consecutive starved regions before backing off
constexpr int64_t kBackoffNs = 250'000'000;  // single-threaded for this long, then try again

std::atomic<int64_t> g_small_bytes{64 << 10};
std::atomic<int64_t> g_small_flops{1 << 20};
std::atomic<int> g_strikes{0};
std::atomic<bool> g_guard_enabled{true};
std::atomic<int64_t> g_backoff_until_ns{0};

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void set_starvation_guard(bool enabled) {
  g_guard_enabled.store(enabled, std::memory_order_relaxed);
  if (!enabled) g_backoff_until_ns.store(0, std::memory_order_relaxed);
}

void report_parallel_region(int64_t work_ns, int64_t join_wait_ns) {
  if (!g_guard_enabled.load(std::memory_order_relaxed)) return;
  // Starved: the join took 4× the caller's own work and over 100 µs (a scheduling delay, not
  // an imbalance of a few blocks).
  if (join_wait_ns > 4 * work_ns && join_wait_ns > 100'000) {
    if (g_strikes.fetch_add(1, std::memory_order_relaxed) + 1 >= kStrikes) {
      g_strikes.store(0, std::memory_order_relaxed);
      g_backoff_until_ns.store(now_ns() + kBackoffNs, std::memory_order_relaxed);
    }
  } else {
    g_strikes.store(0, std::memory_order_relaxed);
  }
}

bool parallel_backoff_active() {
  return now_ns() < g_backoff_until_ns.load(std::memory_order_relaxed);
}

void set_num_threads(int n) {
  if (n < 1)
    fail(ErrorCode::kInvalidArgument, "--threads must be at least 1, got " + std::to_string(n));
  thread_slot().store(n, std::memory_order_relaxed);
  omp_set_num_threads(n);
}

int num_threads() { return thread_slot().load(std::memory_order_relaxed); }

void apply_num_threads() { omp_set_num_threads(num_threads()); }

void set_small_op_limits(int64_t bytes, int64_t flops) {
  g_small_bytes.store(bytes, std::memory_order_relaxed);
  g_small_flops.store(flops, std::memory_order_relaxed);
}

int threads_for(int64_t bytes, int64_t flops) {
  const int n = num_threads();
  if (n == 1) return 1;
  // A fork/join of a warm team costs ~1-3 µs: worth it above ~64 KB streamed or ~1 MFLOP.
  if (bytes < g_small_bytes.load(std::memory_order_relaxed) &&
      flops < g_small_flops.load(std::memory_order_relaxed))
    return 1;
  return parallel_backoff_active() ? 1 : n;
}

}  // namespace speecht5::kernels
