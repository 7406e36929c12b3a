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
#include <stdint.h>

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

/* The same as ops_pool2d_f32, bit for bit, with the channel loop innermost
 * (vectorised by the compiler); ops/pool_fast.c. */
void ops_pool2d_fast_f32(const ops_pool2d_params *p, const float *x, ops_nhwc in, float *y);

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

/* ---- run-time kernel selection and planned convolution (ops/dispatch.c,
 *      ops/convplan.c; SIMD kernels in ops/x86/ and ops/arm/) ------------- */

typedef enum ops_isa {
    OPS_ISA_SCALAR = 0, /* the reference kernels above */
    OPS_ISA_NEON,
    OPS_ISA_AVX2,       /* AVX2 + FMA, OS saves YMM state */
    OPS_ISA_AVX512      /* AVX-512 F/BW/DQ/VL, OS saves ZMM and mask state */
} ops_isa;

/* The best ISA this CPU and OS support, capped by the environment variable
 * FACENET_ISA (scalar, neon, avx2, avx512) when it is set. The CPU is probed
 * once, on first use; the kernel table is filled then. */
ops_isa ops_isa_active(void);

/* The best ISA the CPU and OS support, ignoring any cap. */
ops_isa ops_isa_detected(void);

/* Re-select the kernels, capped at `cap` (tests and benches use this to run
 * every path on one machine). Returns the ISA now active. Not thread-safe:
 * call it while no kernel runs; plans made earlier keep their kernels. */
ops_isa ops_isa_select(ops_isa cap);

/* "scalar", "neon", "avx2", "avx512"; NULL for an unknown value. */
const char *ops_isa_name(ops_isa isa);

/* Parse a name as above; returns 0 and sets *isa, or -1. */
int ops_isa_parse(const char *name, ops_isa *isa);

/* CRC-32 (zlib's polynomial) of a prefix of data by carry-less multiplication
 * when the active ISA is an x86 one and the CPU has PCLMULQDQ (the weights
 * reader checksums 22 MB per load). *state is the running register as the
 * byte-wise algorithm keeps it (zlib's value inverted); it is updated for
 * the bytes consumed. Returns how many bytes were consumed: 0 on other
 * ISAs and for short data, else a multiple of 64; the caller does the rest
 * byte-wise. */
size_t ops_crc32_prefix(uint32_t *state, const void *data, size_t len);

/* For measuring the FMA peak of one core (bench/): runs iters rounds of
 * independent fused multiply-add chains on the active ISA's vectors. Sets
 * *flops to the floating-point operations done (2 per lane per FMA) and
 * returns a value that depends on all of them. */
float ops_fma_burn(long iters, double *flops);

/* A convolution prepared for repeated runs at one input shape: the kernel is
 * chosen for the active ISA and shapes (Winograd F(4,3) for 3x3 stride 1,
 * a register-blocked direct convolution otherwise, the scalar reference
 * for what neither covers), and the weights are repacked once into that
 * kernel's blocked layout. A run is split into independent tasks that write
 * disjoint parts of y; running all of them, in any order on any threads,
 * gives the same y bit for bit. */
typedef struct ops_conv2d_plan ops_conv2d_plan;

typedef enum ops_plan_status {
    OPS_PLAN_OK = 0,
    OPS_PLAN_NOMEM,   /* the packed weights could not be allocated */
    OPS_PLAN_BADARG   /* a count < 1, or groups does not divide the channels */
} ops_plan_status;

/* w [c_out][kh][kw][in.c/groups] and bias [c_out] (or NULL) as for
 * ops_conv2d_f32; they must outlive the plan (the scalar path reads them in
 * place). On success *out owns the packed weights. */
ops_plan_status ops_conv2d_plan_create(const ops_conv2d_params *p, ops_nhwc in,
                                       const float *w, const float *bias, int c_out,
                                       ops_conv2d_plan **out);
void ops_conv2d_plan_destroy(ops_conv2d_plan *plan);

/* As ops_conv2d_plan_create, but with the algorithm forced where it applies
 * (tests and benches compare them); a forced algorithm that does not fit
 * the shapes or the ISA falls back as AUTO would. */
typedef enum ops_conv_algo {
    OPS_CONV_AUTO = 0,
    OPS_CONV_REF,      /* the scalar reference */
    OPS_CONV_DIRECT,   /* register-blocked direct convolution */
    OPS_CONV_WINOGRAD, /* Winograd F(4x4, 3x3): 3x3, stride 1, dilation 1, one group */
    OPS_CONV_WINOGRAD2,/* Winograd F(2x2, 3x3), the same shapes (x86 SIMD ISAs) */
    OPS_CONV_BLAS      /* im2col + OpenBLAS sgemm, for comparison in bench/; only in a
                          `make BLAS=openblas` build (elsewhere as AUTO) */
} ops_conv_algo;
ops_plan_status ops_conv2d_plan_create_algo(const ops_conv2d_params *p, ops_nhwc in,
                                            const float *w, const float *bias, int c_out,
                                            ops_conv_algo algo, ops_conv2d_plan **out);

