/*
 * conv_avx2.c - AVX2 + FMA convolution tile and Winograd F(4x4, 3x3)
 * transforms. Built with the AVX2 flags only; called through
 * ops_kernels_avx2 after dispatch.c has checked CPUID and XGETBV.
 *
 * Layout: activations NHWC float32; a tile is nb (<= 6) pixels times 16
 * output channels, 12 ymm accumulators + 2 weight registers + 1 broadcast
 * (15 of the 16 ymm), so each step of the reduction issues 12 FMAs for 2
 * weight loads and 6 broadcast loads.
 * Packed weights: [segment][k][16], 64-byte aligned (the loads are aligned).
 * Activations, residuals, outputs: any 4-byte alignment (unaligned loads).
 * Tails: output channels past nco are computed on zero-padded weights and
 * never stored (maskstore); pixels past nb are not computed; no load reads
 * outside the ranges named in ops_tile_args / ops_wino_args.
 * Winograd: channel counts are multiples of 8 (the planner checks), so the
 * transforms need no channel tail; spatial tails are zero-filled on input
 * and skipped on output.
 */
#include <immintrin.h>

#include "ops/simd_internal.h"

enum { VL = 8, NR = 16, NB_MAX = 6 };

/* Weights are streamed once per tile; on small maps (few pixels per weight)
 * that stream is the bottleneck, so they are prefetched this far ahead, one
 * 64-byte line per step (the address may run past the packed block:
 * prefetches never fault). */
enum { PF_FLOATS = 128 * NR };

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* Lanes 0..n-1 set (all-ones), the rest clear, for maskload/maskstore. */
static __m256i lane_mask(int n)
{
    const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), idx);
}

static __m256 act_vec(ops_act act, __m256 v)
{
    if (act == OPS_ACT_RELU) return _mm256_max_ps(v, _mm256_setzero_ps());
    if (act == OPS_ACT_RELU6)
        return _mm256_min_ps(_mm256_max_ps(v, _mm256_setzero_ps()), _mm256_set1_ps(6.0f));
    return v;
}

/* The tile with nb fixed at compile time (after inlining), so the
 * accumulator arrays live in registers. */
static ALWAYS_INLINE void tile_nb(const ops_tile_args *t, const int nb)
{
    __m256 acc0[NB_MAX], acc1[NB_MAX];
#pragma GCC unroll 6
    for (int j = 0; j < nb; j++) {
        acc0[j] = _mm256_setzero_ps();
        acc1[j] = _mm256_setzero_ps();
    }
    const float *b = t->b;
    const ptrdiff_t px = t->a_px;
    for (int s = 0; s < t->nseg; s++) {
        const float *a = t->a + s * t->a_seg;
        for (int k = 0; k < t->k_len; k++) {
            const __m256 b0 = _mm256_load_ps(b);
            const __m256 b1 = _mm256_load_ps(b + VL);
            _mm_prefetch((const char *)(b + PF_FLOATS), _MM_HINT_T0);
            b += NR;
#pragma GCC unroll 6
            for (int j = 0; j < nb; j++) {
                const __m256 av = _mm256_set1_ps(a[j * px + k]);
                acc0[j] = _mm256_fmadd_ps(av, b0, acc0[j]);
                acc1[j] = _mm256_fmadd_ps(av, b1, acc1[j]);
            }
        }
    }

    const __m256i m0 = lane_mask(t->nco), m1 = lane_mask(t->nco - VL);
    const __m256 bias0 = t->bias ? _mm256_loadu_ps(t->bias) : _mm256_setzero_ps();
    const __m256 bias1 = t->bias ? _mm256_loadu_ps(t->bias + VL) : _mm256_setzero_ps();
    for (int j = 0; j < nb; j++) {
        float *y = t->y[j];
        if (!y) continue;
        __m256 v0 = _mm256_add_ps(acc0[j], bias0);
        __m256 v1 = _mm256_add_ps(acc1[j], bias1);
        if (t->res) {
            v0 = _mm256_add_ps(v0, _mm256_maskload_ps(t->res[j], m0));
            v1 = _mm256_add_ps(v1, _mm256_maskload_ps(t->res[j] + VL, m1));
        }
        _mm256_maskstore_ps(y, m0, act_vec(t->act, v0));
        _mm256_maskstore_ps(y + VL, m1, act_vec(t->act, v1));
        if (t->act == OPS_ACT_SIGMOID || t->act == OPS_ACT_TANH)
            ops_simd_act_tail(t->act, y, t->nco);
    }
}

