/*
 * conv2d.c - scalar reference 2-D convolution (the spec for the SIMD twins).
 *
 * Contract (see ops_conv2d_f32 in ops.h):
 *   x     [in.n][in.h][in.w][in.c]                 NHWC activations
 *   w     [c_out][kh][kw][in.c/groups]             OHWI weights
 *   bias  [c_out] or NULL
 *   resid [in.n][oh][ow][c_out] or NULL
 *   y     [in.n][oh][ow][c_out]
 *   oh = ops_out_len(in.h, kh, stride_h, dil_h, pad_top, pad_bottom), ow alike.
 *
 *   y[n][oy][ox][o] = act( sum_{ky,kx,i} x[n][iy][ix][g*cig + i] * w[o][ky][kx][i]
 *                          + bias[o] + resid[n][oy][ox][o] )
 *   with g = o / (c_out/groups), cig = in.c/groups,
 *   iy = oy*stride_h - pad_top + ky*dil_h, ix = ox*stride_w - pad_left + kx*dil_w;
 *   taps with iy or ix outside the input read zero (explicit zero padding).
 *   Depthwise is groups == in.c (any multiplier c_out/in.c).
 *
 * Accumulation: float, in the order ky, kx, i; then bias, then residual, then
 * the activation. Tests allow K = kh*kw*cig + 2 roundings of the magnitude.
 */
#include "ops/ops.h"
#include "ops/ops_internal.h"

void ops_conv2d_f32(const ops_conv2d_params *p, const float *x, ops_nhwc in,
                    const float *w, const float *bias, int c_out,
                    const float *residual, float *y)
{
    const int oh = ops_out_len(in.h, p->kh, p->stride_h, p->dil_h, p->pad_top, p->pad_bottom);
    const int ow = ops_out_len(in.w, p->kw, p->stride_w, p->dil_w, p->pad_left, p->pad_right);
    const int cig = in.c / p->groups;    /* input channels per group */
    const int cog = c_out / p->groups;   /* output channels per group */

    for (int n = 0; n < in.n; n++)
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
                const size_t opix = ((size_t)n * oh + oy) * ow + ox;
                for (int o = 0; o < c_out; o++) {
                    const int g = o / cog;
                    float acc = 0.0f;
                    for (int ky = 0; ky < p->kh; ky++) {
                        const int iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
                        if (iy < 0 || iy >= in.h) continue;
                        for (int kx = 0; kx < p->kw; kx++) {
                            const int ix = ox * p->stride_w - p->pad_left + kx * p->dil_w;
                            if (ix < 0 || ix >= in.w) continue;
                            const float *xp = x + (((size_t)n * in.h + iy) * in.w + ix) * in.c
                                              + (size_t)g * cig;
                            const float *wp = w + (((size_t)o * p->kh + ky) * p->kw + kx) * cig;
                            for (int i = 0; i < cig; i++) acc += xp[i] * wp[i];
                        }
                    }
                    if (bias) acc += bias[o];
                    if (residual) acc += residual[opix * c_out + o];
                    y[opix * c_out + o] = ops_act_scalar(p->act, acc);
                }
            }
}
