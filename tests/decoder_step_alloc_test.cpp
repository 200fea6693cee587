// A decoder step must not allocate: it runs hundreds of times per utterance on the hot path.
// Every heap allocation of this test binary is counted (operator new is replaced below); the
// steady-state steps of the tiny and full-size decoders, in every precision, must add none.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <numeric>

#include "model/random_weights.h"
#include "model/tts_model.h"
#include "support/decoder_start.h"
#include "support/fixtures.h"

namespace {
std::atomic<long long> g_allocations{0};
}

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
// Over-aligned types (alignas(64) team state, for one) come through these instead.
void* operator new(std::size_t size, std::align_val_t align) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  const std::size_t a = static_cast<std::size_t>(align);
  if (void* p = std::aligned_alloc(a, (size + a - 1) / a * a)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace speecht5 {
namespace {

long long allocations_during_steps(const TtsModel& model, int64_t batch) {
  const TtsConfig& c = model.config();
  const int64_t steps = 12;
  DecoderState state = test::start_decoder(model, batch, steps);
  std::vector<int> active(batch);
  std::iota(active.begin(), active.end(), 0);
  const int64_t M = c.num_mel_bins, r = c.reduction_factor;
  std::vector<float> frames(batch * M, 0.0f), feat(batch * r * M), logits(batch * r);
  auto step = [&] {
    model.decoder().step(state, active, frames.data(), 7, feat.data(), logits.data(), nullptr);
    for (int64_t b = 0; b < batch; ++b)
      std::copy_n(feat.data() + (b * r + r - 1) * M, M, frames.data() + b * M);
  };
  step();  // first use: per-thread scratch buffers are sized here
  const long long before = g_allocations.load();
  for (int64_t s = 1; s < steps; ++s) step();
  return g_allocations.load() - before;
}

TEST(DecoderStepAllocTest, SteadyStateStepsAllocateNothing) {
  for (auto precision :
       {kernels::Precision::kFp32, kernels::Precision::kBf16, kernels::Precision::kInt8}) {
    const long long before_load = g_allocations.load();
    const TtsModel model = TtsModel::load(test::data_dir() / "models/tiny/tts", precision);
    ASSERT_GT(g_allocations.load(), before_load) << "the allocation counter is not in effect";
    EXPECT_EQ(allocations_during_steps(model, 1), 0) << kernels::precision_name(precision);
    EXPECT_EQ(allocations_during_steps(model, 3), 0)
        << kernels::precision_name(precision) << " batch 3";
  }
}

}  // namespace
}  // namespace speecht5
