#include "kernels/threading.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <string>

#include "core/error.h"

namespace speecht5::kernels {
namespace {

std::atomic<int>& thread_slot() {
  static std::atomic<int> slot{std::max(1, omp_get_max_threads())};
  return slot;
}

constexpr int kStrikes = 3;             // consecutive starved regions before backing off
constexpr int64_t kBackoffCalls = 4000;  // single-threaded calls before trying again

std::atomic<int> g_strikes{0};
std::atomic<int64_t> g_backoff_left{0};

}  // namespace

void report_parallel_region(int64_t work_ns, int64_t join_wait_ns) {
  // Starved: the join took 4× the caller's own work and over 100 µs (a scheduling delay, not
  // an imbalance of a few blocks).
  if (join_wait_ns > 4 * work_ns && join_wait_ns > 100'000) {
    if (g_strikes.fetch_add(1, std::memory_order_relaxed) + 1 >= kStrikes) {
      g_strikes.store(0, std::memory_order_relaxed);
      g_backoff_left.store(kBackoffCalls, std::memory_order_relaxed);
    }
  } else {
    g_strikes.store(0, std::memory_order_relaxed);
  }
}

bool parallel_backoff_active() { return g_backoff_left.load(std::memory_order_relaxed) > 0; }

void set_num_threads(int n) {
  if (n < 1) fail(ErrorCode::kInvalidArgument, "--threads must be at least 1, got " + std::to_string(n));
  thread_slot().store(n, std::memory_order_relaxed);
  omp_set_num_threads(n);
}

int num_threads() { return thread_slot().load(std::memory_order_relaxed); }

void apply_num_threads() { omp_set_num_threads(num_threads()); }

int threads_for(int64_t bytes, int64_t flops) {
  const int n = num_threads();
  if (n == 1) return 1;
  // A fork/join of a warm team costs ~1-3 µs: worth it above ~64 KB streamed or ~1 MFLOP.
  if (bytes < (64 << 10) && flops < (1 << 20)) return 1;
  if (g_backoff_left.load(std::memory_order_relaxed) > 0) {
    g_backoff_left.fetch_sub(1, std::memory_order_relaxed);
    return 1;
  }
  return n;
}

}  // namespace speecht5::kernels