static void tile_avx2(const ops_tile_args *t)
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

/* ---- Winograd F(4x4, 3x3) -------------------------------------------------
 * Y = A^T [ (G g G^T) . (B^T d B) ] A with the interpolation points
 * 0, +-1, +-2 and infinity:
 *   B^T = [ 4  0 -5  0  1  0 ]    A^T = [ 1  1  1  1  1  0 ]
 *         [ 0 -4 -4  1  1  0 ]          [ 0  1 -1  2 -2  0 ]
 *         [ 0  4 -4 -1  1  0 ]          [ 0  1  1  4  4  0 ]
 *         [ 0 -2 -1  2  1  0 ]          [ 0  1 -1  8 -8  1 ]
 *         [ 0  2 -1 -2  1  0 ]
 *         [ 0  4  0 -5  0  1 ]
 * (G is applied to the weights at planning time, in double.) */

static void bt_1d(const __m256 d[6], __m256 t[6])
{
    const __m256 four = _mm256_set1_ps(4.0f), five = _mm256_set1_ps(5.0f);
    const __m256 two = _mm256_set1_ps(2.0f);
    t[0] = _mm256_fmadd_ps(four, d[0], _mm256_fnmadd_ps(five, d[2], d[4]));
    t[1] = _mm256_fnmadd_ps(four, _mm256_add_ps(d[1], d[2]), _mm256_add_ps(d[3], d[4]));
    t[2] = _mm256_fmadd_ps(four, _mm256_sub_ps(d[1], d[2]), _mm256_sub_ps(d[4], d[3]));
    t[3] = _mm256_fmadd_ps(two, _mm256_sub_ps(d[3], d[1]), _mm256_sub_ps(d[4], d[2]));
    t[4] = _mm256_fnmadd_ps(two, _mm256_sub_ps(d[3], d[1]), _mm256_sub_ps(d[4], d[2]));
    t[5] = _mm256_fmadd_ps(four, d[1], _mm256_fnmadd_ps(five, d[3], d[5]));
}

static void wino_input_avx2(const ops_wino_args *w)
{
    const ops_nhwc in = w->in;
    const int c = in.c, tiles_img = w->tiles_h * w->tiles_w;
    const size_t pos_stride = (size_t)w->nt * c; /* floats between positions of v */
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
            __m256 tmp[6][6]; /* [row][col] after the column pass */
            for (int col = 0; col < 6; col++) {
                __m256 d[6], o[6];
                for (int row = 0; row < 6; row++)
                    d[row] = rowok[row] && colok[col]
                                 ? _mm256_loadu_ps(xn + ((size_t)(iy0 + row) * in.w + (ix0 + col)) * c + ci)
                                 : _mm256_setzero_ps();
                bt_1d(d, o);
                for (int row = 0; row < 6; row++) tmp[row][col] = o[row];
            }
            float *v = w->v + (size_t)j * c + ci;
            for (int row = 0; row < 6; row++) {
                __m256 o[6];
                bt_1d(tmp[row], o);
                for (int col = 0; col < 6; col++)
                    _mm256_storeu_ps(v + (size_t)(row * 6 + col) * pos_stride, o[col]);
            }
        }
    }
}

static void at_1d(const __m256 m[6], __m256 o[4])
{
    const __m256 s12 = _mm256_add_ps(m[1], m[2]), d12 = _mm256_sub_ps(m[1], m[2]);
    const __m256 s34 = _mm256_add_ps(m[3], m[4]), d34 = _mm256_sub_ps(m[3], m[4]);
    o[0] = _mm256_add_ps(_mm256_add_ps(m[0], s12), s34);
    o[1] = _mm256_fmadd_ps(_mm256_set1_ps(2.0f), d34, d12);
    o[2] = _mm256_fmadd_ps(_mm256_set1_ps(4.0f), s34, s12);
    o[3] = _mm256_add_ps(_mm256_fmadd_ps(_mm256_set1_ps(8.0f), d34, d12), m[5]);
}

