// The huge-page arena behind the packed weights: alignment, no overlap, lifetime.
#include "kernels/weight_arena.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/packed_weights.h"

namespace speecht5::kernels {
namespace {

uintptr_t address(const void* p) { return reinterpret_cast<uintptr_t>(p); }

TEST(WeightArena, AllocationsAreAlignedDisjointAndWritable) {
  std::vector<AlignedBuffer> buffers;
  for (size_t bytes : {1u, 63u, 64u, 100u, 4096u, 3u << 20})
    buffers.push_back(AlignedBuffer::for_weights(bytes));
  for (size_t i = 0; i < buffers.size(); ++i) {
    EXPECT_EQ(address(buffers[i].data()) % 64, 0u) << i;
    std::memset(buffers[i].data(), static_cast<int>(i + 1), buffers[i].bytes());
  }
  // Every buffer still holds its own fill: none overlaps another.
  for (size_t i = 0; i < buffers.size(); ++i) {
    const auto* p = buffers[i].as<unsigned char>();
    EXPECT_EQ(p[0], i + 1) << i;
    EXPECT_EQ(p[buffers[i].bytes() - 1], i + 1) << i;
  }
}

TEST(WeightArena, LargeAndStandaloneBuffersStartOnAHugePage) {
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  AlignedBuffer big = AlignedBuffer::for_weights(size_t{40} << 20);  // beyond a chunk's quarter
  AlignedBuffer probe = AlignedBuffer::huge_pages(12345);
  EXPECT_EQ(address(big.data()) % kHuge, 0u);
  EXPECT_EQ(address(probe.data()) % kHuge, 0u);
  EXPECT_EQ(big.bytes(), size_t{40} << 20);
  std::memset(big.data(), 7, big.bytes());
  EXPECT_EQ(big.as<unsigned char>()[big.bytes() - 1], 7);
}

TEST(WeightArena, BufferOutlivesItsCopiesSource) {
  AlignedBuffer kept;
  {
    AlignedBuffer a = AlignedBuffer::for_weights(256);
    std::memset(a.data(), 9, 256);
    kept = a;  // shares the chunk
  }
  // The chunk is still mapped through `kept`.
  EXPECT_EQ(kept.as<unsigned char>()[255], 9);
}

}  // namespace
}  // namespace speecht5::kernels
