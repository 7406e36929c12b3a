/*
 * ops_internal.h - helpers shared by the files of ops/ only (nothing outside
 * ops/ includes this). Static inline so every file gets its own copy and an
 * unused helper costs nothing.
 */
#ifndef OPS_INTERNAL_H
#define OPS_INTERNAL_H

#include <math.h>

#include "ops/ops.h"

/* The scalar definition of each ops_act; SIMD twins must match it within the
 * tolerance of their tests. Sigmoid for very negative x: expf overflows to
 * +inf and the result is exactly 0, never NaN. */
static inline float ops_act_scalar(ops_act act, float v)
{
    switch (act) {
    case OPS_ACT_NONE: return v;
    case OPS_ACT_RELU: return v > 0.0f ? v : 0.0f;
    case OPS_ACT_RELU6: return v > 0.0f ? (v < 6.0f ? v : 6.0f) : 0.0f;
    case OPS_ACT_SIGMOID: return 1.0f / (1.0f + expf(-v));
    case OPS_ACT_TANH: return tanhf(v);
    }
    return v;
}

#endif
