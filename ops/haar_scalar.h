/*
 * haar_scalar.h - the per-window arithmetic of ops/haar.c as static inline
 * functions, so that the SIMD twins in ops/x86/ finish their tails and
 * window lists with exactly the reference's operations (nothing outside ops/
 * includes this).
 */
#ifndef OPS_HAAR_SCALAR_H
#define OPS_HAAR_SCALAR_H

#include <math.h>

#include "ops/ops.h"

/* uint32 -> int32 modulo 2^32 without implementation-defined conversion. */
static inline int32_t ops_haar_wrap_i32(uint32_t v)
{
    return v <= 0x7fffffffu ? (int32_t)v : -(int32_t)(~v) - 1;
}

static inline int32_t ops_haar_rect_sum(const int32_t *p, const int32_t o[4])
{
    uint32_t s = (uint32_t)p[o[0]] - (uint32_t)p[o[1]] - (uint32_t)p[o[2]] + (uint32_t)p[o[3]];
    return ops_haar_wrap_i32(s);
}

/* One statement per rounding step: no compiler may fuse them (see ops/haar.c). */
static inline float ops_haar_feature_value(const int32_t *p, const ops_haar_feature *f)
{
    float t0 = f->weight[0] * (float)ops_haar_rect_sum(p, f->ofs[0]);
    float t1 = f->weight[1] * (float)ops_haar_rect_sum(p, f->ofs[1]);
    float v = t0 + t1;
    if (f->weight[2] != 0.0f) {
        float t2 = f->weight[2] * (float)ops_haar_rect_sum(p, f->ofs[2]);
        v = v + t2;
    }
    return v;
}

static inline void ops_haar_varnorm_one(const int32_t *p, const uint32_t *q, const int32_t nofs[4],
                                        double area, float *vnf, uint8_t *ok)
{
    int32_t s = ops_haar_rect_sum(p, nofs);
    uint32_t sq = q[nofs[0]] - q[nofs[1]] - q[nofs[2]] + q[nofs[3]];
    double nf = area * (double)sq - (double)s * (double)s;
    if (nf > 0.0) {
        float v = (float)(1.0 / sqrt(nf));
        *vnf = v;
        *ok = area * (double)v < 0.1;
    } else {
        *vnf = 1.0f;
        *ok = 0;
    }
}

static inline double ops_haar_stumps_one(const int32_t *p, const ops_haar_feature *feat,
                                         const ops_haar_stump *stumps, int n_stumps, float nf)
{
    double sum = 0.0;
    for (int t = 0; t < n_stumps; t++) {
        const ops_haar_stump *s = &stumps[t];
        float v = ops_haar_feature_value(p, &feat[s->feature]) * nf;
        sum += v < s->threshold ? s->left : s->right;
    }
    return sum;
}

#endif
