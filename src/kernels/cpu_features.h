#pragma once
// Which instruction set the kernels run with. Detected once from CPUID (and the OS's saved
// register state), overridable with SPEECHT5_ISA=avx512|avx2|generic; the choice is logged once
// at info level. Packed weight layouts do not depend on the ISA, so it can be switched at any
// time (tests run every kernel on every ISA this machine has).
#include <string>

namespace speecht5::kernels {

enum class Isa { kGeneric = 0, kAvx2 = 1, kAvx512 = 2 };

struct CpuFeatures {
  bool avx2_fma = false;  // AVX2 + FMA + F16C
  bool avx512 = false;    // AVX-512 F/BW/VL/DQ, usable by the OS
  bool avx512_bf16 = false;
  bool avx512_vnni = false;
};

const CpuFeatures& cpu_features();
std::string isa_name(Isa isa);
Isa parse_isa(const std::string& name);  // throws kInvalidArgument on an unknown name

// The best ISA this CPU supports for our kernels (AVX-512 needs BF16 and VNNI as well).
Isa best_supported_isa();
bool isa_supported(Isa isa);

// The ISA in use: SPEECHT5_ISA if set (an unsupported request falls back with a warning),
// else the best supported one.
Isa active_isa();
// Switches the kernels to `isa`; throws kInvalidArgument if this CPU cannot run it.
void set_active_isa(Isa isa);

}  // namespace speecht5::kernels
