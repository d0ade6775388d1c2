#include "core/util/cpu_features.h"

#include <vector>

#include "core/util/strings.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#elif defined(__aarch64__)
#include <sys/auxv.h>
#endif

namespace xp {

namespace {

CpuFeatures detect() {
  CpuFeatures features;
#if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  // CPUID leaf 7: structured extended features (Intel SDM vol. 2A, CPUID).
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) {
    features.avx512f = (ebx >> 16) & 1;
    features.amx_bf16 = (edx >> 22) & 1;
  }
  if (__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) features.avx512_bf16 = (eax >> 5) & 1;
#elif defined(__aarch64__) && defined(AT_HWCAP2)
  constexpr unsigned long kHwcap2Bf16 = 1UL << 14;  // HWCAP2_BF16 in <asm/hwcap.h>
  features.arm_bf16 = (getauxval(AT_HWCAP2) & kHwcap2Bf16) != 0;
#endif
  return features;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

bool has_native_bf16(const CpuFeatures& features) {
  return features.avx512_bf16 || features.amx_bf16 || features.arm_bf16;
}

std::string describe(const CpuFeatures& features) {
  std::vector<std::string> present;
  if (features.avx512f) present.emplace_back("avx512f");
  if (features.avx512_bf16) present.emplace_back("avx512_bf16");
  if (features.amx_bf16) present.emplace_back("amx_bf16");
  if (features.arm_bf16) present.emplace_back("arm_bf16");
  return present.empty() ? "none" : join(present, " ");
}

}  // namespace xp
