#pragma once
// The engine's one thread pool is the OpenMP runtime's (oneDNN threads with OpenMP too, so
// our kernels and its primitives share the same warm team and never oversubscribe the cores).
// The thread count is a process-wide setting (--threads) read by every kernel.
#include <cstdint>

namespace speecht5::kernels {

// n ≥ 1; also sets the calling thread's OpenMP default so oneDNN follows it. Threads created
// later (e.g. a pipelined vocoder thread) should call apply_num_threads() once.
void set_num_threads(int n);
int num_threads();
void apply_num_threads();

// How many threads to use for a kernel that touches `bytes` of memory / does `flops` work:
// small ops run on the calling thread because a fork/join costs more than it saves.
int threads_for(int64_t bytes, int64_t flops);

}  // namespace speecht5::kernels
