#include "kernels/cpu_features.h"

#include <cpuid.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <mutex>

#include "core/error.h"
#include "core/log.h"

namespace speecht5::kernels {
namespace {

uint64_t read_xcr0() {
  uint32_t eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = c & (1u << 27);
  const bool fma = c & (1u << 12);
  const bool f16c = c & (1u << 29);
  if (!osxsave) return f;
  const uint64_t xcr0 = read_xcr0();
  const bool ymm_state = (xcr0 & 0x6) == 0x6;
  const bool zmm_state = (xcr0 & 0xe6) == 0xe6;
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid_count(7, 0, a, b, c, d);
  const bool avx2 = b & (1u << 5);
  const bool avx512f = b & (1u << 16), avx512dq = b & (1u << 17);
  const bool avx512bw = b & (1u << 30), avx512vl = b & (1u << 31);
  const bool vnni = c & (1u << 11);
  f.avx2_fma = ymm_state && avx2 && fma && f16c;
  f.avx512 = f.avx2_fma && zmm_state && avx512f && avx512dq && avx512bw && avx512vl;
  f.avx512_vnni = f.avx512 && vnni;
  __cpuid_count(7, 1, a, b, c, d);
  f.avx512_bf16 = f.avx512 && (a & (1u << 5));
  return f;
}

Isa initial_isa() {
  const Isa best = best_supported_isa();
  Isa chosen = best;
  if (const char* env = std::getenv("SPEECHT5_ISA"); env != nullptr && *env != '\0') {
    try {
      const Isa requested = parse_isa(env);
      if (isa_supported(requested)) {
        chosen = requested;
      } else {
        log::warn("SPEECHT5_ISA=", env, " is not supported by this CPU; using ", isa_name(best));
      }
    } catch (const Error& e) {
      log::warn(e.what(), "; using ", isa_name(best));
    }
  }
  log::info("kernels: using ", isa_name(chosen), " (best supported: ", isa_name(best), ")");
  return chosen;
}

std::atomic<int>& isa_slot() {
  static std::atomic<int> slot{static_cast<int>(initial_isa())};
  return slot;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

std::string isa_name(Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return "avx512";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kGeneric:
      return "generic";
  }
  return "unknown";
}

Isa parse_isa(const std::string& name) {
  if (name == "avx512") return Isa::kAvx512;
  if (name == "avx2") return Isa::kAvx2;
  if (name == "generic") return Isa::kGeneric;
  fail(ErrorCode::kInvalidArgument,
       "unknown ISA '" + name + "' (SPEECHT5_ISA expects avx512, avx2 or generic)");
}

bool isa_supported(Isa isa) {
  const CpuFeatures& f = cpu_features();
  switch (isa) {
    case Isa::kAvx512:
      return f.avx512 && f.avx512_bf16 && f.avx512_vnni;
    case Isa::kAvx2:
      return f.avx2_fma;
    case Isa::kGeneric:
      return true;
  }
  return false;
}

Isa best_supported_isa() {
  if (isa_supported(Isa::kAvx512)) return Isa::kAvx512;
  if (isa_supported(Isa::kAvx2)) return Isa::kAvx2;
  return Isa::kGeneric;
}

Isa active_isa() { return static_cast<Isa>(isa_slot().load(std::memory_order_relaxed)); }

void set_active_isa(Isa isa) {
  if (!isa_supported(isa))
    fail(ErrorCode::kInvalidArgument, "ISA " + isa_name(isa) + " is not supported by this CPU");
  isa_slot().store(static_cast<int>(isa), std::memory_order_relaxed);
}

}  // namespace speecht5::kernels
