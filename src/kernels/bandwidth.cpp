#include "kernels/bandwidth.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "kernels/gemv_kernels.h"
#include "kernels/packed_weights.h"
#include "kernels/threading.h"

namespace speecht5::kernels {

BandwidthResult measure_read_bandwidth(size_t bytes, int passes, int threads) {
  bytes = std::max<size_t>(bytes / 4096 * 4096, 4096);
  const int nt = threads > 0 ? threads : num_threads();
  AlignedBuffer buffer = AlignedBuffer::huge_pages(bytes);  // paged like the weights
  // Touch every page (in parallel, like the reads) so the passes measure DRAM, not page faults.
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t page = 0; page < static_cast<int64_t>(bytes / 4096); ++page)
    std::memset(static_cast<char*>(buffer.data()) + page * 4096, static_cast<int>(page & 0x7f),
                4096);
  const KernelTable& table = active_kernels();
  BandwidthResult result;
  result.bytes = bytes;
  result.passes = std::max(1, passes);
  result.threads = nt;
  volatile uint64_t sink = 0;
  for (int pass = 0; pass < result.passes; ++pass) {
    const auto start = std::chrono::steady_clock::now();
    uint64_t value = 0;
#pragma omp parallel num_threads(nt) reduction(^ : value)
    {
      const int t = omp_get_thread_num(), n = omp_get_num_threads();
      const size_t lines = bytes / 64;
      const size_t begin = lines * t / n * 64, end = lines * (t + 1) / n * 64;
      value ^= table.read_stream(static_cast<const char*>(buffer.data()) + begin, end - begin);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    sink = sink ^ value;
    result.gb_per_s = std::max(result.gb_per_s, static_cast<double>(bytes) / seconds / 1e9);
  }
  (void)sink;
  return result;
}

}  // namespace speecht5::kernels
