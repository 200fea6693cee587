#pragma once
// Runs a test body once per instruction set this machine supports (kernels are compiled per ISA
// and chosen at run time; every variant must meet the same tolerance).
#include <vector>

#include "kernels/cpu_features.h"

namespace speecht5::test {

inline std::vector<kernels::Isa> supported_isas() {
  std::vector<kernels::Isa> isas;
  for (kernels::Isa isa : {kernels::Isa::kGeneric, kernels::Isa::kAvx2, kernels::Isa::kAvx512})
    if (kernels::isa_supported(isa)) isas.push_back(isa);
  return isas;
}

// Makes `isa` the active kernel set for the scope's lifetime.
class IsaScope {
 public:
  explicit IsaScope(kernels::Isa isa) : saved_(kernels::active_isa()) { kernels::set_active_isa(isa); }
  ~IsaScope() { kernels::set_active_isa(saved_); }
  IsaScope(const IsaScope&) = delete;
  IsaScope& operator=(const IsaScope&) = delete;

 private:
  kernels::Isa saved_;
};

}  // namespace speecht5::test