static void wino_output_avx2(const ops_wino_args *w)
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
            __m256 tmp[4][6]; /* [out row][col] after the column pass */
            for (int col = 0; col < 6; col++) {
                __m256 mv[6], o[4];
                for (int row = 0; row < 6; row++)
                    mv[row] = _mm256_loadu_ps(m + (size_t)(row * 6 + col) * pos_stride);
                at_1d(mv, o);
                for (int row = 0; row < 4; row++) tmp[row][col] = o[row];
            }
            const int co = w->co0 + cc;
            const __m256 bias = w->bias ? _mm256_loadu_ps(w->bias + co) : _mm256_setzero_ps();
            for (int row = 0; row < rows; row++) {
                __m256 o[4];
                at_1d(tmp[row], o);
                for (int col = 0; col < cols; col++) {
                    const size_t pix = ((size_t)n * w->oh + oy0 + row) * w->ow + ox0 + col;
                    float *y = w->y + pix * w->c_out + co;
                    __m256 v = _mm256_add_ps(o[col], bias);
                    if (w->res) v = _mm256_add_ps(v, _mm256_loadu_ps(w->res + pix * w->c_out + co));
                    _mm256_storeu_ps(y, act_vec(w->act, v));
                    if (sig) ops_simd_act_tail(w->act, y, VL);
                }
            }
        }
    }
}

/* ---- Winograd F(2x2, 3x3) -------------------------------------------------
 * 16 multiplies per 2x2 output tile and channel pair instead of 36, with a
 * weight transform 16/9 the size of the kernel (F(4,3): 36/9), for the
 * middle-sized maps where F(4,3)'s weights cost more than they save:
 *   B^T = [ 1  0 -1  0 ]    A^T = [ 1  1  1  0 ]
 *         [ 0  1  1  0 ]          [ 0  1 -1 -1 ]
 *         [ 0 -1  1  0 ]
 *         [ 0  1  0 -1 ]                                                     */

static void bt23_1d(const __m256 d[4], __m256 t[4])
{
    t[0] = _mm256_sub_ps(d[0], d[2]);
    t[1] = _mm256_add_ps(d[1], d[2]);
    t[2] = _mm256_sub_ps(d[2], d[1]);
    t[3] = _mm256_sub_ps(d[1], d[3]);
}

static void wino23_input_avx2(const ops_wino_args *w)
{
    const ops_nhwc in = w->in;
    const int c = in.c, tiles_img = w->tiles_h * w->tiles_w;
    const size_t pos_stride = (size_t)w->nt * c;
    for (int j = 0; j < w->nt; j++) {
        const int t = w->t0 + j;
        const int n = t / tiles_img, r = t % tiles_img;
        const int iy0 = (r / w->tiles_w) * 2 - w->pad_top;
        const int ix0 = (r % w->tiles_w) * 2 - w->pad_left;
        const float *xn = w->x + (size_t)n * in.h * in.w * c;
        int rowok[4], colok[4];
        for (int i = 0; i < 4; i++) {
            rowok[i] = iy0 + i >= 0 && iy0 + i < in.h;
            colok[i] = ix0 + i >= 0 && ix0 + i < in.w;
        }
        for (int ci = 0; ci < c; ci += VL) {
            __m256 tmp[4][4];
            for (int col = 0; col < 4; col++) {
                __m256 d[4], o[4];
                for (int row = 0; row < 4; row++)
                    d[row] = rowok[row] && colok[col]
                                 ? _mm256_loadu_ps(xn + ((size_t)(iy0 + row) * in.w + (ix0 + col)) * c + ci)
                                 : _mm256_setzero_ps();
                bt23_1d(d, o);
                for (int row = 0; row < 4; row++) tmp[row][col] = o[row];
            }
            float *v = w->v + (size_t)j * c + ci;
            for (int row = 0; row < 4; row++) {
                __m256 o[4];
                bt23_1d(tmp[row], o);
                for (int col = 0; col < 4; col++)
                    _mm256_storeu_ps(v + (size_t)(row * 4 + col) * pos_stride, o[col]);
            }
        }
    }
}

