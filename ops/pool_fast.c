/*
 * pool_fast.c - ops_pool2d_fast_f32: the same pooling as ops_pool2d_f32
 * (pool.c states the contract), with the channel loop innermost so that the
 * compiler vectorises it over contiguous NHWC channels on any ISA. Each
 * output element sees the same operations in the same order as in the
 * reference (cells in ky, kx order; then one division, then sqrt for L2),
 * so the result is identical bit for bit.
 */
#include <math.h>

#include "ops/ops.h"

/* One window cell into the running result, for channels [0, c): the
 * channel loop in fixed pieces of 16, a trip count the compiler vectorises
 * at -O2, then a scalar tail. first: the first in-bounds cell of a MAX
 * window (copied, not compared). */
static void cell(ops_pool_kind kind, int first, const float *restrict xp, float *restrict yp,
                 int c)
{
    enum { PIECE = 16 };
    int i = 0;
    if (kind == OPS_POOL_MAX && first) {
        for (; i < c; i++) yp[i] = xp[i];
    } else if (kind == OPS_POOL_MAX) {
        for (; i + PIECE <= c; i += PIECE)
            for (int j = 0; j < PIECE; j++) yp[i + j] = xp[i + j] > yp[i + j] ? xp[i + j] : yp[i + j];
        for (; i < c; i++) yp[i] = xp[i] > yp[i] ? xp[i] : yp[i];
    } else if (kind == OPS_POOL_AVG) {
        for (; i + PIECE <= c; i += PIECE)
            for (int j = 0; j < PIECE; j++) yp[i + j] += xp[i + j];
        for (; i < c; i++) yp[i] += xp[i];
    } else {
        for (; i + PIECE <= c; i += PIECE)
            for (int j = 0; j < PIECE; j++) yp[i + j] += xp[i + j] * xp[i + j];
        for (; i < c; i++) yp[i] += xp[i] * xp[i];
    }
}

void ops_pool2d_fast_f32(const ops_pool2d_params *p, const float *x, ops_nhwc in, float *y)
{
    const int oh = ops_out_len(in.h, p->kh, p->stride_h, 1, p->pad_top, p->pad_bottom);
    const int ow = ops_out_len(in.w, p->kw, p->stride_w, 1, p->pad_left, p->pad_right);
    const int c = in.c;
    for (int n = 0; n < in.n; n++)
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
                float *yp = y + (((size_t)n * oh + oy) * ow + ox) * c;
                int count = 0; /* in-bounds cells seen */
                for (int i = 0; i < c; i++) yp[i] = 0.0f;
                for (int ky = 0; ky < p->kh; ky++) {
                    const int iy = oy * p->stride_h - p->pad_top + ky;
                    if (iy < 0 || iy >= in.h) continue;
                    for (int kx = 0; kx < p->kw; kx++) {
                        const int ix = ox * p->stride_w - p->pad_left + kx;
                        if (ix < 0 || ix >= in.w) continue;
                        cell(p->kind, count == 0, x + (((size_t)n * in.h + iy) * in.w + ix) * c, yp, c);
                        count++;
                    }
                }
                if (count == 0 || p->kind == OPS_POOL_MAX) continue;
                const float d = (float)(p->count_include_pad ? p->kh * p->kw : count);
                for (int i = 0; i < c; i++) yp[i] /= d;
                if (p->kind == OPS_POOL_L2)
                    for (int i = 0; i < c; i++) yp[i] = sqrtf(yp[i]);
            }
}
