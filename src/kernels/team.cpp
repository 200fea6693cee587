#include "kernels/team.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "kernels/threading.h"

namespace speecht5::kernels {
namespace {

using Clock = std::chrono::steady_clock;

// The leader's barrier waits in the current region (only the leader writes it).
thread_local int64_t t_leader_wait_ns = 0;
thread_local int t_last_team_size = 0;

constexpr int kSpinsBeforeYield = 2000;  // ≈ 30 µs of pause instructions

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

void TeamShared::record(std::exception_ptr e) {
  std::lock_guard<std::mutex> lock(mutex);
  if (!error) error = std::move(e);
  failed.store(true, std::memory_order_relaxed);
}

void Team::for_each_dynamic_impl(int64_t count, void (*item)(void*, int64_t), void* ctx) const {
  if (size_ == 1) {
    for (int64_t i = 0; i < count; ++i) item(ctx, i);
    return;
  }
  // This loop owns counter values [base, end). A member only enters it after seeing the
  // previous loop exhausted (claimed ≥ base), so claims never straddle two loops.
  const int64_t base = loop_base_, end = base + count;
  loop_base_ = end;
  std::atomic<int64_t>& claimed = shared_->claimed;
  int64_t current = claimed.load(std::memory_order_acquire);
  for (;;) {
    const int64_t start = std::max(current, base);
    if (start >= end) return;
    const int64_t chunk = std::max<int64_t>(1, (end - start + size_ - 1) / size_);
    if (claimed.compare_exchange_weak(current, start + chunk, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
      for (int64_t i = start; i < start + chunk; ++i) item(ctx, i - base);
      current = claimed.load(std::memory_order_acquire);
    }
  }
}

void Team::barrier() const {
  if (size_ == 1) return;
  const bool timed = rank_ == 0;
  const Clock::time_point start = timed ? Clock::now() : Clock::time_point{};
  TeamShared& s = *shared_;
  const uint32_t generation = s.generation.load(std::memory_order_acquire);
  if (s.arrived.fetch_add(1, std::memory_order_acq_rel) == size_ - 1) {
    s.arrived.store(0, std::memory_order_relaxed);
    s.generation.store(generation + 1, std::memory_order_release);
  } else {
    // Spin briefly (the usual wait is a few µs), then yield so that an oversubscribed or
    // descheduled team still makes progress.
    for (int spins = 0; s.generation.load(std::memory_order_acquire) == generation; ++spins) {
      if (spins < kSpinsBeforeYield) {
        cpu_relax();
      } else {
        std::this_thread::yield();
      }
    }
  }
  if (timed) t_leader_wait_ns += std::chrono::nanoseconds(Clock::now() - start).count();
}

int last_team_size() { return t_last_team_size; }

namespace detail {

void run_team_region(int threads, void (*body)(const Team&, void*), void* context) {
  TeamShared shared;
  if (threads <= 1) {
    t_last_team_size = 1;
    body(Team(0, 1, &shared), context);
  } else {
    t_leader_wait_ns = 0;
    const Clock::time_point start = Clock::now();
#pragma omp parallel num_threads(threads)
    {
      const Team team(omp_get_thread_num(), omp_get_num_threads(), &shared);
      if (team.leader()) t_last_team_size = team.size();
      body(team, context);
      team.barrier();  // the leader's final wait counts as a join
    }
    const int64_t total = std::chrono::nanoseconds(Clock::now() - start).count();
    report_parallel_region(total - t_leader_wait_ns, t_leader_wait_ns);
  }
  if (shared.error) std::rethrow_exception(shared.error);
}

}  // namespace detail
}  // namespace speecht5::kernels
