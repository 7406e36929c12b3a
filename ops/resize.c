/*
 * resize.c - scalar reference bilinear resize (each image and channel).
 *
 * ops_resize_bilinear_f32(x, in, oh, ow, align_corners, y):
 *   x [in.n][in.h][in.w][in.c] -> y [in.n][oh][ow][in.c].
 *   Source coordinate of output row r (columns alike):
 *     align_corners == 0: s = (r + 0.5) * in.h / oh - 0.5, clamped to
 *       [0, in.h - 1] (PyTorch align_corners=False, OpenCV INTER_LINEAR);
 *     align_corners == 1: s = r * (in.h - 1) / (oh - 1), or 0 if oh == 1.
 *   y0 = floor(s), y1 = min(y0 + 1, in.h - 1), fy = s - y0; likewise x0, x1, fx;
 *   y = (1-fy)*((1-fx)*x[y0][x0] + fx*x[y0][x1]) + fy*((1-fx)*x[y1][x0] + fx*x[y1][x1]).
 *   x and y must not overlap.
 *
 * Coordinates in float: s errs by a few ulp of in.h, which moves the weights
 * by that much; tests allow for it (see tests/test_ops.c).
 */
#include <math.h>

#include "ops/ops.h"

/* Source coordinate along one axis: index i0, next index i1 and weight f of i1. */
static void src_coord(int dst, int in, int out, int align_corners, int *i0, int *i1, float *f)
{
    float s;
    if (align_corners)
        s = out > 1 ? (float)dst * (float)(in - 1) / (float)(out - 1) : 0.0f;
    else
        s = ((float)dst + 0.5f) * ((float)in / (float)out) - 0.5f;
    if (s < 0.0f) s = 0.0f;
    if (s > (float)(in - 1)) s = (float)(in - 1);
    int lo = (int)s; /* s >= 0, so truncation is floor */
    if (lo > in - 1) lo = in - 1;
    *i0 = lo;
    *i1 = lo + 1 < in ? lo + 1 : in - 1;
    *f = s - (float)lo;
}

void ops_resize_bilinear_f32(const float *x, ops_nhwc in, int oh, int ow,
                             int align_corners, float *y)
{
    for (int n = 0; n < in.n; n++)
        for (int r = 0; r < oh; r++) {
            int y0, y1;
            float fy;
            src_coord(r, in.h, oh, align_corners, &y0, &y1, &fy);
            for (int q = 0; q < ow; q++) {
                int x0, x1;
                float fx;
                src_coord(q, in.w, ow, align_corners, &x0, &x1, &fx);
                const float *p00 = x + (((size_t)n * in.h + y0) * in.w + x0) * in.c;
                const float *p01 = x + (((size_t)n * in.h + y0) * in.w + x1) * in.c;
                const float *p10 = x + (((size_t)n * in.h + y1) * in.w + x0) * in.c;
                const float *p11 = x + (((size_t)n * in.h + y1) * in.w + x1) * in.c;
                float *yp = y + (((size_t)n * oh + r) * ow + q) * in.c;
                for (int k = 0; k < in.c; k++) {
                    const float top = (1.0f - fx) * p00[k] + fx * p01[k];
                    const float bot = (1.0f - fx) * p10[k] + fx * p11[k];
                    yp[k] = (1.0f - fy) * top + fy * bot;
                }
            }
        }
}
