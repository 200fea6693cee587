// kernels::run_team: shares, barriers and error propagation without a hang.
#include "kernels/team.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
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
  // Members run ahead into later loops while others finish earlier ones, and thieves meet
  // owners on the same parts: many rounds make those races likely.
  constexpr int kRounds = 40;
  for (int threads : {1, 2, 3, 4}) {
    const std::vector<int64_t> counts = {24, 1, 0, 96, 7, 192, 3, 2};
    std::vector<std::vector<std::atomic<int>>> hits;
    for (int64_t c : counts) hits.emplace_back(c);
    run_team(threads, [&](const Team& team) {
      for (int round = 0; round < kRounds; ++round) {
        for (size_t l = 0; l < counts.size(); ++l)
          team.for_each_dynamic(counts[l], [&](int64_t i) { hits[l][i].fetch_add(1); });
        team.barrier();
      }
    });
    for (size_t l = 0; l < counts.size(); ++l)
      for (int64_t i = 0; i < counts[l]; ++i)
        ASSERT_EQ(hits[l][i].load(), kRounds) << threads << " " << l << " " << i;
  }
}

TEST(TeamTest, MembersTakeTheirOwnPartInOrderAndALateOnesPartIsTaken) {
  // Member 1 enters the loop long after member 0 has run out of its own part: member 0 must take
  // member 1's part from the far end, and each member's own items come in ascending order (the
  // order the kernels prefetch in).
  constexpr int64_t kCount = 40;
  std::vector<std::vector<int64_t>> order(2);
  std::vector<int> owner(kCount, -1);
  run_team(2, [&](const Team& team) {
    team.run([&] {
      if (team.rank() == 1) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      team.for_each_dynamic(kCount, [&](int64_t i) {
        order[team.rank()].push_back(i);
        owner[i] = team.rank();
      });
    });
    team.barrier();
  });
  ASSERT_EQ(last_team_size(), 2);
  for (int64_t i = 0; i < kCount; ++i) ASSERT_NE(owner[i], -1) << i;
  const auto [begin1, end1] = Team(1, 2, nullptr).share(kCount);
  std::vector<int64_t> own0, stolen0;
  for (int64_t i : order[0]) (i < begin1 ? own0 : stolen0).push_back(i);
  ASSERT_EQ(static_cast<int64_t>(own0.size()), begin1);
  for (int64_t i = 0; i < begin1; ++i) ASSERT_EQ(own0[i], i);  // all of its part, in order
  ASSERT_FALSE(stolen0.empty());
  EXPECT_EQ(stolen0.front(), end1 - 1);  // taken from the far end, descending
  for (size_t j = 1; j < stolen0.size(); ++j) EXPECT_EQ(stolen0[j], stolen0[j - 1] - 1);
  for (size_t j = 1; j < order[1].size(); ++j) EXPECT_EQ(order[1][j], order[1][j - 1] + 1);
}

TEST(TeamTest, LoopsLongerThanARangeWordStillRunEveryItemOnce) {
  // Part bounds have 16 bits; longer loops are handed out in groups.
  constexpr int64_t kCount = 200000;
  std::vector<std::atomic<int>> hits(kCount);
  run_team(2, [&](const Team& team) {
    team.run([&] { team.for_each_dynamic(kCount, [&](int64_t i) { hits[i].fetch_add(1); }); });
    team.barrier();
  });
  for (int64_t i = 0; i < kCount; ++i) ASSERT_EQ(hits[i].load(), 1) << i;
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
