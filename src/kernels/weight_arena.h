#pragma once
// Storage for the packed weights that every decoder step streams (~200 MB in fp32). It comes
// from 2 MiB-aligned anonymous mappings advised to use transparent huge pages, carved out in
// load order: with 4 KiB pages the hardware prefetcher stops at every page boundary and the TLB
// misses once per page, and a decoder step measured 5.9 → 4.8 ms (fp32, 2 threads) with huge
// pages (docs/PERFORMANCE.md). Allocations are never returned one by one: a chunk is unmapped
// when the last buffer carved from it is destroyed.
#include <cstddef>
#include <memory>

namespace speecht5::kernels {

struct ArenaAllocation {
  void* data = nullptr;
  std::shared_ptr<void> owner;  // keeps the chunk mapped
};

// `bytes` rounded up to 64; the result is 64-byte aligned. Thread-safe.
ArenaAllocation allocate_from_weight_arena(size_t bytes);

// One stand-alone huge-page mapping (for a buffer that is streamed but not a weight, e.g. the
// bandwidth probe, which must be measured under the same paging as the weights).
ArenaAllocation allocate_huge_pages(size_t bytes);

}  // namespace speecht5::kernels
