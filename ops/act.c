/*
 * act.c - scalar reference elementwise activations and PReLU.
 *
 * ops_act_f32: y[i] = act(x[i]) with act as in ops_act_scalar
 *   (ops_internal.h): NONE copies, RELU max(x,0), RELU6 min(max(x,0),6),
 *   SIGMOID 1/(1+expf(-x)), TANH tanhf(x). x == y allowed.
 * ops_prelu_f32: x, y [count][c], slope [c]; y = x if x > 0 else slope[c]*x.
 *   x == y allowed.
 *
 * RELU/RELU6/PReLU are exact; sigmoid/tanh are within a few ulp (libm).
 */
#include "ops/ops.h"
#include "ops/ops_internal.h"

void ops_act_f32(ops_act act, const float *x, size_t len, float *y)
{
    for (size_t i = 0; i < len; i++) y[i] = ops_act_scalar(act, x[i]);
}

void ops_prelu_f32(const float *x, size_t count, int c, const float *slope, float *y)
{
    for (size_t i = 0; i < count; i++)
        for (int j = 0; j < c; j++) {
            const float v = x[i * c + j];
            y[i * c + j] = v > 0.0f ? v : slope[j] * v;
        }
}
