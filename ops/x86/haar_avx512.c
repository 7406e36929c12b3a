/*
 * haar_avx512.c - Haar window kernels, 16 windows per zmm (AVX-512 F/BW/VL/DQ).
 * Built with the AVX-512 flags only; called by ops/haar.c when dispatch.c
 * has found AVX-512 usable.
 *
 * Layout: consecutive windows (win == NULL) have consecutive origins, so
 * every corner of a feature is one unaligned 16 x int32 load for 16 windows.
 * Arithmetic, lane by lane, is the scalar reference's (ops/haar.c): int32
 * corner sums (wrapping), cvt to float, w*R products and the sums as
 * separate mul and add instructions (never FMA), leaves widened to double
 * and added in stump order; variance in double with correctly rounded sqrt
 * and divide. So every lane equals the reference bit for bit.
 * Tails: the last n % 16 windows use masked loads and stores, which do not
 * touch memory of masked-off lanes: nothing is read outside what the
 * reference reads. Window lists (win != NULL) run the reference code.
 */
#include <immintrin.h>

#include "ops/haar_internal.h"
#include "ops/haar_scalar.h"

static __mmask16 lane_mask(int n)
{
    return n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1u);
}

static inline __m512i load_corner(const int32_t *p, int32_t ofs, __mmask16 m)
{
    return _mm512_maskz_loadu_epi32(m, p + ofs);
}

/* Rect sums of 16 windows, as float. */
static inline __m512 rect16(const int32_t *p, const int32_t o[4], __mmask16 m)
{
    __m512i s = _mm512_sub_epi32(load_corner(p, o[0], m), load_corner(p, o[1], m));
    s = _mm512_sub_epi32(s, load_corner(p, o[2], m));
    s = _mm512_add_epi32(s, load_corner(p, o[3], m));
    return _mm512_cvtepi32_ps(s);
}

void ops_haar_varnorm_avx512(const int32_t *sum, const uint32_t *sqsum, const int32_t *win, int n,
                             const int32_t nofs[4], int area, float *vnf, uint8_t *ok)
{
    if (win) {
        ops_haar_varnorm_ref(sum, sqsum, win, n, nofs, area, vnf, ok);
        return;
    }
    const __m512d a = _mm512_set1_pd((double)area), one = _mm512_set1_pd(1.0), tenth = _mm512_set1_pd(0.1);
    const __m512d zero = _mm512_setzero_pd();
    const __m256 onef = _mm256_set1_ps(1.0f);
    const __m128i ones8 = _mm_set1_epi8(1);
    const int32_t *q = (const int32_t *)sqsum; /* same bits, loaded as int32 */
    for (int i = 0; i < n; i += 16) {
        __mmask16 m = lane_mask(n - i);
        const int32_t *p = sum + i, *pq = q + i;
        __m512i s = _mm512_sub_epi32(load_corner(p, nofs[0], m), load_corner(p, nofs[1], m));
        s = _mm512_add_epi32(_mm512_sub_epi32(s, load_corner(p, nofs[2], m)), load_corner(p, nofs[3], m));
        __m512i sq = _mm512_sub_epi32(load_corner(pq, nofs[0], m), load_corner(pq, nofs[1], m));
        sq = _mm512_add_epi32(_mm512_sub_epi32(sq, load_corner(pq, nofs[2], m)), load_corner(pq, nofs[3], m));
        __m256 vout[2];
        __mmask8 okm[2];
        for (int h = 0; h < 2; h++) {
            __m256i s8 = h ? _mm512_extracti64x4_epi64(s, 1) : _mm512_castsi512_si256(s);
            __m256i q8 = h ? _mm512_extracti64x4_epi64(sq, 1) : _mm512_castsi512_si256(sq);
            __m512d sd = _mm512_cvtepi32_pd(s8);
            __m512d qd = _mm512_cvtepu32_pd(q8);
            __m512d nf = _mm512_sub_pd(_mm512_mul_pd(a, qd), _mm512_mul_pd(sd, sd));
            __mmask8 pos = _mm512_cmp_pd_mask(nf, zero, _CMP_GT_OQ);
            __m512d r = _mm512_div_pd(one, _mm512_sqrt_pd(_mm512_max_pd(nf, one)));
            __m256 v = _mm512_cvtpd_ps(r);
            __m512d back = _mm512_cvtps_pd(v);
            okm[h] = pos & _mm512_cmp_pd_mask(_mm512_mul_pd(a, back), tenth, _CMP_LT_OQ);
            vout[h] = _mm256_mask_blend_ps(pos, onef, v);
        }
        _mm256_mask_storeu_ps(vnf + i, (__mmask8)m, vout[0]);
        _mm256_mask_storeu_ps(vnf + i + 8, (__mmask8)(m >> 8), vout[1]);
        __mmask16 okall = (__mmask16)(okm[0] | ((unsigned)okm[1] << 8));
        _mm_mask_storeu_epi8(ok + i, m, _mm_maskz_mov_epi8(okall, ones8));
    }
}

