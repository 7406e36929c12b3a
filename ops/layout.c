/*
 * layout.c - scalar reference data movement: channel concat and zero padding.
 * Both are exact copies (tests compare bit for bit).
 *
 * ops_concat_channels_f32(inputs, cs, n_inputs, count, y):
 *   inputs[k] [count][cs[k]]; y [count][sum_k cs[k]];
 *   y[i][off_k + j] = inputs[k][i][j] with off_k = cs[0] + ... + cs[k-1].
 *
 * ops_pad_f32(p, x, in, y):
 *   x [in.n][in.h][in.w][in.c];
 *   y [in.n][in.h+top+bottom][in.w+left+right][c_before+in.c+c_after];
 *   y[n][top+i][left+j][c_before+k] = x[n][i][j][k], every other element 0.
 */
#include <string.h>

#include "ops/ops.h"

void ops_concat_channels_f32(const float *const *inputs, const int *cs, int n_inputs,
                             size_t count, float *y)
{
    size_t ctot = 0;
    for (int k = 0; k < n_inputs; k++) ctot += (size_t)cs[k];
    size_t off = 0;
    for (int k = 0; k < n_inputs; k++) {
        const size_t ck = (size_t)cs[k];
        for (size_t i = 0; i < count; i++)
            memcpy(y + i * ctot + off, inputs[k] + i * ck, ck * sizeof *y);
        off += ck;
    }
}

void ops_pad_f32(const ops_pad_params *p, const float *x, ops_nhwc in, float *y)
{
    const int oh = in.h + p->top + p->bottom;
    const int ow = in.w + p->left + p->right;
    const int oc = p->c_before + in.c + p->c_after;
    for (int n = 0; n < in.n; n++)
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
                float *yp = y + (((size_t)n * oh + oy) * ow + ox) * oc;
                const int iy = oy - p->top, ix = ox - p->left;
                if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) {
                    for (int k = 0; k < oc; k++) yp[k] = 0.0f;
                    continue;
                }
                const float *xp = x + (((size_t)n * in.h + iy) * in.w + ix) * in.c;
                for (int k = 0; k < p->c_before; k++) yp[k] = 0.0f;
                memcpy(yp + p->c_before, xp, (size_t)in.c * sizeof *yp);
                for (int k = p->c_before + in.c; k < oc; k++) yp[k] = 0.0f;
            }
}