/* Number of tasks of a run (>= 1, fixed at creation). */
int ops_conv2d_plan_tasks(const ops_conv2d_plan *plan);

/* Bytes of scratch memory one task needs (a multiple of 64). Each thread
 * running tasks needs its own block, 64-byte aligned. */
size_t ops_conv2d_plan_scratch(const ops_conv2d_plan *plan);

/* Bytes of packed weights the plan owns. */
size_t ops_conv2d_plan_packed_bytes(const ops_conv2d_plan *plan);

/* The kernel chosen, e.g. "wino43_avx512", "direct_avx2", "ref_scalar". */
const char *ops_conv2d_plan_variant(const ops_conv2d_plan *plan);

/* Multiply-adds of one run (the direct convolution's count, whatever kernel). */
double ops_conv2d_plan_macs(const ops_conv2d_plan *plan);

/* Run task `task` (0 <= task < ops_conv2d_plan_tasks) of y = act(conv(x, w) +
 * bias + residual) with the shapes of ops_conv2d_f32; residual may be NULL.
 * scratch: ops_conv2d_plan_scratch bytes, private to the calling thread. */
void ops_conv2d_plan_run(const ops_conv2d_plan *plan, const float *x,
                         const float *residual, float *y, void *scratch, int task);

/* ==== Haar cascade windows (ops/haar.c; SIMD twins ops/x86/haar_*.c) =======
 *
 * The inner loops of a Viola-Jones detector (face/detect.c runs them). They
 * reproduce OpenCV 4.x's HaarEvaluator arithmetic exactly: feature sums in
 * int32, the feature value in float (w0*R0 + w1*R1, then + w2*R2, each
 * product rounded before the sum, no fused multiply-add), times the window's
 * variance factor in float, stage sums in double in tree order. Every variant
 * gives the same bits as the scalar reference.
 *
 * Windows are addressed by their origin in an integral image (an int32
 * array; the feature offsets include the row stride): window i's origin is
 * element win[i], or element i when win is NULL (consecutive windows, which
 * the SIMD variants read with plain vector loads). */

/* A Haar-like feature: per rectangle, the offsets of its four corners from
 * a window's origin; its sum is I[o0] - I[o1] - I[o2] + I[o3]. */
typedef struct ops_haar_feature {
    int32_t ofs[3][4]; /* [rect][corner] */
    float weight[3];   /* weight[2] == 0: rect 2 is unused and never read */
} ops_haar_feature;

/* A one-node tree (stump): leaf = value < threshold ? left : right. */
typedef struct ops_haar_stump {
    int32_t feature; /* index into the feature table */
    float threshold;
    float left, right;
} ops_haar_stump;

/* Variance factors of n windows (OpenCV HaarEvaluator::setWindow):
 *   s = the normalisation rect's sum (int32), q = its sum of squares (uint32,
 *   wrapping like the integral), nf = area*q - s*s (in double, exact)
 *   nf > 0: vnf = (float)(1/sqrt(nf)), ok = area*vnf < 0.1 (the window is not flat)
 *   else:   vnf = 1, ok = 0.
 * sum and sqsum share one layout; nofs: corner offsets of the rect. */
void ops_haar_varnorm(const int32_t *sum, const uint32_t *sqsum, const int32_t *win, int n,
                      const int32_t nofs[4], int area, float *vnf, uint8_t *ok);

/* One stage of stumps on n windows: acc[i] = sum over the stumps, in order,
 * in double, of leaf(value of the stump's feature at window i * vnf[i]). */
void ops_haar_stumps(const int32_t *ii, const int32_t *win, int n, const ops_haar_feature *feat,
                     const ops_haar_stump *stumps, int n_stumps, const float *vnf, double *acc);

/* One stage of general trees on n windows (OpenCV predictOrdered): tree t
 * has tree_nodes[t] nodes (stumps' layout, children as in face/face.h's
 * face_cascade_node: c > 0 a node of the tree, c <= 0 leaf -c) and
 * tree_nodes[t] + 1 leaves, trees and leaves stored one after the other. */
typedef struct ops_haar_node {
    int32_t feature;
    float threshold;
    int32_t left, right;
} ops_haar_node;
void ops_haar_trees(const int32_t *ii, const int32_t *win, int n, const ops_haar_feature *feat,
                    const ops_haar_node *nodes, const float *leaves, const int32_t *tree_nodes,
                    int n_trees, const float *vnf, double *acc);

/* The scalar references, whatever the active ISA (tests compare with them). */
void ops_haar_varnorm_ref(const int32_t *sum, const uint32_t *sqsum, const int32_t *win, int n,
                          const int32_t nofs[4], int area, float *vnf, uint8_t *ok);
void ops_haar_stumps_ref(const int32_t *ii, const int32_t *win, int n, const ops_haar_feature *feat,
                         const ops_haar_stump *stumps, int n_stumps, const float *vnf, double *acc);

#endif
