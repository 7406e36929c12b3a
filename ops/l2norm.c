/*
 * l2norm.c - scalar reference L2 normalisation of each pixel's channel vector.
 *
 * ops_l2norm_f32(x, count, c, eps, y): x, y [count][c];
 *   y[i][j] = x[i][j] / sqrt(max(sum_t x[i][t]^2, eps)).
 *   A zero vector gives zeros (eps > 0). x == y allowed: the sum is taken
 *   before any element of the row is written.
 *
 * Sum in float; relative error about c + 3 roundings.
 */
#include <math.h>

#include "ops/ops.h"

void ops_l2norm_f32(const float *x, size_t count, int c, float eps, float *y)
{
    for (size_t i = 0; i < count; i++) {
        const float *xr = x + i * c;
        float *yr = y + i * c;
        float ss = 0.0f;
        for (int j = 0; j < c; j++) ss += xr[j] * xr[j];
        const float norm = sqrtf(ss > eps ? ss : eps);
        for (int j = 0; j < c; j++) yr[j] = xr[j] / norm;
    }
}
