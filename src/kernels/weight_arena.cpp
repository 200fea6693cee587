#include "kernels/weight_arena.h"

#include <sys/mman.h>

#include <cstdint>
#include <mutex>
#include <new>

namespace speecht5::kernels {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kChunkBytes = size_t{64} << 20;  // ~3 chunks for the fp32 decoder

size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

// Weak: once every model using a chunk is gone it is unmapped, and the next load starts afresh.
struct Chunk {
  std::weak_ptr<void> mapping;
  char* base = nullptr;
  size_t used = 0;
};

std::mutex g_mutex;
Chunk g_current;

}  // namespace

ArenaAllocation allocate_huge_pages(size_t bytes) {
  const size_t size = round_up(bytes == 0 ? 1 : bytes, kHugePage);
  // Over-map by one huge page so the start can be aligned to it (THP needs aligned 2 MiB).
  const size_t mapped = size + kHugePage;
  void* raw = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto base = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = round_up(base, kHugePage);
  if (aligned > base) munmap(raw, aligned - base);
  const size_t tail = (base + mapped) - (aligned + size);
  if (tail > 0) munmap(reinterpret_cast<void*>(aligned + size), tail);
  void* p = reinterpret_cast<void*>(aligned);
#ifdef MADV_HUGEPAGE
  madvise(p, size, MADV_HUGEPAGE);  // advisory: without THP the buffer still works
#endif
  ArenaAllocation a;
  a.data = p;
  a.owner = std::shared_ptr<void>(p, [size](void* q) { munmap(q, size); });
  return a;
}

ArenaAllocation allocate_from_weight_arena(size_t bytes) {
  bytes = round_up(bytes == 0 ? 1 : bytes, 64);
  if (bytes > kChunkBytes / 4) return allocate_huge_pages(bytes);  // big: its own mapping
  std::lock_guard<std::mutex> lock(g_mutex);
  ArenaAllocation a;
  a.owner = g_current.mapping.lock();
  if (!a.owner || g_current.used + bytes > kChunkBytes) {
    ArenaAllocation fresh = allocate_huge_pages(kChunkBytes);
    g_current = {fresh.owner, static_cast<char*>(fresh.data), 0};
    a.owner = std::move(fresh.owner);
  }
  a.data = g_current.base + g_current.used;
  g_current.used += bytes;
  return a;
}

}  // namespace speecht5::kernels
