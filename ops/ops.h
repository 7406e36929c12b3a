/*
 * ops.h - the kernels of the engine: the one public header of ops/.
 *
 * Every kernel here has a plain scalar reference in ops/<op>.c; that file's
 * head comment is the op's contract, and it is the spec that the SIMD twins
 * in ops/x86/ and ops/arm/ are tested against.
 *
 * Conventions (all kernels):
 * - Activations are float32, NHWC, densely packed: element (n, y, x, c) of a
 *   tensor with dims {N, H, W, C} is at ((n*H + y)*W + x)*C + c.
 * - Shapes are passed as ops_nhwc; every count must be >= 1. Kernels do not
 *   validate shapes: the caller (nn/ shape inference) does. Kernels never
 *   allocate, print or fail.
 * - Output buffers must not overlap inputs unless a function says so.
 * - Weight layouts are stated at each function.
 */
#ifndef OPS_H
#define OPS_H

#include <stddef.h>

/* Dimensions of an NHWC tensor. A flat vector of length K is {N, 1, 1, K}. */
typedef struct ops_nhwc {
    int n, h, w, c;
} ops_nhwc;

/* Activation fused into the end of conv2d and dense. */
typedef enum ops_act {
    OPS_ACT_NONE = 0,
    OPS_ACT_RELU,    /* max(x, 0) */
    OPS_ACT_RELU6,   /* min(max(x, 0), 6) */
    OPS_ACT_SIGMOID, /* 1 / (1 + exp(-x)) */
    OPS_ACT_TANH
} ops_act;

/* ---- padding helpers ---------------------------------------------------- */

/* Output length of a sliding window along one axis:
 * floor((in + pad_before + pad_after - dil*(k-1) - 1) / stride) + 1,
 * or 0 if the padded input is shorter than the dilated window. */
int ops_out_len(int in, int k, int stride, int dil, int pad_before, int pad_after);

/* TensorFlow "SAME" padding along one axis: out = ceil(in / stride), the total
 * padding max((out-1)*stride + dil*(k-1) + 1 - in, 0) split with the smaller
 * half before (TF puts the odd pixel after). */
void ops_same_pads(int in, int k, int stride, int dil, int *pad_before, int *pad_after);

/* ---- convolution ---------------------------------------------------------- */

typedef struct ops_conv2d_params {
    int kh, kw;                /* kernel size */
    int stride_h, stride_w;    /* >= 1 */
    int dil_h, dil_w;          /* >= 1 */
    int pad_top, pad_bottom;   /* explicit zero padding (SAME/VALID resolved by caller) */
    int pad_left, pad_right;
    int groups;                /* >= 1, divides c_in and c_out; groups == c_in is depthwise */
    ops_act act;               /* applied last */
} ops_conv2d_params;

/* y = act(conv(x, w) + bias + residual).
 * x:        [in.n][in.h][in.w][in.c]
 * w:        [c_out][kh][kw][in.c/groups]  (OHWI; group g owns output channels
 *           g*c_out/groups .. and reads input channels g*in.c/groups ..)
 * bias:     [c_out] or NULL
 * residual: same shape as y, or NULL; added before the activation
 * y:        [in.n][oh][ow][c_out], oh/ow from ops_out_len. */
void ops_conv2d_f32(const ops_conv2d_params *p, const float *x, ops_nhwc in,
                    const float *w, const float *bias, int c_out,
                    const float *residual, float *y);

/* ---- pooling -------------------------------------------------------------- */

typedef enum ops_pool_kind {
    OPS_POOL_MAX = 0,
    OPS_POOL_AVG,
    OPS_POOL_L2 /* sqrt(sum of squares / count), count as for AVG */
} ops_pool_kind;

typedef struct ops_pool2d_params {
    ops_pool_kind kind;
    int kh, kw;
    int stride_h, stride_w;
    int pad_top, pad_bottom, pad_left, pad_right;
    int count_include_pad; /* AVG/L2: divide by kh*kw (1) or by the in-bounds count (0);
                              padded cells are zeros for AVG/L2 and ignored by MAX */
} ops_pool2d_params;

/* x: [in.n][in.h][in.w][in.c]; y: [in.n][oh][ow][in.c] (dilation 1). */
void ops_pool2d_f32(const ops_pool2d_params *p, const float *x, ops_nhwc in, float *y);

