/*
 * eltwise.c - scalar reference elementwise binary ops.
 *
 * ops_binary_f32(kind, a, b, b_per_channel, count, c, y):
 *   a, y [count][c]; b [count][c], or [c] broadcast over every pixel when
 *   b_per_channel != 0.
 *   y[i][j] = a[i][j] (+, -, *) b[i][j]  (or b[j]).
 *   y may alias a, or b when b is full size: element e is read only to
 *   compute element e.
 * One float operation per element: correctly rounded, tests allow 1 ulp
 * (the float64 golden is rounded twice when the exponents differ widely).
 */
#include "ops/ops.h"

static float binop(ops_binary_kind kind, float a, float b)
{
    switch (kind) {
    case OPS_ADD: return a + b;
    case OPS_SUB: return a - b;
    case OPS_MUL: return a * b;
    }
    return a;
}

void ops_binary_f32(ops_binary_kind kind, const float *a, const float *b,
                    int b_per_channel, size_t count, int c, float *y)
{
    for (size_t i = 0; i < count; i++)
        for (int j = 0; j < c; j++) {
            const size_t e = i * c + j;
            y[e] = binop(kind, a[e], b_per_channel ? b[j] : b[e]);
        }
}