/* Stumps [t0, t1) added to acc[i..] for the windows of one block. The leaves
 * come as doubles (lr: left, right per stump), so a leaf is picked by a mask
 * blend straight into the double accumulators. */
static inline void stumps_block(const int32_t *p, __mmask16 m, __m512 nf, const ops_haar_feature *feat,
                                const ops_haar_stump *stumps, const double *lr, int t0, int t1, __m512d *lo,
                                __m512d *hi)
{
    for (int t = t0; t < t1; t++) {
        const ops_haar_stump *st = &stumps[t];
        const ops_haar_feature *f = &feat[st->feature];
        __m512 v = _mm512_mul_ps(_mm512_set1_ps(f->weight[0]), rect16(p, f->ofs[0], m));
        __m512 t1v = _mm512_mul_ps(_mm512_set1_ps(f->weight[1]), rect16(p, f->ofs[1], m));
        v = _mm512_add_ps(v, t1v);
        if (f->weight[2] != 0.0f) {
            __m512 t2 = _mm512_mul_ps(_mm512_set1_ps(f->weight[2]), rect16(p, f->ofs[2], m));
            v = _mm512_add_ps(v, t2);
        }
        v = _mm512_mul_ps(v, nf);
        __mmask16 lt = _mm512_cmp_ps_mask(v, _mm512_set1_ps(st->threshold), _CMP_LT_OQ);
        const __m512d left = _mm512_set1_pd(lr[2 * (t - t0)]), right = _mm512_set1_pd(lr[2 * (t - t0) + 1]);
        *lo = _mm512_add_pd(*lo, _mm512_mask_blend_pd((__mmask8)lt, right, left));
        *hi = _mm512_add_pd(*hi, _mm512_mask_blend_pd((__mmask8)(lt >> 8), right, left));
    }
}

enum { CHUNK = 256 }; /* stumps whose leaves are widened at a time */

void ops_haar_stumps_avx512(const int32_t *ii, const int32_t *win, int n,
                            const ops_haar_feature *feat, const ops_haar_stump *stumps,
                            int n_stumps, const float *vnf, double *acc)
{
    if (win) {
        ops_haar_stumps_ref(ii, win, n, feat, stumps, n_stumps, vnf, acc);
        return;
    }
    double lr[2 * CHUNK];
    /* Stages longer than CHUNK go chunk by chunk, each continuing the sums
     * the previous one left in acc: the order of the additions is unchanged. */
    for (int t0 = 0; t0 < n_stumps || t0 == 0; t0 += CHUNK) {
        int t1 = n_stumps - t0 < CHUNK ? n_stumps : t0 + CHUNK;
        for (int t = t0; t < t1; t++) {
            lr[2 * (t - t0)] = stumps[t].left;
            lr[2 * (t - t0) + 1] = stumps[t].right;
        }
        for (int i = 0; i < n; i += 16) {
            const __mmask16 m = lane_mask(n - i);
            const __m512 nf = _mm512_maskz_loadu_ps(m, vnf + i);
            __m512d lo = _mm512_setzero_pd(), hi = _mm512_setzero_pd();
            if (t0 > 0) {
                lo = _mm512_maskz_loadu_pd((__mmask8)m, acc + i);
                hi = _mm512_maskz_loadu_pd((__mmask8)(m >> 8), acc + i + 8);
            }
            stumps_block(ii + i, m, nf, feat, stumps, lr, t0, t1, &lo, &hi);
            _mm512_mask_storeu_pd(acc + i, (__mmask8)m, lo);
            _mm512_mask_storeu_pd(acc + i + 8, (__mmask8)(m >> 8), hi);
        }
        if (n_stumps == 0) break;
    }
}
