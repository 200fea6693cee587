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

}  // namespace

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
  return n;
}

}  // namespace speecht5::kernels
