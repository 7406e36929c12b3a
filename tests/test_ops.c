/*
 * test_ops.c - the scalar reference kernels of ops/ against golden data.
 *
 * Golden files: the .bin files in tests/golden/ops/, written by tests/gen_ops_golden.py
 * (seed, shapes and case list are there; expected outputs computed in float64
 * by torch / numpy from the same float32 inputs, which the files carry).
 * Run from the repository root.
 *
 * Tolerance (golden_compare in tests/golden.h), for output element i:
 *     |got_i - want_i| <= K * 2^-23 * mag_i + ulps * 2^-23 * |want_i|  (+ FLT_MIN)
 * where mag_i = sum of |terms| that make output i (computed in float64 by the
 * generator: conv(|x|,|w|) + |bias| + |residual|, |x| @ |w|^T + |b|, ...) and
 * K = the reduction length plus the extra roundings of the op:
 *     conv2d      K = kh*kw*c_in/groups + 2 (bias, residual)     ulps 4 (act)
 *     dense       K = k + 1 (bias)                               ulps 4 (act)
 *     avg pool    K = cells in window + 1 (division)             ulps 0
 *     l2 pool     K = cells + 2, mag = result                    ulps 2 (sqrt)
 *     global avg  K = h*w + 1                                    ulps 0
 *     max pool, relu, relu6, none, prelu: exact (K = ulps = 0)
 *     sigmoid, tanh: ulps 4 (libm expf/tanhf are within ~2 ulp)
 *     batch-norm  K = 6, mag = |x - mean|*|gamma/sqrt(var+eps)| + |beta|
 *     affine      K = 2, mag = |x*scale| + |shift|
 *     add/sub/mul ulps 1 (one correctly rounded op; the golden may be
 *                 rounded twice, float64 then float32)
 *     concat, pad: exact
 *     LRN         ulps = max(beta,1) * (2*radius + 4) + 4 (relative: the
 *                 window sum's roundings raised to -beta, powf, product)
 *     l2norm      ulps = c + 3 (relative: sum of squares, sqrt, division)
 *     resize      K = 8, mag = (h + w + 4) * max|x| of the image plane: the
 *                 float source coordinate errs by a few ulp of h or w, which
 *                 moves the interpolation weights by as much
 * Naive float summation of K terms errs by at most about K * 2^-24 * sum|terms|,
 * so the bound has a factor 2 of headroom and no more: a wrong tap, sign or
 * index is far outside it.
 *
 * Output buffers are filled with NaN before each call, so an element the kernel
 * forgets to write fails; they are allocated to the exact size, so ASan sees an
 * element written past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"
#include "tests/golden.h"

#define GOLDEN_DIR "tests/golden/ops/"

/* One golden case: reads its tensors from g, runs the kernel, returns the
 * number of elements out of tolerance (or 1 for a malformed case). */
typedef size_t (*case_fn)(const golden_file *g, const char *name);

static float *nan_buf(size_t n)
{
    float *b = malloc((n ? n : 1) * sizeof *b);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++) b[i] = NAN;
    return b;
}

/* A tensor the case must have; fails the test naming it if absent. */
static const golden_tensor *need(const golden_file *g, const char *name, const char *suffix,
                                 int dtype, size_t count)
{
    const golden_tensor *t = golden_get(g, name, suffix);
    if (!t) fail_msg("golden case %s has no tensor %s", name, suffix);
    if (t->dtype != dtype) fail_msg("golden %s%s: dtype %d, want %d", name, suffix, t->dtype, dtype);
    if (count && t->count != count)
        fail_msg("golden %s%s: %zu elements, want %zu", name, suffix, t->count, count);
    return t;
}

/* Runs fn on every case (every tensor NAME.y) of GOLDEN_DIR file; fails if
 * any case fails or there are fewer than min_cases. */
