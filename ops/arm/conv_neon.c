/*
 * conv_neon.c - AArch64 Advanced SIMD (NEON) convolution tile and Winograd
 * F(4x4, 3x3) transforms: the same algorithms as ops/x86/conv_avx2.c, on
 * 4-float vectors. Advanced SIMD is part of every AArch64 core, so
 * dispatch.c selects this table on any aarch64 build with SIMD=1.
 *
 * Layout: activations NHWC float32; a tile is nb (<= 6) pixels times 16
 * output channels, 24 q-register accumulators + 4 weight registers + 1
 * broadcast (29 of the 32), so each step of the reduction issues 24 FMAs for
 * 4 weight loads and 6 scalar loads.
 * Packed weights: [segment][k][16], 64-byte aligned. Activations, residuals,
 * outputs: any 4-byte alignment (NEON loads need no more).
 * Tails: output channels past nco are computed on zero-padded weights and
 * never stored (whole vectors where they fit, the rest through a small
 * buffer); pixels past nb are not computed; no load reads outside the
 * ranges named in ops_tile_args / ops_wino_args. Winograd: channel counts are
 * multiples of 4 (the planner checks); spatial tails are zero-filled on
 * input and skipped on output.
 */
#include <arm_neon.h>
#include <string.h>

#include "ops/simd_internal.h"

enum { VL = 4, NR = 16, NB_MAX = 6, NV = NR / VL };

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

static float32x4_t act_vec(ops_act act, float32x4_t v)
{
    if (act == OPS_ACT_RELU) return vmaxq_f32(v, vdupq_n_f32(0.0f));
    if (act == OPS_ACT_RELU6) return vminq_f32(vmaxq_f32(v, vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f));
    return v;
}

static ALWAYS_INLINE void tile_nb(const ops_tile_args *t, const int nb)
{
    float32x4_t acc[NB_MAX][NV];
#pragma GCC unroll 6
    for (int j = 0; j < nb; j++)
        for (int v = 0; v < NV; v++) acc[j][v] = vdupq_n_f32(0.0f);
    const float *b = t->b;
    const ptrdiff_t px = t->a_px;
    for (int s = 0; s < t->nseg; s++) {
        const float *a = t->a + s * t->a_seg;
        for (int k = 0; k < t->k_len; k++) {
            const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4);
            const float32x4_t b2 = vld1q_f32(b + 8), b3 = vld1q_f32(b + 12);
            b += NR;
#pragma GCC unroll 6
            for (int j = 0; j < nb; j++) {
                const float32x4_t av = vdupq_n_f32(a[j * px + k]);
                acc[j][0] = vfmaq_f32(acc[j][0], av, b0);
                acc[j][1] = vfmaq_f32(acc[j][1], av, b1);
                acc[j][2] = vfmaq_f32(acc[j][2], av, b2);
                acc[j][3] = vfmaq_f32(acc[j][3], av, b3);
            }
        }
    }

    const int full = t->nco / VL, rest = t->nco % VL;
    for (int j = 0; j < nb; j++) {
        float *y = t->y[j];
        if (!y) continue;
        for (int v = 0; v < NV && v * VL < t->nco; v++) {
            float32x4_t r = acc[j][v];
            if (t->bias) r = vaddq_f32(r, vld1q_f32(t->bias + v * VL));
            if (v < full) {
                if (t->res) r = vaddq_f32(r, vld1q_f32(t->res[j] + v * VL));
                vst1q_f32(y + v * VL, act_vec(t->act, r));
            } else {
                float buf[VL] = {0};
                if (t->res) {
                    memcpy(buf, t->res[j] + v * VL, (size_t)rest * sizeof(float));
                    r = vaddq_f32(r, vld1q_f32(buf));
                }
                vst1q_f32(buf, act_vec(t->act, r));
                memcpy(y + v * VL, buf, (size_t)rest * sizeof(float));
            }
        }
        if (t->act == OPS_ACT_SIGMOID || t->act == OPS_ACT_TANH)
            ops_simd_act_tail(t->act, y, t->nco);
    }
}

static void tile_neon(const ops_tile_args *t)
{
    switch (t->nb) {
    case 1: tile_nb(t, 1); break;
    case 2: tile_nb(t, 2); break;
    case 3: tile_nb(t, 3); break;
    case 4: tile_nb(t, 4); break;
    case 5: tile_nb(t, 5); break;
    default: tile_nb(t, 6); break;
    }
}

/* ---- Winograd F(4x4, 3x3): the matrices are in ops/x86/conv_avx512.c ---- */

static void bt_1d(const float32x4_t d[6], float32x4_t t[6])
{
    const float32x4_t four = vdupq_n_f32(4.0f), five = vdupq_n_f32(5.0f);
    const float32x4_t two = vdupq_n_f32(2.0f);
    t[0] = vfmaq_f32(vfmsq_f32(d[4], five, d[2]), four, d[0]);
    t[1] = vfmsq_f32(vaddq_f32(d[3], d[4]), four, vaddq_f32(d[1], d[2]));
    t[2] = vfmaq_f32(vsubq_f32(d[4], d[3]), four, vsubq_f32(d[1], d[2]));
    t[3] = vfmaq_f32(vsubq_f32(d[4], d[2]), two, vsubq_f32(d[3], d[1]));
    t[4] = vfmsq_f32(vsubq_f32(d[4], d[2]), two, vsubq_f32(d[3], d[1]));
    t[5] = vfmaq_f32(vfmsq_f32(d[5], five, d[3]), four, d[1]);
}

