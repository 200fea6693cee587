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

std::pair<int64_t, int64_t> Team::claim(int owner, uint32_t loop, int64_t groups,
                                        bool owner_claims) const {
  constexpr std::pair<int64_t, int64_t> kNone{0, 0};
  std::atomic<uint64_t>& word = shared_->ranges[owner].word;
  uint64_t seen = word.load(std::memory_order_acquire);
  for (;;) {
    // Loop numbers only grow and members are never far apart, so the signed difference
    // orders them.
    const auto age = static_cast<int32_t>(static_cast<uint32_t>(seen >> 32) - loop);
    if (age > 0) return kNone;  // the word moved on only once this loop's part was used up
    int64_t front = static_cast<int64_t>((seen >> 16) & 0xffff);
    int64_t back = static_cast<int64_t>(seen & 0xffff);
    if (age < 0) {  // nobody has claimed from this part in this loop yet: all of it is left
      // A thief must not overwrite a word that still stands for work of an earlier loop: the
      // last item thieves leave to the owner (below), or, when the word is older than the
      // previous loop, the owner's untouched part of that loop. This part then waits for its
      // owner, who always takes all of its own part.
      if (!owner_claims && (age < -1 || front < back)) return kNone;
      front = groups * owner / size_;
      back = groups * (owner + 1) / size_;
    }
    std::pair<int64_t, int64_t> taken;
    if (owner_claims) {
      if (front >= back) return kNone;
      // Half of what is left, as a guided schedule does: few atomic operations (each one waits
      // for the loads before it), and still enough left for thieves if this member stalls.
      taken = {front, front + std::max<int64_t>(1, (back - front) / 2)};
      front = taken.second;
    } else {
      // One item from the far end, and never the owner's last one: the owner is already
      // prefetching it, so a thief would read it cold and waste that prefetch.
      if (back - front < 2) return kNone;
      taken = {back - 1, back};
      back = taken.first;
    }
    const uint64_t next = (static_cast<uint64_t>(loop) << 32) |
                          (static_cast<uint64_t>(front) << 16) | static_cast<uint64_t>(back);
    if (word.compare_exchange_weak(seen, next, std::memory_order_acq_rel,
                                   std::memory_order_acquire))
      return taken;
  }
}

void Team::for_each_dynamic_impl(int64_t count, void (*item)(void*, int64_t), void* ctx) const {
  if (size_ == 1) {
    for (int64_t i = 0; i < count; ++i) item(ctx, i);
    return;
  }
  const uint32_t loop = ++loop_;
  // A part's bounds have 16 bits: a longer loop is handed out in groups of consecutive items.
  constexpr int64_t kMaxGroups = 0xffff;
  const int64_t group = count <= kMaxGroups ? 1 : (count + kMaxGroups - 1) / kMaxGroups;
  const int64_t groups = (count + group - 1) / group;
  auto run = [&](std::pair<int64_t, int64_t> taken) {
    const int64_t end = std::min(count, taken.second * group);
    for (int64_t i = taken.first * group; i < end; ++i) item(ctx, i);
    return taken.first < taken.second;
  };
  while (run(claim(rank_, loop, groups, true))) {
  }
  for (int other = 1; other < size_; ++other) {
    const int victim = (rank_ + other) % size_;
    while (run(claim(victim, loop, groups, false))) {
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
  threads = std::min(threads, kMaxTeamMembers);
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
