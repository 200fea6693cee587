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
// Below both limits (default 64 KiB, 1 MFLOP) an op stays on the calling thread. Tests set them
// to 0 to run the tiny models' ops on several threads.
void set_small_op_limits(int64_t bytes, int64_t flops);

// Oversubscription guard. When the cores are busy with other processes, a worker may not be
// scheduled for milliseconds and every barrier or join waits for it: a decoder step once
// became 10-50× slower than on one thread. Each parallel region (a whole decoder step is one,
// kernels/team.h) reports the caller's own work vs how long it waited for the others. After a few consecutive regions
// that waited far longer than they worked, threads_for() returns 1 for the next 250 ms, then
// tries again. Results never depend on the thread count (work is split by output,
// never by reduction), so this only changes speed.
void report_parallel_region(int64_t work_ns, int64_t join_wait_ns);
bool parallel_backoff_active();
// On by default; tests that oversubscribe the cores on purpose turn it off.
void set_starvation_guard(bool enabled);

}  // namespace speecht5::kernels
