/*
 * dispatch.c - which SIMD kernels this machine runs.
 *
 * The CPU is probed once, on first use: CPUID says what the core can do,
 * XGETBV says whether the OS saves the wider register state on a context
 * switch (a CPU with AVX-512 under an OS that does not enable ZMM state
 * faults on the first ZMM instruction). The environment variable FACENET_ISA
 * caps the choice so that every path can be run on one machine; an unknown
 * value is ignored (the library does not print; the bench prints the ISA in
 * use). The table of kernels is a pointer to one of the per-ISA constant
 * tables, swapped only by ops_isa_select.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"
#include "ops/simd_internal.h"

#if defined(FACENET_HAVE_X86) && (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <cpuid.h>
#define DISPATCH_X86 1
#else
#define DISPATCH_X86 0
#endif

static int g_probed;                         /* 1 once probe() ran */
static ops_isa g_detected = OPS_ISA_SCALAR;  /* best the CPU + OS support */
static ops_isa g_active = OPS_ISA_SCALAR;    /* after the cap */
static const ops_simd_kernels *g_kernels;    /* NULL for scalar */
#if DISPATCH_X86
static int g_pclmul;                         /* 1 if the CPU has PCLMULQDQ */
#endif

#if DISPATCH_X86
static unsigned long long xgetbv0(void)
{
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

static ops_isa probe_x86(void)
{
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return OPS_ISA_SCALAR;
    g_pclmul = (c >> 1) & 1;
    const int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    const int f16c = (c >> 29) & 1;
    if (!osxsave || !avx || !fma || !f16c) return OPS_ISA_SCALAR;
    const unsigned long long xcr0 = xgetbv0();
    if ((xcr0 & 0x6) != 0x6) return OPS_ISA_SCALAR; /* XMM + YMM state */
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return OPS_ISA_SCALAR;
    const int avx2 = (b >> 5) & 1;
    if (!avx2) return OPS_ISA_SCALAR;
    const int f = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
    /* opmask (bit 5), upper halves of ZMM0-15 (6), ZMM16-31 (7) */
    if (f && dq && bw && vl && (xcr0 & 0xe0) == 0xe0) return OPS_ISA_AVX512;
    return OPS_ISA_AVX2;
}
#endif

static const ops_simd_kernels *table_for(ops_isa isa)
{
    switch (isa) {
#if DISPATCH_X86
    case OPS_ISA_AVX2: return &ops_kernels_avx2;
    case OPS_ISA_AVX512: return &ops_kernels_avx512;
#endif
#if defined(FACENET_HAVE_NEON)
    case OPS_ISA_NEON: return &ops_kernels_neon;
#endif
    default: return NULL;
    }
}

static void probe(void)
{
    if (g_probed) return;
#if DISPATCH_X86
    g_detected = probe_x86();
#elif defined(FACENET_HAVE_NEON)
    g_detected = OPS_ISA_NEON; /* Advanced SIMD is part of every AArch64 core */
#else
    g_detected = OPS_ISA_SCALAR;
#endif
    ops_isa cap = g_detected;
    const char *env = getenv("FACENET_ISA");
    if (env && *env) ops_isa_parse(env, &cap);
    g_probed = 1;
    ops_isa_select(cap);
}

ops_isa ops_isa_detected(void)
{
    probe();
    return g_detected;
}

ops_isa ops_isa_active(void)
{
    probe();
    return g_active;
}

ops_isa ops_isa_select(ops_isa cap)
{
    probe();
    /* NEON and the x86 ISAs never coexist: on x86 a NEON cap means scalar. */
    ops_isa isa = cap < g_detected ? cap : g_detected;
    if (isa == OPS_ISA_NEON && g_detected != OPS_ISA_NEON) isa = OPS_ISA_SCALAR;
    g_active = isa;
    g_kernels = table_for(isa);
    if (!g_kernels) g_active = OPS_ISA_SCALAR;
    return g_active;
}

size_t ops_crc32_prefix(uint32_t *state, const void *data, size_t len)
{
    probe();
#if DISPATCH_X86
    if (g_pclmul && (g_active == OPS_ISA_AVX2 || g_active == OPS_ISA_AVX512))
        return ops_crc32_clmul_avx2(state, data, len);
#else
    (void)state;
    (void)data;
    (void)len;
#endif
    return 0;
}

const ops_simd_kernels *ops_simd_active(void)
{
    probe();
    return g_kernels;
}

static const char *const isa_names[] = {"scalar", "neon", "avx2", "avx512"};

const char *ops_isa_name(ops_isa isa)
{
    if ((int)isa < 0 || (int)isa >= (int)(sizeof isa_names / sizeof isa_names[0])) return NULL;
    return isa_names[isa];
}

int ops_isa_parse(const char *name, ops_isa *isa)
{
    for (int i = 0; i < (int)(sizeof isa_names / sizeof isa_names[0]); i++)
        if (strcmp(name, isa_names[i]) == 0) {
            *isa = (ops_isa)i;
            return 0;
        }
    return -1;
}

void ops_simd_act_tail(ops_act act, float *y, int n)
{
    ops_act_f32(act, y, (size_t)n, y);
}

/* Scalar chains: 8 independent accumulators, so the compiler may keep them in
 * registers; it may also vectorise them, which the bench then reports. */
float ops_fma_burn(long iters, double *flops)
{
    const ops_simd_kernels *k = ops_simd_active();
    if (k) return k->fma_burn(iters, flops);
    float acc[8];
    for (int i = 0; i < 8; i++) acc[i] = (float)i;
    for (long it = 0; it < iters; it++)
        for (int i = 0; i < 8; i++) acc[i] = fmaf(acc[i], 0.999999f, 1e-7f);
    *flops = (double)iters * 8 * 2.0;
    float total = 0.0f;
    for (int i = 0; i < 8; i++) total += acc[i];
    return total;
}