static void at23_1d(const __m256 m[4], __m256 o[2])
{
    o[0] = _mm256_add_ps(_mm256_add_ps(m[0], m[1]), m[2]);
    o[1] = _mm256_sub_ps(_mm256_sub_ps(m[1], m[2]), m[3]);
}

static void wino23_output_avx2(const ops_wino_args *w)
{
    const int tiles_img = w->tiles_h * w->tiles_w;
    const size_t pos_stride = (size_t)w->nt * w->m_stride;
    const int sig = w->act == OPS_ACT_SIGMOID || w->act == OPS_ACT_TANH;
    for (int j = 0; j < w->nt; j++) {
        const int t = w->t0 + j;
        const int n = t / tiles_img, r = t % tiles_img;
        const int oy0 = (r / w->tiles_w) * 2, ox0 = (r % w->tiles_w) * 2;
        const int rows = w->oh - oy0 < 2 ? w->oh - oy0 : 2;
        const int cols = w->ow - ox0 < 2 ? w->ow - ox0 : 2;
        for (int cc = 0; cc < w->nco; cc += VL) {
            const float *m = w->m + (size_t)j * w->m_stride + cc;
            __m256 tmp[2][4];
            for (int col = 0; col < 4; col++) {
                __m256 mv[4], o[2];
                for (int row = 0; row < 4; row++)
                    mv[row] = _mm256_loadu_ps(m + (size_t)(row * 4 + col) * pos_stride);
                at23_1d(mv, o);
                tmp[0][col] = o[0];
                tmp[1][col] = o[1];
            }
            const int co = w->co0 + cc;
            const __m256 bias = w->bias ? _mm256_loadu_ps(w->bias + co) : _mm256_setzero_ps();
            for (int row = 0; row < rows; row++) {
                __m256 o[2];
                at23_1d(tmp[row], o);
                for (int col = 0; col < cols; col++) {
                    const size_t pix = ((size_t)n * w->oh + oy0 + row) * w->ow + ox0 + col;
                    float *y = w->y + pix * w->c_out + co;
                    __m256 v = _mm256_add_ps(o[col], bias);
                    if (w->res) v = _mm256_add_ps(v, _mm256_loadu_ps(w->res + pix * w->c_out + co));
                    _mm256_storeu_ps(y, act_vec(w->act, v));
                    if (sig) ops_simd_act_tail(w->act, y, VL);
                }
            }
        }
    }
}

/* The FMA peak probe: 12 independent accumulator chains, enough to cover the
 * FMA latency on both FMA ports, and nothing else in the loop but the
 * counter. */
static float fma_burn_avx2(long iters, double *flops)
{
    *flops = (double)iters * 12 * VL * 2.0;
    __m256 acc[12];
    const __m256 mul = _mm256_set1_ps(0.999999f), add = _mm256_set1_ps(1e-7f);
#pragma GCC unroll 12
    for (int i = 0; i < 12; i++) acc[i] = _mm256_set1_ps((float)i);
    for (long it = 0; it < iters; it++) {
#pragma GCC unroll 12
        for (int i = 0; i < 12; i++) acc[i] = _mm256_fmadd_ps(acc[i], mul, add);
    }
    __m256 sum = acc[0];
    for (int i = 1; i < 12; i++) sum = _mm256_add_ps(sum, acc[i]);
    float lanes[8];
    _mm256_storeu_ps(lanes, sum);
    float total = 0.0f;
    for (int i = 0; i < 8; i++) total += lanes[i];
    return total;
}

const ops_simd_kernels ops_kernels_avx2 = {
    OPS_ISA_AVX2, VL, NR, NB_MAX, tile_avx2, wino_input_avx2, wino_output_avx2,
    fma_burn_avx2, wino23_input_avx2, wino23_output_avx2,
};