static void run_file(const char *file, case_fn fn, int min_cases)
{
    char path[256];
    golden_file g;
    snprintf(path, sizeof path, GOLDEN_DIR "%s", file);
    if (golden_load(path, &g) != 0) fail_msg("cannot load %s", path);
    size_t bad = 0;
    int cases = 0;
    for (int k = 0; k < g.n; k++) {
        const char *nm = g.t[k].name;
        const size_t len = strlen(nm);
        if (len < 3 || strcmp(nm + len - 2, ".y") != 0) continue;
        char name[GOLDEN_NAME_MAX + 1];
        memcpy(name, nm, len - 2);
        name[len - 2] = '\0';
        bad += fn(&g, name);
        cases++;
    }
    golden_free(&g);
    printf("     %s: %d cases\n", file, cases);
    assert_true(cases >= min_cases);
    assert_true(bad == 0);
}

/* ---- padding helpers (hand-worked values, then a property sweep) ---------- */

static void test_out_len(void **state)
{
    (void)state;
    static const int t[][7] = {
        /* in, k, stride, dil, before, after, want */
        {5, 3, 1, 1, 1, 1, 5},   {7, 3, 2, 1, 1, 1, 4},   {1, 3, 1, 1, 0, 0, 0},
        {1, 3, 1, 1, 1, 1, 1},   {9, 3, 1, 2, 2, 2, 9},   {224, 7, 2, 1, 3, 3, 112},
        {2, 5, 1, 1, 1, 1, 0},   {8, 3, 2, 1, 0, 0, 3},   {1, 1, 1, 1, 0, 0, 1},
        {4, 3, 2, 1, 3, 3, 4},   {10, 3, 2, 2, 1, 2, 5},  {5, 5, 3, 1, 0, 0, 1},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        assert_int_equal(ops_out_len(t[i][0], t[i][1], t[i][2], t[i][3], t[i][4], t[i][5]), t[i][6]);
}

static void test_same_pads(void **state)
{
    (void)state;
    static const int t[][6] = {
        /* in, k, stride, dil, want before, want after (TF: odd pixel after) */
        {8, 3, 2, 1, 0, 1}, {7, 3, 2, 1, 1, 1}, {5, 4, 1, 1, 1, 2}, {224, 7, 2, 1, 2, 3},
        {6, 1, 2, 1, 0, 0}, {7, 3, 1, 2, 2, 2}, {1, 3, 2, 1, 1, 1}, {6, 5, 2, 1, 1, 2},
        {1, 1, 1, 1, 0, 0}, {2, 2, 1, 1, 0, 1},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        int b = -1, a = -1;
        ops_same_pads(t[i][0], t[i][1], t[i][2], t[i][3], &b, &a);
        assert_int_equal(b, t[i][4]);
        assert_int_equal(a, t[i][5]);
    }
    /* SAME means out = ceil(in / stride), and before <= after <= before + 1. */
    for (int in = 1; in <= 20; in++)
        for (int k = 1; k <= 7; k++)
            for (int s = 1; s <= 4; s++)
                for (int d = 1; d <= 3; d++) {
                    int b, a;
                    ops_same_pads(in, k, s, d, &b, &a);
                    assert_true(b >= 0 && a >= b && a <= b + 1);
                    assert_int_equal(ops_out_len(in, k, s, d, b, a), (in + s - 1) / s);
                }
}

/* ---- conv2d ----------------------------------------------------------------- */

static size_t conv_case(const golden_file *g, const char *name)
{
    const int32_t *p = need(g, name, ".p", GOLDEN_I32, 20)->i;
    const ops_nhwc in = {p[0], p[1], p[2], p[3]};
    const int c_out = p[4];
    ops_conv2d_params cp = {
        .kh = p[5], .kw = p[6], .stride_h = p[7], .stride_w = p[8], .dil_h = p[9], .dil_w = p[10],
        .pad_top = p[11], .pad_bottom = p[12], .pad_left = p[13], .pad_right = p[14],
        .groups = p[15], .act = (ops_act)p[16],
    };
    const int has_bias = p[17], has_resid = p[18], same = p[19];
    if (same) {
        ops_same_pads(in.h, cp.kh, cp.stride_h, cp.dil_h, &cp.pad_top, &cp.pad_bottom);
        ops_same_pads(in.w, cp.kw, cp.stride_w, cp.dil_w, &cp.pad_left, &cp.pad_right);
        if (cp.pad_top != p[11] || cp.pad_bottom != p[12] || cp.pad_left != p[13] ||
            cp.pad_right != p[14]) {
            printf("FAIL %s: ops_same_pads gave %d %d %d %d, TensorFlow %d %d %d %d\n", name,
                   cp.pad_top, cp.pad_bottom, cp.pad_left, cp.pad_right, p[11], p[12], p[13], p[14]);
            return 1;
        }
    }
    const int oh = ops_out_len(in.h, cp.kh, cp.stride_h, cp.dil_h, cp.pad_top, cp.pad_bottom);
    const int ow = ops_out_len(in.w, cp.kw, cp.stride_w, cp.dil_w, cp.pad_left, cp.pad_right);
    const size_t ny = (size_t)in.n * oh * ow * c_out;
    const int cig = in.c / cp.groups;
    const golden_tensor *x = need(g, name, ".x", GOLDEN_F32, (size_t)in.n * in.h * in.w * in.c);
    const golden_tensor *w = need(g, name, ".w", GOLDEN_F32, (size_t)c_out * cp.kh * cp.kw * cig);
    const golden_tensor *b = has_bias ? need(g, name, ".b", GOLDEN_F32, (size_t)c_out) : NULL;
    const golden_tensor *r = has_resid ? need(g, name, ".r", GOLDEN_F32, ny) : NULL;
    const golden_tensor *want = need(g, name, ".y", GOLDEN_F32, ny);
    const golden_tensor *mag = need(g, name, ".mag", GOLDEN_F32, ny);

    float *y = nan_buf(ny);
    ops_conv2d_f32(&cp, x->f, in, w->f, b ? b->f : NULL, c_out, r ? r->f : NULL, y);
    char label[300];
    snprintf(label, sizeof label, "conv2d %s", name);
    const size_t bad = golden_compare(label, y, want, mag, (double)cp.kh * cp.kw * cig + 2, 4);
    free(y);
    return bad;
}

static void test_conv2d(void **state)
{
    (void)state;
    run_file("conv2d.bin", conv_case, 25);
}

/* ---- pooling ------------------------------------------------------------------ */

static size_t pool_case(const golden_file *g, const char *name)
{
    const int32_t *p = need(g, name, ".p", GOLDEN_I32, 14)->i;
    const ops_nhwc in = {p[0], p[1], p[2], p[3]};
    const int kind = p[4];
    const golden_tensor *x = need(g, name, ".x", GOLDEN_F32, (size_t)in.n * in.h * in.w * in.c);
    char label[300];
    snprintf(label, sizeof label, "pool %s", name);
    if (kind == 3) {
        const size_t ny = (size_t)in.n * in.c;
        const golden_tensor *want = need(g, name, ".y", GOLDEN_F32, ny);
        const golden_tensor *mag = need(g, name, ".mag", GOLDEN_F32, ny);
        float *y = nan_buf(ny);
        ops_global_avgpool_f32(x->f, in, y);
        const size_t bad = golden_compare(label, y, want, mag, (double)in.h * in.w + 1, 0);
        free(y);
        return bad;
    }
    const ops_pool2d_params pp = {
        .kind = (ops_pool_kind)kind, .kh = p[5], .kw = p[6], .stride_h = p[7], .stride_w = p[8],
        .pad_top = p[9], .pad_bottom = p[10], .pad_left = p[11], .pad_right = p[12],
        .count_include_pad = p[13],
    };
    const int oh = ops_out_len(in.h, pp.kh, pp.stride_h, 1, pp.pad_top, pp.pad_bottom);
    const int ow = ops_out_len(in.w, pp.kw, pp.stride_w, 1, pp.pad_left, pp.pad_right);
    const size_t ny = (size_t)in.n * oh * ow * in.c;
    const golden_tensor *want = need(g, name, ".y", GOLDEN_F32, ny);
    float *y = nan_buf(ny);
    ops_pool2d_f32(&pp, x->f, in, y);
    size_t bad;
    const double cells = (double)pp.kh * pp.kw;
    if (kind == OPS_POOL_MAX)
        bad = golden_compare(label, y, want, NULL, 0, 0);
    else if (kind == OPS_POOL_AVG)
        bad = golden_compare(label, y, want, need(g, name, ".mag", GOLDEN_F32, ny), cells + 1, 0);
    else
        bad = golden_compare(label, y, want, need(g, name, ".mag", GOLDEN_F32, ny), cells + 2, 2);
    free(y);
    return bad;
}

static void test_pool(void **state)
{
    (void)state;
    run_file("pool.bin", pool_case, 18);
}

/* A window entirely in the padding gives 0 for every kind (contract in pool.c). */
static void test_pool_window_all_padding(void **state)
{
    (void)state;
    const float x[2] = {-3.0f, 4.0f}; /* 1x1 pixel, 2 channels */
    const ops_nhwc in = {1, 1, 1, 2};
    for (int kind = OPS_POOL_MAX; kind <= OPS_POOL_L2; kind++) {
        const ops_pool2d_params pp = {.kind = (ops_pool_kind)kind, .kh = 1, .kw = 1,
                                      .stride_h = 1, .stride_w = 1, .pad_top = 1,
                                      .pad_bottom = 1, .pad_left = 1, .pad_right = 1};
        float y[3 * 3 * 2];
        ops_pool2d_f32(&pp, x, in, y);
        for (int i = 0; i < 18; i++) {
            const int centre = i / 2 == 4;
            const float want = !centre ? 0.0f : kind == OPS_POOL_L2 ? fabsf(x[i % 2]) : x[i % 2];
            assert_true(y[i] == want);
        }
    }
}

/* ---- dense ------------------------------------------------------------------- */

static size_t dense_case(const golden_file *g, const char *name)
{
    const int32_t *p = need(g, name, ".p", GOLDEN_I32, 5)->i;
    const int n = p[0], k = p[1], m = p[2];
    const golden_tensor *x = need(g, name, ".x", GOLDEN_F32, (size_t)n * k);
    const golden_tensor *w = need(g, name, ".w", GOLDEN_F32, (size_t)m * k);
    const golden_tensor *b = p[4] ? need(g, name, ".b", GOLDEN_F32, (size_t)m) : NULL;
    const golden_tensor *want = need(g, name, ".y", GOLDEN_F32, (size_t)n * m);
    const golden_tensor *mag = need(g, name, ".mag", GOLDEN_F32, (size_t)n * m);
    float *y = nan_buf((size_t)n * m);
    ops_dense_f32(x->f, n, k, w->f, b ? b->f : NULL, m, (ops_act)p[3], y);
    char label[300];
    snprintf(label, sizeof label, "dense %s", name);
    const size_t bad = golden_compare(label, y, want, mag, (double)k + 1, 4);
    free(y);
    return bad;
}

static void test_dense(void **state)
{
    (void)state;
    run_file("dense.bin", dense_case, 6);
}

/* ---- activations, PReLU ---------------------------------------------------------- */

static size_t act_case(const golden_file *g, const char *name)
{
    const golden_tensor *pt = golden_get(g, name, ".p");
    if (!pt || pt->dtype != GOLDEN_I32 || pt->count < 2) fail_msg("golden %s: bad .p", name);
    const int32_t *p = pt->i;
    char label[300];
    size_t bad;
    if (p[0] >= 0) {
        const ops_act act = (ops_act)p[0];
        const size_t len = (size_t)p[1];
        const golden_tensor *x = need(g, name, ".x", GOLDEN_F32, len);
        const golden_tensor *want = need(g, name, ".y", GOLDEN_F32, len);
        const double ulps = (act == OPS_ACT_SIGMOID || act == OPS_ACT_TANH) ? 4 : 0;
        float *y = nan_buf(len);
        ops_act_f32(act, x->f, len, y);
        snprintf(label, sizeof label, "act %s", name);
        bad = golden_compare(label, y, want, NULL, 0, ulps);
        /* in place gives the same */
        memcpy(y, x->f, len * sizeof *y);
        ops_act_f32(act, y, len, y);
        snprintf(label, sizeof label, "act %s in place", name);
        bad += golden_compare(label, y, want, NULL, 0, ulps);
        free(y);
        return bad;
    }
    const size_t count = (size_t)p[1];
    const int c = p[2];
    const golden_tensor *x = need(g, name, ".x", GOLDEN_F32, count * c);
    const golden_tensor *slope = need(g, name, ".slope", GOLDEN_F32, (size_t)c);
    const golden_tensor *want = need(g, name, ".y", GOLDEN_F32, count * c);
    float *y = nan_buf(count * c);
    ops_prelu_f32(x->f, count, c, slope->f, y);
    snprintf(label, sizeof label, "prelu %s", name);
    bad = golden_compare(label, y, want, NULL, 0, 0);
    memcpy(y, x->f, count * c * sizeof *y);
    ops_prelu_f32(y, count, c, slope->f, y);
    snprintf(label, sizeof label, "prelu %s in place", name);
    bad += golden_compare(label, y, want, NULL, 0, 0);
    free(y);
    return bad;
}

static void test_act(void **state)
{
    (void)state;
    run_file("act.bin", act_case, 8);
}

/* ---- batch-norm, affine --------------------------------------------------------- */

static size_t norm_case(const golden_file *g, const char *name)
{
    const golden_tensor *pt = golden_get(g, name, ".p");
    if (!pt || pt->dtype != GOLDEN_I32 || pt->count < 5) fail_msg("golden %s: bad .p", name);
    const int32_t *p = pt->i;
    const size_t count = (size_t)p[1] * p[2] * p[3];
    const int c = p[4];
    const size_t ny = count * c;
    const golden_tensor *x = need(g, name, ".x", GOLDEN_F32, ny);
    const golden_tensor *want = need(g, name, ".y", GOLDEN_F32, ny);
    const golden_tensor *mag = need(g, name, ".mag", GOLDEN_F32, ny);
    float *y = nan_buf(ny);
    char label[300];
    size_t bad;
    if (p[0] == 0) {
        const float *mean = need(g, name, ".mean", GOLDEN_F32, (size_t)c)->f;
        const float *var = need(g, name, ".var", GOLDEN_F32, (size_t)c)->f;
        const float *gamma = need(g, name, ".gamma", GOLDEN_F32, (size_t)c)->f;
        const float *beta = need(g, name, ".beta", GOLDEN_F32, (size_t)c)->f;
        const float eps = need(g, name, ".eps", GOLDEN_F32, 1)->f[0];
        ops_batchnorm_f32(x->f, count, c, mean, var, gamma, beta, eps, y);
        snprintf(label, sizeof label, "batchnorm %s", name);
        bad = golden_compare(label, y, want, mag, 6, 0);
        memcpy(y, x->f, ny * sizeof *y);
        ops_batchnorm_f32(y, count, c, mean, var, gamma, beta, eps, y);
        snprintf(label, sizeof label, "batchnorm %s in place", name);
        bad += golden_compare(label, y, want, mag, 6, 0);
    } else {
        if (pt->count != 7) fail_msg("golden %s: .p has %zu values, want 7", name, pt->count);
        const float *scale = p[5] ? need(g, name, ".scale", GOLDEN_F32, (size_t)c)->f : NULL;
        const float *shift = p[6] ? need(g, name, ".shift", GOLDEN_F32, (size_t)c)->f : NULL;
        ops_affine_f32(x->f, count, c, scale, shift, y);
        snprintf(label, sizeof label, "affine %s", name);
        bad = golden_compare(label, y, want, mag, 2, 0);
        memcpy(y, x->f, ny * sizeof *y);
        ops_affine_f32(y, count, c, scale, shift, y);
        snprintf(label, sizeof label, "affine %s in place", name);
        bad += golden_compare(label, y, want, mag, 2, 0);
    }
    free(y);
    return bad;
}

static void test_norm(void **state)
{
    (void)state;
    run_file("norm.bin", norm_case, 8);
}

/* ---- elementwise ------------------------------------------------------------------- */

static size_t eltwise_case(const golden_file *g, const char *name)
{
    const int32_t *p = need(g, name, ".p", GOLDEN_I32, 4)->i;
    const ops_binary_kind kind = (ops_binary_kind)p[0];
    const int bcast = p[1];
    const size_t count = (size_t)p[2];
    const int c = p[3];
    const size_t ny = count * c;
    const golden_tensor *a = need(g, name, ".a", GOLDEN_F32, ny);
    const golden_tensor *b = need(g, name, ".b", GOLDEN_F32, bcast ? (size_t)c : ny);
    const golden_tensor *want = need(g, name, ".y", GOLDEN_F32, ny);
    char label[300];
    float *y = nan_buf(ny);
    ops_binary_f32(kind, a->f, b->f, bcast, count, c, y);
    snprintf(label, sizeof label, "binary %s", name);
    size_t bad = golden_compare(label, y, want, NULL, 0, 1);
    memcpy(y, a->f, ny * sizeof *y); /* y aliases a */
    ops_binary_f32(kind, y, b->f, bcast, count, c, y);
    snprintf(label, sizeof label, "binary %s y=a", name);
    bad += golden_compare(label, y, want, NULL, 0, 1);
    if (!bcast) {
        memcpy(y, b->f, ny * sizeof *y); /* y aliases b */
        ops_binary_f32(kind, a->f, y, bcast, count, c, y);
        snprintf(label, sizeof label, "binary %s y=b", name);
        bad += golden_compare(label, y, want, NULL, 0, 1);
    }
    free(y);
    return bad;
}

static void test_eltwise(void **state)
{
    (void)state;
    run_file("eltwise.bin", eltwise_case, 7);
}

/* ---- concat, pad (exact copies) ------------------------------------------------------ */

static size_t layout_case(const golden_file *g, const char *name)
{
    const golden_tensor *pt = golden_get(g, name, ".p");
    if (!pt || pt->dtype != GOLDEN_I32 || pt->count < 3) fail_msg("golden %s: bad .p", name);
    const int32_t *p = pt->i;
    char label[300];
    size_t bad;
    if (p[0] == 0) {
        const size_t count = (size_t)p[1];
        const int n_in = p[2];
        if (n_in < 1 || n_in > 8 || pt->count != (size_t)3 + n_in)
            fail_msg("golden %s: bad input count %d", name, n_in);
        const float *inputs[8];
        int cs[8];
        size_t ctot = 0;
        for (int k = 0; k < n_in; k++) {
            char suffix[16];
            snprintf(suffix, sizeof suffix, ".x%d", k);
            cs[k] = p[3 + k];
            inputs[k] = need(g, name, suffix, GOLDEN_F32, count * cs[k])->f;
            ctot += (size_t)cs[k];
        }
        const golden_tensor *want = need(g, name, ".y", GOLDEN_F32, count * ctot);
        float *y = nan_buf(count * ctot);
        ops_concat_channels_f32(inputs, cs, n_in, count, y);
        snprintf(label, sizeof label, "concat %s", name);
        bad = golden_compare(label, y, want, NULL, 0, 0);
        free(y);
        return bad;
    }
    if (pt->count != 11) fail_msg("golden %s: .p has %zu values, want 11", name, pt->count);
    const ops_nhwc in = {p[1], p[2], p[3], p[4]};
    const ops_pad_params pp = {.top = p[5], .bottom = p[6], .left = p[7], .right = p[8],
                               .c_before = p[9], .c_after = p[10]};
    const size_t ny = (size_t)in.n * (in.h + pp.top + pp.bottom) * (in.w + pp.left + pp.right) *
                      (pp.c_before + in.c + pp.c_after);
    const golden_tensor *x = need(g, name, ".x", GOLDEN_F32, (size_t)in.n * in.h * in.w * in.c);
    const golden_tensor *want = need(g, name, ".y", GOLDEN_F32, ny);
    float *y = nan_buf(ny);
    ops_pad_f32(&pp, x->f, in, y);
    snprintf(label, sizeof label, "pad %s", name);
    bad = golden_compare(label, y, want, NULL, 0, 0);
    free(y);
    return bad;
}

static void test_layout(void **state)
{
    (void)state;
    run_file("layout.bin", layout_case, 9);
}

/* ---- LRN, L2 normalisation ------------------------------------------------------------- */

static size_t lrn_case(const golden_file *g, const char *name)
{
    const int32_t *p = need(g, name, ".p", GOLDEN_I32, 3)->i;
    const size_t count = (size_t)p[0];
    const int c = p[1], radius = p[2];
    const float *f = need(g, name, ".f", GOLDEN_F32, 3)->f; /* bias, alpha, beta */
    const golden_tensor *x = need(g, name, ".x", GOLDEN_F32, count * c);
    const golden_tensor *want = need(g, name, ".y", GOLDEN_F32, count * c);
    float *y = nan_buf(count * c);
    ops_lrn_f32(x->f, count, c, radius, f[0], f[1], f[2], y);
    char label[300];
    snprintf(label, sizeof label, "lrn %s", name);
    /* relative: beta * (window + 3) roundings of the denominator, powf, the product */
    const double beta = f[2] > 1.0f ? f[2] : 1.0;
    const size_t bad = golden_compare(label, y, want, NULL, 0, beta * (2.0 * radius + 4) + 4);
    free(y);
    return bad;
}

static void test_lrn(void **state)
{
    (void)state;
    run_file("lrn.bin", lrn_case, 8);
}

static size_t l2norm_case(const golden_file *g, const char *name)
{
    const int32_t *p = need(g, name, ".p", GOLDEN_I32, 2)->i;
    const size_t count = (size_t)p[0];
    const int c = p[1];
    const float eps = need(g, name, ".eps", GOLDEN_F32, 1)->f[0];
    const golden_tensor *x = need(g, name, ".x", GOLDEN_F32, count * c);
    const golden_tensor *want = need(g, name, ".y", GOLDEN_F32, count * c);
    float *y = nan_buf(count * c);
    char label[300];
    ops_l2norm_f32(x->f, count, c, eps, y);
    snprintf(label, sizeof label, "l2norm %s", name);
    size_t bad = golden_compare(label, y, want, NULL, 0, (double)c + 3);
    memcpy(y, x->f, count * c * sizeof *y);
    ops_l2norm_f32(y, count, c, eps, y);
    snprintf(label, sizeof label, "l2norm %s in place", name);
    bad += golden_compare(label, y, want, NULL, 0, (double)c + 3);
    free(y);
    return bad;
}

static void test_l2norm(void **state)
{
    (void)state;
    run_file("l2norm.bin", l2norm_case, 5);
}

/* ---- bilinear resize ------------------------------------------------------------------- */

static size_t resize_case(const golden_file *g, const char *name)
{
    const int32_t *p = need(g, name, ".p", GOLDEN_I32, 7)->i;
    const ops_nhwc in = {p[0], p[1], p[2], p[3]};
    const int oh = p[4], ow = p[5], ac = p[6];
    const size_t ny = (size_t)in.n * oh * ow * in.c;
    const golden_tensor *x = need(g, name, ".x", GOLDEN_F32, (size_t)in.n * in.h * in.w * in.c);
    const golden_tensor *want = need(g, name, ".y", GOLDEN_F32, ny);
    const golden_tensor *mag = need(g, name, ".mag", GOLDEN_F32, ny);
    float *y = nan_buf(ny);
    ops_resize_bilinear_f32(x->f, in, oh, ow, ac, y);
    char label[300];
    snprintf(label, sizeof label, "resize %s", name);
    const size_t bad = golden_compare(label, y, want, mag, 8, 0);
    free(y);
    return bad;
}

static void test_resize(void **state)
{
    (void)state;
    run_file("resize.bin", resize_case, 11);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_out_len),
        cmocka_unit_test(test_same_pads),
        cmocka_unit_test(test_conv2d),
        cmocka_unit_test(test_pool),
        cmocka_unit_test(test_pool_window_all_padding),
        cmocka_unit_test(test_dense),
        cmocka_unit_test(test_act),
        cmocka_unit_test(test_norm),
        cmocka_unit_test(test_eltwise),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_lrn),
        cmocka_unit_test(test_l2norm),
        cmocka_unit_test(test_resize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