static void wino_input_neon(const ops_wino_args *w)
{
    const ops_nhwc in = w->in;
    const int c = in.c, tiles_img = w->tiles_h * w->tiles_w;
    const size_t pos_stride = (size_t)w->nt * c;
    for (int j = 0; j < w->nt; j++) {
        const int t = w->t0 + j;
        const int n = t / tiles_img, r = t % tiles_img;
        const int iy0 = (r / w->tiles_w) * 4 - w->pad_top;
        const int ix0 = (r % w->tiles_w) * 4 - w->pad_left;
        const float *xn = w->x + (size_t)n * in.h * in.w * c;
        int rowok[6], colok[6];
        for (int i = 0; i < 6; i++) {
            rowok[i] = iy0 + i >= 0 && iy0 + i < in.h;
            colok[i] = ix0 + i >= 0 && ix0 + i < in.w;
        }
        for (int ci = 0; ci < c; ci += VL) {
            float32x4_t tmp[6][6];
            for (int col = 0; col < 6; col++) {
                float32x4_t d[6], o[6];
                for (int row = 0; row < 6; row++)
                    d[row] = rowok[row] && colok[col]
                                 ? vld1q_f32(xn + ((size_t)(iy0 + row) * in.w + (ix0 + col)) * c + ci)
                                 : vdupq_n_f32(0.0f);
                bt_1d(d, o);
                for (int row = 0; row < 6; row++) tmp[row][col] = o[row];
            }
            float *v = w->v + (size_t)j * c + ci;
            for (int row = 0; row < 6; row++) {
                float32x4_t o[6];
                bt_1d(tmp[row], o);
                for (int col = 0; col < 6; col++)
                    vst1q_f32(v + (size_t)(row * 6 + col) * pos_stride, o[col]);
            }
        }
    }
}

static void at_1d(const float32x4_t m[6], float32x4_t o[4])
{
    const float32x4_t s12 = vaddq_f32(m[1], m[2]), d12 = vsubq_f32(m[1], m[2]);
    const float32x4_t s34 = vaddq_f32(m[3], m[4]), d34 = vsubq_f32(m[3], m[4]);
    o[0] = vaddq_f32(vaddq_f32(m[0], s12), s34);
    o[1] = vfmaq_f32(d12, vdupq_n_f32(2.0f), d34);
    o[2] = vfmaq_f32(s12, vdupq_n_f32(4.0f), s34);
    o[3] = vaddq_f32(vfmaq_f32(d12, vdupq_n_f32(8.0f), d34), m[5]);
}

static void wino_output_neon(const ops_wino_args *w)
{
    const int tiles_img = w->tiles_h * w->tiles_w;
    const size_t pos_stride = (size_t)w->nt * w->m_stride;
    const int sig = w->act == OPS_ACT_SIGMOID || w->act == OPS_ACT_TANH;
    for (int j = 0; j < w->nt; j++) {
        const int t = w->t0 + j;
        const int n = t / tiles_img, r = t % tiles_img;
        const int oy0 = (r / w->tiles_w) * 4, ox0 = (r % w->tiles_w) * 4;
        const int rows = w->oh - oy0 < 4 ? w->oh - oy0 : 4;
        const int cols = w->ow - ox0 < 4 ? w->ow - ox0 : 4;
        for (int cc = 0; cc < w->nco; cc += VL) {
            const float *m = w->m + (size_t)j * w->m_stride + cc;
            float32x4_t tmp[4][6];
            for (int col = 0; col < 6; col++) {
                float32x4_t mv[6], o[4];
                for (int row = 0; row < 6; row++)
                    mv[row] = vld1q_f32(m + (size_t)(row * 6 + col) * pos_stride);
                at_1d(mv, o);
                for (int row = 0; row < 4; row++) tmp[row][col] = o[row];
            }
            const int co = w->co0 + cc;
            const float32x4_t bias = w->bias ? vld1q_f32(w->bias + co) : vdupq_n_f32(0.0f);
            for (int row = 0; row < rows; row++) {
                float32x4_t o[4];
                at_1d(tmp[row], o);
                for (int col = 0; col < cols; col++) {
                    const size_t pix = ((size_t)n * w->oh + oy0 + row) * w->ow + ox0 + col;
                    float *y = w->y + pix * w->c_out + co;
                    float32x4_t v = vaddq_f32(o[col], bias);
                    if (w->res) v = vaddq_f32(v, vld1q_f32(w->res + pix * w->c_out + co));
                    vst1q_f32(y, act_vec(w->act, v));
                    if (sig) ops_simd_act_tail(w->act, y, VL);
                }
            }
        }
    }
}

/* The FMA peak probe: 24 independent chains (4-cycle FMA latency, up to 4
 * FMA pipes on big cores). */
static float fma_burn_neon(long iters, double *flops)
{
    *flops = (double)iters * 24 * VL * 2.0;
    float32x4_t acc[24];
    const float32x4_t mul = vdupq_n_f32(0.999999f), add = vdupq_n_f32(1e-7f);
    for (int i = 0; i < 24; i++) acc[i] = vdupq_n_f32((float)i);
    for (long it = 0; it < iters; it++) {
#pragma GCC unroll 24
        for (int i = 0; i < 24; i++) acc[i] = vfmaq_f32(add, acc[i], mul);
    }
    float32x4_t sum = acc[0];
    for (int i = 1; i < 24; i++) sum = vaddq_f32(sum, acc[i]);
    return vaddvq_f32(sum);
}

const ops_simd_kernels ops_kernels_neon = {
    OPS_ISA_NEON, VL, NR, NB_MAX, tile_neon, wino_input_neon, wino_output_neon, fma_burn_neon,
    NULL, NULL, /* no F(2x2, 3x3) transforms here yet: the planner uses F(4x4) or direct */
};
