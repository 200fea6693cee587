#pragma once
// Decoder tests on the tiny model, whose products are below the size where threads pay off:
// for the scope, `threads` threads with that limit lowered, so the step runs as a team of that
// many, and no starvation guard (3 members on 2 cores wait at barriers on purpose).
#include "kernels/threading.h"

namespace speecht5::test {

class ScopedTeam {
 public:
  explicit ScopedTeam(int threads) : saved_(kernels::num_threads()) {
    kernels::set_num_threads(threads);
    kernels::set_small_op_limits(0, 0);
    kernels::set_starvation_guard(false);
  }
  ~ScopedTeam() {
    kernels::set_starvation_guard(true);
    kernels::set_small_op_limits(64 << 10, 1 << 20);
    kernels::set_num_threads(saved_);
  }
  ScopedTeam(const ScopedTeam&) = delete;
  ScopedTeam& operator=(const ScopedTeam&) = delete;

 private:
  int saved_;
};

}  // namespace speecht5::test
