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
 * Stumps: runs of 64, 32 or 16 windows in zmm (the stump's data loaded once
 * per run), then 8 in ymm, then the last n % 8 with the reference's scalar
 * code: nothing is read outside what the reference reads.
 * Variance: the last n % 16 windows use masked loads and stores (masked-off
 * lanes touch no memory). Window lists (win != NULL) run the reference code.
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

/* 8-window rect sums (ymm), for runs whose length is not a multiple of 16. */
static inline __m256 rect8(const int32_t *p, const int32_t o[4])
{
    __m256i s = _mm256_sub_epi32(_mm256_loadu_si256((const __m256i *)(const void *)(p + o[0])),
                                 _mm256_loadu_si256((const __m256i *)(const void *)(p + o[1])));
    s = _mm256_sub_epi32(s, _mm256_loadu_si256((const __m256i *)(const void *)(p + o[2])));
    s = _mm256_add_epi32(s, _mm256_loadu_si256((const __m256i *)(const void *)(p + o[3])));
    return _mm256_cvtepi32_ps(s);
}

/* Stumps [t0, t1) for U consecutive vectors of 16 windows from p, continuing
 * the sums in acc ([U][2]: lanes 0-7, 8-15). The stump's data is loaded once
 * for the U vectors; leaves come as doubles (lr: left, right per stump) and
 * are picked by mask blends straight into the double sums. */
static inline void stumps_run16(const int32_t *p, const float *vnf, int U, const ops_haar_feature *feat,
                                const ops_haar_stump *stumps, const double *lr, int t0, int t1,
                                __m512d acc[4][2])
{
    __m512 nf[4];
    for (int u = 0; u < U; u++) nf[u] = _mm512_loadu_ps(vnf + 16 * u);
    for (int t = t0; t < t1; t++) {
        const ops_haar_stump *st = &stumps[t];
        const ops_haar_feature *f = &feat[st->feature];
        const __m512 w0 = _mm512_set1_ps(f->weight[0]), w1 = _mm512_set1_ps(f->weight[1]);
        const __m512 w2 = _mm512_set1_ps(f->weight[2]), thr = _mm512_set1_ps(st->threshold);
        const __m512d left = _mm512_set1_pd(lr[2 * (t - t0)]), right = _mm512_set1_pd(lr[2 * (t - t0) + 1]);
        const int three = f->weight[2] != 0.0f;
        for (int u = 0; u < U; u++) {
            const int32_t *q = p + 16 * u;
            __m512 v = _mm512_mul_ps(w0, rect16(q, f->ofs[0], 0xffff));
            __m512 t1v = _mm512_mul_ps(w1, rect16(q, f->ofs[1], 0xffff));
            v = _mm512_add_ps(v, t1v);
            if (three) {
                __m512 t2 = _mm512_mul_ps(w2, rect16(q, f->ofs[2], 0xffff));
                v = _mm512_add_ps(v, t2);
            }
            v = _mm512_mul_ps(v, nf[u]);
            __mmask16 lt = _mm512_cmp_ps_mask(v, thr, _CMP_LT_OQ);
            acc[u][0] = _mm512_add_pd(acc[u][0], _mm512_mask_blend_pd((__mmask8)lt, right, left));
            acc[u][1] = _mm512_add_pd(acc[u][1], _mm512_mask_blend_pd((__mmask8)(lt >> 8), right, left));
        }
    }
}

