/*
 * norm.c - scalar reference per-channel normalisation: inference batch-norm
 * and per-channel affine.
 *
 * ops_batchnorm_f32: x, y [count][c] (any NHWC tensor, count = n*h*w);
 *   mean, var, gamma, beta [c];
 *   y = (x - mean[j]) * s[j] + beta[j] with s[j] = gamma[j] / sqrtf(var[j] + eps),
 *   which is the contract's (x - mean) / sqrt(var + eps) * gamma + beta with
 *   the per-channel factor computed once. x == y allowed.
 * ops_affine_f32: x, y [count][c]; scale, shift [c] or NULL (1 and 0);
 *   y = x * scale[j] + shift[j]. x == y allowed.
 *
 * Rounding: a handful of float operations per element (tests allow 6 of the
 * magnitude |x - mean|*|s| + |beta| for batch-norm, 2 of |x*scale| + |shift|
 * for affine).
 */
#include <math.h>

#include "ops/ops.h"

void ops_batchnorm_f32(const float *x, size_t count, int c, const float *mean,
                       const float *var, const float *gamma, const float *beta,
                       float eps, float *y)
{
    for (int j = 0; j < c; j++) {
        const float s = gamma[j] / sqrtf(var[j] + eps);
        for (size_t i = 0; i < count; i++) {
            const size_t e = i * c + j;
            y[e] = (x[e] - mean[j]) * s + beta[j];
        }
    }
}

void ops_affine_f32(const float *x, size_t count, int c, const float *scale,
                    const float *shift, float *y)
{
    for (size_t i = 0; i < count; i++)
        for (int j = 0; j < c; j++) {
            const size_t e = i * c + j;
            const float v = scale ? x[e] * scale[j] : x[e];
            y[e] = shift ? v + shift[j] : v;
        }
}
