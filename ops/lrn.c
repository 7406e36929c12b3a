/*
 * lrn.c - scalar reference local response normalisation across channels.
 *
 * ops_lrn_f32(x, count, c, radius, bias, alpha, beta, y): x, y [count][c];
 *   y[i][j] = x[i][j] / (bias + alpha * sum_{t=max(0,j-radius)}^{min(c-1,j+radius)} x[i][t]^2)^beta
 *   This is TensorFlow's tf.nn.lrn(depth_radius=radius, bias, alpha, beta).
 *   PyTorch's LocalResponseNorm(size, a, b, k) (odd size) is radius =
 *   (size-1)/2, alpha = a/size, beta = b, bias = k: PyTorch divides the
 *   window sum by size, TensorFlow does not.
 *   x and y must not overlap (every output reads 2*radius+1 inputs).
 *   bias > 0 is expected (bias = 0 and an all-zero window give 0 * inf).
 *
 * Computed as x * powf(d, -beta): the relative error is about
 * beta * (2*radius + 1) roundings of d plus powf's own.
 */
#include <math.h>

#include "ops/ops.h"

void ops_lrn_f32(const float *x, size_t count, int c, int radius, float bias,
                 float alpha, float beta, float *y)
{
    for (size_t i = 0; i < count; i++) {
        const float *xr = x + i * c;
        float *yr = y + i * c;
        for (int j = 0; j < c; j++) {
            const int lo = j - radius < 0 ? 0 : j - radius;
            const int hi = j + radius > c - 1 ? c - 1 : j + radius;
            float ss = 0.0f;
            for (int t = lo; t <= hi; t++) ss += xr[t] * xr[t];
            yr[j] = xr[j] * powf(bias + alpha * ss, -beta);
        }
    }
}