/* The same for one vector of 8 windows (ymm). acc: lanes 0-3, 4-7. */
static inline void stumps_run8(const int32_t *p, const float *vnf, const ops_haar_feature *feat,
                               const ops_haar_stump *stumps, const double *lr, int t0, int t1, __m256d acc[2])
{
    const __m256 nf = _mm256_loadu_ps(vnf);
    for (int t = t0; t < t1; t++) {
        const ops_haar_stump *st = &stumps[t];
        const ops_haar_feature *f = &feat[st->feature];
        __m256 v = _mm256_mul_ps(_mm256_set1_ps(f->weight[0]), rect8(p, f->ofs[0]));
        __m256 t1v = _mm256_mul_ps(_mm256_set1_ps(f->weight[1]), rect8(p, f->ofs[1]));
        v = _mm256_add_ps(v, t1v);
        if (f->weight[2] != 0.0f) {
            __m256 t2 = _mm256_mul_ps(_mm256_set1_ps(f->weight[2]), rect8(p, f->ofs[2]));
            v = _mm256_add_ps(v, t2);
        }
        v = _mm256_mul_ps(v, nf);
        __mmask8 lt = _mm256_cmp_ps_mask(v, _mm256_set1_ps(st->threshold), _CMP_LT_OQ);
        const __m256d left = _mm256_set1_pd(lr[2 * (t - t0)]), right = _mm256_set1_pd(lr[2 * (t - t0) + 1]);
        acc[0] = _mm256_add_pd(acc[0], _mm256_mask_blend_pd(lt, right, left));
        acc[1] = _mm256_add_pd(acc[1], _mm256_mask_blend_pd((__mmask8)(lt >> 4), right, left));
    }
}

enum { CHUNK = 256 }; /* stumps whose leaves are widened to double at a time */

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
    for (int t0 = 0; t0 == 0 || t0 < n_stumps; t0 += CHUNK) {
        const int t1 = n_stumps - t0 < CHUNK ? n_stumps : t0 + CHUNK;
        for (int t = t0; t < t1; t++) {
            lr[2 * (t - t0)] = stumps[t].left;
            lr[2 * (t - t0) + 1] = stumps[t].right;
        }
        int i = 0;
        while (i + 16 <= n) {
            const int U = n - i >= 64 ? 4 : n - i >= 32 ? 2 : 1;
            __m512d a[4][2];
            for (int u = 0; u < U; u++) {
                a[u][0] = t0 ? _mm512_loadu_pd(acc + i + 16 * u) : _mm512_setzero_pd();
                a[u][1] = t0 ? _mm512_loadu_pd(acc + i + 16 * u + 8) : _mm512_setzero_pd();
            }
            if (U == 4)
                stumps_run16(ii + i, vnf + i, 4, feat, stumps, lr, t0, t1, a);
            else if (U == 2)
                stumps_run16(ii + i, vnf + i, 2, feat, stumps, lr, t0, t1, a);
            else
                stumps_run16(ii + i, vnf + i, 1, feat, stumps, lr, t0, t1, a);
            for (int u = 0; u < U; u++) {
                _mm512_storeu_pd(acc + i + 16 * u, a[u][0]);
                _mm512_storeu_pd(acc + i + 16 * u + 8, a[u][1]);
            }
            i += 16 * U;
        }
        if (i + 8 <= n) {
            __m256d a8[2];
            a8[0] = t0 ? _mm256_loadu_pd(acc + i) : _mm256_setzero_pd();
            a8[1] = t0 ? _mm256_loadu_pd(acc + i + 4) : _mm256_setzero_pd();
            stumps_run8(ii + i, vnf + i, feat, stumps, lr, t0, t1, a8);
            _mm256_storeu_pd(acc + i, a8[0]);
            _mm256_storeu_pd(acc + i + 4, a8[1]);
            i += 8;
        }
        for (; i < n; i++) {
            /* the last n % 8 windows: the reference's own code, chunk by chunk */
            double sum = t0 ? acc[i] : 0.0;
            const int32_t *p = ii + i;
            for (int t = t0; t < t1; t++) {
                const ops_haar_stump *st = &stumps[t];
                float v = ops_haar_feature_value(p, &feat[st->feature]) * vnf[i];
                sum += v < st->threshold ? st->left : st->right;
            }
            acc[i] = sum;
        }
        if (n_stumps == 0) break;
    }
}