/* Mean over H and W. x: [in.n][in.h][in.w][in.c]; y: [in.n][in.c]. */
void ops_global_avgpool_f32(const float *x, ops_nhwc in, float *y);

/* ---- per-channel normalisation -------------------------------------------- */

/* Inference batch-norm: y = (x - mean[c]) / sqrt(var[c] + eps) * gamma[c] + beta[c].
 * x, y: [count][c] (any NHWC tensor with count = n*h*w); x == y allowed. */
void ops_batchnorm_f32(const float *x, size_t count, int c, const float *mean,
                       const float *var, const float *gamma, const float *beta,
                       float eps, float *y);

/* Per-channel affine: y = x * scale[c] + shift[c]; scale or shift may be NULL
 * (1 and 0). x, y: [count][c]; x == y allowed. */
void ops_affine_f32(const float *x, size_t count, int c, const float *scale,
                    const float *shift, float *y);

/* ---- dense ---------------------------------------------------------------- */

/* y[n][m] = act(sum_k x[n][k] * w[m][k] + bias[m]).
 * x: [n][k]; w: [m][k] (row per output); bias: [m] or NULL; y: [n][m]. */
void ops_dense_f32(const float *x, int n, int k, const float *w, const float *bias,
                   int m, ops_act act, float *y);

/* ---- activations ------------------------------------------------------------ */

/* y[i] = act(x[i]) for i < len; x == y allowed. */
void ops_act_f32(ops_act act, const float *x, size_t len, float *y);

/* PReLU: y = x if x > 0 else slope[c] * x. x, y: [count][c]; x == y allowed. */
void ops_prelu_f32(const float *x, size_t count, int c, const float *slope, float *y);

/* ---- elementwise ---------------------------------------------------------- */

typedef enum ops_binary_kind { OPS_ADD = 0, OPS_SUB, OPS_MUL } ops_binary_kind;

/* y = a (op) b. a, y: [count][c]. b: [count][c] if b_per_channel == 0, else
 * [c] broadcast over every pixel. y may alias a or b. */
void ops_binary_f32(ops_binary_kind kind, const float *a, const float *b,
                    int b_per_channel, size_t count, int c, float *y);

/* ---- layout ----------------------------------------------------------------- */

/* Concatenate along channels. inputs[i]: [count][cs[i]]; y: [count][sum cs]. */
void ops_concat_channels_f32(const float *const *inputs, const int *cs, int n_inputs,
                             size_t count, float *y);

typedef struct ops_pad_params {
    int top, bottom, left, right; /* spatial zero padding, >= 0 */
    int c_before, c_after;        /* channel zero padding, >= 0 */
} ops_pad_params;

/* Zero padding. x: [in.n][in.h][in.w][in.c];
 * y: [in.n][in.h+top+bottom][in.w+left+right][c_before+in.c+c_after]. */
void ops_pad_f32(const ops_pad_params *p, const float *x, ops_nhwc in, float *y);

/* ---- normalisation across channels ------------------------------------------ */

/* Local response normalisation across channels, TensorFlow convention:
 * y[c] = x[c] / (bias + alpha * sum_{j=c-radius}^{c+radius} x[j]^2)^beta,
 * out-of-range j skipped. (PyTorch's LocalResponseNorm(size, a, b, k) is
 * radius = (size-1)/2 for odd size, alpha = a/size, bias = k.)
 * x, y: [count][c]. */
void ops_lrn_f32(const float *x, size_t count, int c, int radius, float bias,
                 float alpha, float beta, float *y);

/* L2-normalise each pixel's channel vector: y = x / sqrt(max(sum x^2, eps)).
 * x, y: [count][c]; x == y allowed. */
void ops_l2norm_f32(const float *x, size_t count, int c, float eps, float *y);

/* ---- resampling ------------------------------------------------------------- */

/* Bilinear resize of each image and channel to oh x ow.
 * align_corners == 0: half-pixel centres, src = (dst + 0.5) * in/out - 0.5,
 *   clamped to [0, in-1] (PyTorch align_corners=False, OpenCV INTER_LINEAR).
 * align_corners == 1: src = dst * (in-1)/(out-1) (0 when out == 1).
 * x: [in.n][in.h][in.w][in.c]; y: [in.n][oh][ow][in.c]. */
void ops_resize_bilinear_f32(const float *x, ops_nhwc in, int oh, int ow,
                             int align_corners, float *y);

#endif
