#include "kernels/team.h"

#include <omp.h>

#include <chrono>

#include "kernels/threading.h"

namespace speecht5::kernels {
namespace {

using Clock = std::chrono::steady_clock;

// The leader's barrier waits in the current region (only the leader writes it).
thread_local int64_t t_leader_wait_ns = 0;
thread_local int t_last_team_size = 0;

}  // namespace

void TeamError::record(std::exception_ptr e) {
  std::lock_guard<std::mutex> lock(mutex);
  if (!error) error = std::move(e);
  failed.store(true, std::memory_order_relaxed);
}

void Team::for_each_dynamic_impl(int64_t count, void (*item)(void*, int64_t), void* ctx) const {
  if (size_ == 1) {  // not inside our region: an orphaned `omp for` would bind to another team
    for (int64_t i = 0; i < count; ++i) item(ctx, i);
    return;
  }
#pragma omp for schedule(guided) nowait
  for (int64_t i = 0; i < count; ++i) item(ctx, i);
}

void Team::barrier() const {
  if (size_ == 1) return;
  if (rank_ != 0) {
#pragma omp barrier
    return;
  }
  const Clock::time_point start = Clock::now();
#pragma omp barrier
  t_leader_wait_ns += std::chrono::nanoseconds(Clock::now() - start).count();
}

int last_team_size() { return t_last_team_size; }

namespace detail {

void run_team_region(int threads, void (*body)(const Team&, void*), void* context) {
  TeamError error;
  if (threads <= 1) {
    t_last_team_size = 1;
    body(Team(0, 1, &error), context);
  } else {
    t_leader_wait_ns = 0;
    const Clock::time_point start = Clock::now();
#pragma omp parallel num_threads(threads)
    {
      const Team team(omp_get_thread_num(), omp_get_num_threads(), &error);
      if (team.leader()) t_last_team_size = team.size();
      body(team, context);
      team.barrier();  // the leader's final wait counts as a join
    }
    const int64_t total = std::chrono::nanoseconds(Clock::now() - start).count();
    report_parallel_region(total - t_leader_wait_ns, t_leader_wait_ns);
  }
  if (error.error) std::rethrow_exception(error.error);
}

}  // namespace detail
}  // namespace speecht5::kernels
