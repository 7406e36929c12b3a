/*
 * pool.c - scalar reference 2-D pooling and global average pooling.
 *
 * ops_pool2d_f32:
 *   x [in.n][in.h][in.w][in.c] -> y [in.n][oh][ow][in.c], dilation 1,
 *   oh = ops_out_len(in.h, kh, stride_h, 1, pad_top, pad_bottom), ow alike.
 *   The window of (oy, ox) covers rows oy*stride_h - pad_top + 0..kh-1 and
 *   columns ox*stride_w - pad_left + 0..kw-1; "in-bounds" cells lie inside x.
 *   MAX: max over in-bounds cells (padding is ignored, never a 0 candidate).
 *   AVG: sum over in-bounds cells / D.
 *   L2:  sqrt(sum over in-bounds cells of x^2 / D).
 *   D = kh*kw if count_include_pad (padded cells count as zeros), else the
 *   number of in-bounds cells (PyTorch count_include_pad=False, TF "SAME").
 *   A window with no in-bounds cell (only possible when a pad >= k) gives 0.
 *
 * ops_global_avgpool_f32:
 *   y[n][c] = sum_{y,x} x[n][y][x][c] / (h*w).
 *
 * Accumulation in float; tests allow K = window cells + 2 roundings.
 */
#include <math.h>

#include "ops/ops.h"

void ops_pool2d_f32(const ops_pool2d_params *p, const float *x, ops_nhwc in, float *y)
{
    const int oh = ops_out_len(in.h, p->kh, p->stride_h, 1, p->pad_top, p->pad_bottom);
    const int ow = ops_out_len(in.w, p->kw, p->stride_w, 1, p->pad_left, p->pad_right);

    for (int n = 0; n < in.n; n++)
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
                float *yp = y + (((size_t)n * oh + oy) * ow + ox) * in.c;
                for (int c = 0; c < in.c; c++) {
                    float acc = 0.0f;
                    int count = 0;    /* in-bounds cells seen */
                    for (int ky = 0; ky < p->kh; ky++) {
                        const int iy = oy * p->stride_h - p->pad_top + ky;
                        if (iy < 0 || iy >= in.h) continue;
                        for (int kx = 0; kx < p->kw; kx++) {
                            const int ix = ox * p->stride_w - p->pad_left + kx;
                            if (ix < 0 || ix >= in.w) continue;
                            const float v = x[(((size_t)n * in.h + iy) * in.w + ix) * in.c + c];
                            if (p->kind == OPS_POOL_MAX)
                                acc = (count == 0 || v > acc) ? v : acc;
                            else if (p->kind == OPS_POOL_AVG)
                                acc += v;
                            else
                                acc += v * v;
                            count++;
                        }
                    }
                    if (count == 0) {
                        yp[c] = 0.0f;
                        continue;
                    }
                    if (p->kind != OPS_POOL_MAX) {
                        const int d = p->count_include_pad ? p->kh * p->kw : count;
                        acc /= (float)d;
                        if (p->kind == OPS_POOL_L2) acc = sqrtf(acc);
                    }
                    yp[c] = acc;
                }
            }
}

void ops_global_avgpool_f32(const float *x, ops_nhwc in, float *y)
{
    const size_t hw = (size_t)in.h * in.w;
    for (int n = 0; n < in.n; n++)
        for (int c = 0; c < in.c; c++) {
            float acc = 0.0f;
            for (size_t i = 0; i < hw; i++) acc += x[((size_t)n * hw + i) * in.c + c];
            y[(size_t)n * in.c + c] = acc / (float)hw;
        }
}
