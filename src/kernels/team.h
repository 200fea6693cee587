#pragma once
// A team of threads that runs a whole sequence of dependent ops in ONE parallel region, meeting
// at barriers, instead of forking and joining once per op. A decoder step is ~50 small ops
// (GEMVs of 0.6-9 MB, attention over one query, layer norms): a fork/join of the OpenMP team
// costs ~3 µs and every region restarts the memory streams, while a barrier between two
// spinning threads costs ~0.33 µs (bench: BM_ForkJoin vs BM_TeamBarrier).
//
//   kernels::run_team(threads, [&](const kernels::Team& team) {
//     team.run([&] {
//       auto [begin, end] = team.share(items);  // this member's part
//       ...
//     });
//     team.barrier();                           // everyone's part is done
//   });
//
// Errors: an exception must not escape an OpenMP region, and a member that skipped a barrier
// would hang the others. So work goes through team.run(), which catches, records the first
// error and turns every later run() of every member into a no-op, while the barriers still
// happen; run_team rethrows the error after the region.
#include <array>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <utility>

namespace speecht5::kernels {

// One member's part of the current dynamic loop, packed in one word so that the owner (taking
// from the front) and thieves (taking from the back) claim with a single compare-and-swap:
// bits 63..32 the loop's number, 31..16 the next item from the front, 15..0 the end.
struct alignas(64) WorkRange {
  std::atomic<uint64_t> word{0};
};

// Members of one team at most (run_team uses no more threads than this). The work ranges live
// inside TeamShared, on the stack of run_team, so a decoder step allocates nothing.
inline constexpr int kMaxTeamMembers = 64;

// What the members of one run_team share: the first error, a barrier and the members' work
// ranges of the dynamic loops. The barrier and the ranges are the engine's own, not OpenMP's:
// between two spinning threads here an `omp barrier` measured 1.36 µs and each `omp for` set up
// a work share.
struct TeamShared {
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::exception_ptr error;
  void record(std::exception_ptr e);

  alignas(64) std::atomic<int> arrived{0};
  alignas(64) std::atomic<uint32_t> generation{0};
  std::array<WorkRange, kMaxTeamMembers> ranges;  // one per member
};

class Team {
 public:
  Team(int rank, int size, TeamShared* shared) : rank_(rank), size_(size), shared_(shared) {}
  int rank() const { return rank_; }
  int size() const { return size_; }
  bool leader() const { return rank_ == 0; }
  // [begin, end) of `count` items for this member (contiguous, sizes differ by at most one).
  std::pair<int64_t, int64_t> share(int64_t count) const {
    return {count * rank_ / size_, count * (rank_ + 1) / size_};
  }
  // Calls item(i) for every i in [0, count) exactly once across the team. Each member owns the
  // contiguous part share(count) and runs it in ascending order, so the next item is the one the
  // kernels prefetch while working on this one (the next weight pair, the next attention head).
  // A member that runs out takes single items from the far end of the others' parts, so members
  // that start late or read memory slower take less and all meet at the next barrier together. No
  // barrier at the end. Every member must run the same dynamic loops in the same order. With one
  // member, i runs in order on the caller.
  template <typename Item>
  void for_each_dynamic(int64_t count, Item&& item) const {
    for_each_dynamic_impl(
        count, [](void* ctx, int64_t i) { (*static_cast<Item*>(ctx))(i); }, &item);
  }

  // Waits until every member arrives. The leader's time spent waiting here is recorded for the
  // starvation guard (threading.h).
  void barrier() const;

  // Runs work() unless a member has failed; catches and records what it throws.
  template <typename Work>
  void run(Work&& work) const {
    if (shared_->failed.load(std::memory_order_relaxed)) return;
    try {
      work();
    } catch (...) {
      shared_->record(std::current_exception());
    }
  }

 private:
  void for_each_dynamic_impl(int64_t count, void (*item)(void*, int64_t), void* ctx) const;
  // Claims from member `owner`'s part of loop `loop`: the owner takes from the front, a thief
  // one item from the back. Returns [begin, end) in groups, empty when there is nothing to take.
  std::pair<int64_t, int64_t> claim(int owner, uint32_t loop, int64_t groups,
                                    bool owner_claims) const;

  int rank_ = 0;
  int size_ = 1;
  TeamShared* shared_;
  mutable uint32_t loop_ = 0;  // dynamic loops this member has entered
};

// Members of the calling thread's last run_team (for tests and logs).
int last_team_size();

namespace detail {
void run_team_region(int threads, void (*body)(const Team&, void*), void* context);
}

// Runs body(team) on min(threads, kMaxTeamMembers) members (the caller is rank 0). With one
// member the body runs inline. Exceptions must not escape the body (OpenMP would terminate): catch
// inside.
template <typename Body>
void run_team(int threads, Body&& body) {
  detail::run_team_region(
      threads, [](const Team& team, void* ctx) { (*static_cast<Body*>(ctx))(team); }, &body);
}

}  // namespace speecht5::kernels
