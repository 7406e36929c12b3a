/*
 * dense.c - scalar reference fully connected layer.
 *
 *   x [n][k], w [m][k] (one row per output, like PyTorch Linear.weight),
 *   bias [m] or NULL, y [n][m]:
 *   y[i][j] = act( sum_t x[i][t] * w[j][t] + bias[j] ).
 *
 * Accumulation in float in the order t = 0..k-1, then bias, then act.
 * Tests allow K = k + 1 roundings of the magnitude.
 */
#include "ops/ops.h"
#include "ops/ops_internal.h"

void ops_dense_f32(const float *x, int n, int k, const float *w, const float *bias,
                   int m, ops_act act, float *y)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++) {
            const float *xr = x + (size_t)i * k;
            const float *wr = w + (size_t)j * k;
            float acc = 0.0f;
            for (int t = 0; t < k; t++) acc += xr[t] * wr[t];
            if (bias) acc += bias[j];
            y[(size_t)i * m + j] = ops_act_scalar(act, acc);
        }
}
