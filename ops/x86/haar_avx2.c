/*
 * haar_avx2.c - Haar window kernels, 8 windows per ymm (AVX2). Built with
 * the AVX2 flags only; called by ops/haar.c when dispatch.c has found AVX2
 * usable.
 *
 * Layout: consecutive windows (win == NULL) have consecutive origins, so
 * every corner of a feature is one unaligned 8 x int32 load for 8 windows.
 * Arithmetic, lane by lane, is the scalar reference's (ops/haar.c): int32
 * corner sums (wrapping), cvt to float, w*R products and the sums as
 * separate mul and add instructions (never FMA), leaves widened to double
 * and added in stump order; variance in double with correctly rounded sqrt
 * and divide (uint32 -> double via the sign-flip trick, exact). So every lane
 * equals the reference bit for bit.
 * Tails: the last n % 8 windows, and window lists (win != NULL), run the
 * reference's inline scalar code: no load reads outside what the reference reads.
 */
#include <immintrin.h>

#include "ops/haar_internal.h"
#include "ops/haar_scalar.h"

static inline __m256i load_corner(const int32_t *p, int32_t ofs)
{
    return _mm256_loadu_si256((const __m256i *)(const void *)(p + ofs));
}

static inline __m256 rect8(const int32_t *p, const int32_t o[4])
{
    __m256i s = _mm256_sub_epi32(load_corner(p, o[0]), load_corner(p, o[1]));
    s = _mm256_sub_epi32(s, load_corner(p, o[2]));
    s = _mm256_add_epi32(s, load_corner(p, o[3]));
    return _mm256_cvtepi32_ps(s);
}

/* uint32 lanes to double: flip the sign bit, convert as int32, add 2^31 back. */
static inline __m256d u32_to_pd(__m128i v)
{
    __m128i flipped = _mm_xor_si128(v, _mm_set1_epi32((int)0x80000000u));
    return _mm256_add_pd(_mm256_cvtepi32_pd(flipped), _mm256_set1_pd(2147483648.0));
}

void ops_haar_varnorm_avx2(const int32_t *sum, const uint32_t *sqsum, const int32_t *win, int n,
                           const int32_t nofs[4], int area, float *vnf, uint8_t *ok)
{
    if (win) {
        ops_haar_varnorm_ref(sum, sqsum, win, n, nofs, area, vnf, ok);
        return;
    }
    const __m256d a = _mm256_set1_pd((double)area), one = _mm256_set1_pd(1.0), tenth = _mm256_set1_pd(0.1);
    const __m256d zero = _mm256_setzero_pd();
    const __m128 onef = _mm_set1_ps(1.0f);
    const int32_t *q = (const int32_t *)sqsum;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        const int32_t *p = sum + i, *pq = q + i;
        __m256i s = _mm256_sub_epi32(load_corner(p, nofs[0]), load_corner(p, nofs[1]));
        s = _mm256_add_epi32(_mm256_sub_epi32(s, load_corner(p, nofs[2])), load_corner(p, nofs[3]));
        __m256i sq = _mm256_sub_epi32(load_corner(pq, nofs[0]), load_corner(pq, nofs[1]));
        sq = _mm256_add_epi32(_mm256_sub_epi32(sq, load_corner(pq, nofs[2])), load_corner(pq, nofs[3]));
        for (int h = 0; h < 2; h++) {
            __m128i s4 = h ? _mm256_extracti128_si256(s, 1) : _mm256_castsi256_si128(s);
            __m128i q4 = h ? _mm256_extracti128_si256(sq, 1) : _mm256_castsi256_si128(sq);
            __m256d sd = _mm256_cvtepi32_pd(s4);
            __m256d nf = _mm256_sub_pd(_mm256_mul_pd(a, u32_to_pd(q4)), _mm256_mul_pd(sd, sd));
            __m256d pos = _mm256_cmp_pd(nf, zero, _CMP_GT_OQ);
            __m256d r = _mm256_div_pd(one, _mm256_sqrt_pd(_mm256_max_pd(nf, one)));
            __m128 v = _mm256_cvtpd_ps(r);
            __m256d good = _mm256_and_pd(pos, _mm256_cmp_pd(_mm256_mul_pd(a, _mm256_cvtps_pd(v)), tenth, _CMP_LT_OQ));
            __m128 posf = _mm256_cvtpd_ps(_mm256_and_pd(pos, one)); /* 1.0f where nf > 0 */
            __m128 vo = _mm_blendv_ps(onef, v, _mm_cmpeq_ps(posf, onef));
            _mm_storeu_ps(vnf + i + 4 * h, vo);
            int bits = _mm256_movemask_pd(good);
            for (int k = 0; k < 4; k++) ok[i + 4 * h + k] = (uint8_t)((bits >> k) & 1);
        }
    }
    for (; i < n; i++) ops_haar_varnorm_one(sum + i, sqsum + i, nofs, (double)area, &vnf[i], &ok[i]);
}

