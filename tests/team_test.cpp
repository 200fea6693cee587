// kernels::run_team: shares, barriers and error propagation without a hang.
#include "kernels/team.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

namespace speecht5::kernels {
namespace {

TEST(TeamTest, SharesCoverEveryItemOnce) {
  for (int size : {1, 2, 3, 5})
    for (int64_t count : {0, 1, 2, 12, 48, 49}) {
      int64_t next = 0;
      for (int rank = 0; rank < size; ++rank) {
        const auto [begin, end] = Team(rank, size, nullptr).share(count);
        EXPECT_EQ(begin, next) << size << " " << count;
        EXPECT_LE(end - begin, count / size + 1);
        next = end;
      }
      EXPECT_EQ(next, count);
    }
}

TEST(TeamTest, BarrierPublishesEveryMembersWrites) {
  for (int threads : {1, 2, 3}) {
    std::vector<int> slots(threads, 0), seen(threads, 0);
    run_team(threads, [&](const Team& team) {
      for (int round = 1; round <= 50; ++round) {
        team.run([&] { slots[team.rank()] = round * (team.rank() + 1); });
        team.barrier();
        team.run([&] {
          int sum = 0;
          for (int v : slots) sum += v;
          if (sum == round * team.size() * (team.size() + 1) / 2) ++seen[team.rank()];
        });
        team.barrier();
      }
    });
    EXPECT_EQ(last_team_size(), threads);
    for (int r = 0; r < threads; ++r) EXPECT_EQ(seen[r], 50) << threads << " " << r;
  }
}

TEST(TeamTest, DynamicLoopsBackToBackHandOutEveryItemOnce) {
  // Like q, k, v of a step: several dynamic loops with no barrier between them.
  for (int threads : {1, 2, 3}) {
    const std::vector<int64_t> counts = {24, 1, 0, 96, 7, 192};
    std::vector<std::vector<std::atomic<int>>> hits;
    for (int64_t c : counts) hits.emplace_back(c);
    run_team(threads, [&](const Team& team) {
      for (int round = 0; round < 3; ++round) {
        for (size_t l = 0; l < counts.size(); ++l)
          team.for_each_dynamic(counts[l], [&](int64_t i) { hits[l][i].fetch_add(1); });
        team.barrier();
      }
    });
    for (size_t l = 0; l < counts.size(); ++l)
      for (int64_t i = 0; i < counts[l]; ++i)
        ASSERT_EQ(hits[l][i].load(), 3) << threads << " " << l << " " << i;
  }
}

TEST(TeamTest, AnErrorInOneMemberStopsTheWorkAndIsRethrown) {
  for (int threads : {1, 2, 3}) {
    std::atomic<int> after{0};
    EXPECT_THROW(run_team(threads,
                          [&](const Team& team) {
                            team.run([&] {
                              if (team.rank() == team.size() - 1) throw std::runtime_error("boom");
                            });
                            team.barrier();
                            team.run([&] { after.fetch_add(1); });  // skipped by everyone
                            team.barrier();
                          }),
                 std::runtime_error);
    EXPECT_EQ(after.load(), 0) << threads;
  }
}

}  // namespace
}  // namespace speecht5::kernels
