// cpu.h: whether this CPU runs what the build was compiled for. scripts/build.sh compiles with
// -march=native, so a build made on a login node with AVX-512 dies of SIGILL ("Illegal
// instruction", no word of why) on a compute node without it, at some instruction deep inside a
// trial. The program asks first, before anything else runs (main.cpp, from .preinit_array), and
// says what is missing and what to do instead.
//
// Everything here is compiled for the baseline x86-64 (the target attribute) and calls nothing
// compiled for more: no std::string or std::vector, whose code in this program is built
// -march=native; only the compiler's builtins and stdio.
//
// May depend on: the C standard library, the compiler's builtins. Thread safety: pure functions
// (writing to the FILE given).
#pragma once

#include <cstdio>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HS_CPU_BASELINE __attribute__((target("arch=x86-64")))
#define HS_CPU_CHECKS 1
#else
#define HS_CPU_BASELINE
#define HS_CPU_CHECKS 0
#endif

namespace hs {

// The instruction-set extensions this build was compiled to use (from the compiler's macros:
// __AVX2__, __AVX512F__, ...), by the names __builtin_cpu_supports knows, each with whether this
// CPU has it. None off x86-64.
struct CpuFeature {
  const char* name = "";
  bool here = true;
};
struct CpuFeatures {
  CpuFeature list[24];
  int count = 0;
};

HS_CPU_BASELINE inline CpuFeatures compiled_cpu_features() {
  CpuFeatures out;
#if HS_CPU_CHECKS
  __builtin_cpu_init();  // needed before main
#define HS_CPU_FEATURE(feature) \
  out.list[out.count++] = CpuFeature{feature, __builtin_cpu_supports(feature) != 0}
#ifdef __SSE4_2__
  HS_CPU_FEATURE("sse4.2");
#endif
#ifdef __AVX__
  HS_CPU_FEATURE("avx");
#endif
#ifdef __AVX2__
  HS_CPU_FEATURE("avx2");
#endif
#ifdef __FMA__
  HS_CPU_FEATURE("fma");
#endif
#ifdef __BMI2__
  HS_CPU_FEATURE("bmi2");
#endif
#ifdef __AVX512F__
  HS_CPU_FEATURE("avx512f");
#endif
#ifdef __AVX512CD__
  HS_CPU_FEATURE("avx512cd");
#endif
#ifdef __AVX512DQ__
  HS_CPU_FEATURE("avx512dq");
#endif
#ifdef __AVX512BW__
  HS_CPU_FEATURE("avx512bw");
#endif
#ifdef __AVX512VL__
  HS_CPU_FEATURE("avx512vl");
#endif
#ifdef __AVX512IFMA__
  HS_CPU_FEATURE("avx512ifma");
#endif
#ifdef __AVX512VBMI__
  HS_CPU_FEATURE("avx512vbmi");
#endif
#ifdef __AVX512VBMI2__
  HS_CPU_FEATURE("avx512vbmi2");
#endif
#ifdef __AVX512VNNI__
  HS_CPU_FEATURE("avx512vnni");
#endif
#ifdef __AVX512BITALG__
  HS_CPU_FEATURE("avx512bitalg");
#endif
#ifdef __AVX512VPOPCNTDQ__
  HS_CPU_FEATURE("avx512vpopcntdq");
#endif
#ifdef __AVX512BF16__
  HS_CPU_FEATURE("avx512bf16");
#endif
#ifdef __AVX512FP16__
  HS_CPU_FEATURE("avx512fp16");
#endif
#undef HS_CPU_FEATURE
#endif
  return out;
}

// When some of `features` are missing here, writes one error line to `out` naming them and
// what to do, and returns true; else writes nothing and returns false.
HS_CPU_BASELINE inline bool report_cpu_mismatch(const CpuFeatures& features, std::FILE* out) {
  bool any = false;
  for (int i = 0; i < features.count; ++i) {
    if (features.list[i].here) continue;
    std::fputs(
        any ? ", " : "hypersweep: error: this build uses CPU instructions this machine lacks (",
        out);
    std::fputs(features.list[i].name, out);
    any = true;
  }
  if (any)
    std::fputs(
        "): it was compiled for another CPU (scripts/build.sh compiles with "
        "-march=native). Build it on this kind of machine, or once for every node of a "
        "cluster with scripts/build.sh -DHYPERSWEEP_NATIVE=OFF\n",
        out);
  return any;
}

}  // namespace hs