/* The stump loop for U consecutive vectors of 8 windows (U*8 windows from
 * p): the stump's offsets, weights and leaves are loaded once for all of them,
 * and the U vectors give independent work to overlap. Lane by lane the same
 * operations as the reference. acc: [U][2] accumulators (low, high 4 lanes). */
static inline void stumps_run(const int32_t *p, const float *vnf, int U, const ops_haar_feature *feat,
                              const ops_haar_stump *stumps, int n_stumps, __m256d acc[4][2])
{
    __m256 nf[4];
    for (int u = 0; u < U; u++) {
        nf[u] = _mm256_loadu_ps(vnf + 8 * u);
        acc[u][0] = acc[u][1] = _mm256_setzero_pd();
    }
    for (int t = 0; t < n_stumps; t++) {
        const ops_haar_stump *st = &stumps[t];
        const ops_haar_feature *f = &feat[st->feature];
        const __m256 w0 = _mm256_set1_ps(f->weight[0]), w1 = _mm256_set1_ps(f->weight[1]);
        const __m256 w2 = _mm256_set1_ps(f->weight[2]), thr = _mm256_set1_ps(st->threshold);
        const __m256 left = _mm256_set1_ps(st->left), right = _mm256_set1_ps(st->right);
        const int three = f->weight[2] != 0.0f;
        for (int u = 0; u < U; u++) {
            const int32_t *q = p + 8 * u;
            __m256 v = _mm256_mul_ps(w0, rect8(q, f->ofs[0]));
            __m256 t1 = _mm256_mul_ps(w1, rect8(q, f->ofs[1]));
            v = _mm256_add_ps(v, t1);
            if (three) {
                __m256 t2 = _mm256_mul_ps(w2, rect8(q, f->ofs[2]));
                v = _mm256_add_ps(v, t2);
            }
            v = _mm256_mul_ps(v, nf[u]);
            __m256 leaf = _mm256_blendv_ps(right, left, _mm256_cmp_ps(v, thr, _CMP_LT_OQ));
            acc[u][0] = _mm256_add_pd(acc[u][0], _mm256_cvtps_pd(_mm256_castps256_ps128(leaf)));
            acc[u][1] = _mm256_add_pd(acc[u][1], _mm256_cvtps_pd(_mm256_extractf128_ps(leaf, 1)));
        }
    }
}

void ops_haar_stumps_avx2(const int32_t *ii, const int32_t *win, int n, const ops_haar_feature *feat,
                          const ops_haar_stump *stumps, int n_stumps, const float *vnf, double *acc)
{
    if (win) {
        ops_haar_stumps_ref(ii, win, n, feat, stumps, n_stumps, vnf, acc);
        return;
    }
    __m256d a[4][2];
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        stumps_run(ii + i, vnf + i, 4, feat, stumps, n_stumps, a);
        for (int u = 0; u < 4; u++) {
            _mm256_storeu_pd(acc + i + 8 * u, a[u][0]);
            _mm256_storeu_pd(acc + i + 8 * u + 4, a[u][1]);
        }
    }
    for (; i + 8 <= n; i += 8) {
        stumps_run(ii + i, vnf + i, 1, feat, stumps, n_stumps, a);
        _mm256_storeu_pd(acc + i, a[0][0]);
        _mm256_storeu_pd(acc + i + 4, a[0][1]);
    }
    for (; i < n; i++) acc[i] = ops_haar_stumps_one(ii + i, feat, stumps, n_stumps, vnf[i]);
}
