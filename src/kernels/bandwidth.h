#pragma once
// In-process read-bandwidth probe: the memory floor a decoder step is measured against. Reads
// a large array (≥ 256 MB, far beyond the L3) with the active ISA's streaming kernel on the
// configured threads and keeps the best of several passes.
#include <cstddef>

namespace speecht5::kernels {

struct BandwidthResult {
  double gb_per_s = 0.0;  // best pass, 1e9 bytes per second
  size_t bytes = 0;       // array size
  int passes = 0;
  int threads = 0;
};

// threads ≤ 0 → num_threads().
BandwidthResult measure_read_bandwidth(size_t bytes = size_t{256} << 20, int passes = 5,
                                       int threads = 0);

}  // namespace speecht5::kernels
