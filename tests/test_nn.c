/*
 * test_nn.c - nn/: builder, validation, shape inference, memory planner,
 * executor.
 *
 * - Shape inference of every node kind, checked against hand-computed shapes.
 * - Validation: every rejected graph is checked for its status AND its
 *   reason (the node's label and the rule broken).
 * - Planner: on two graphs, for batches 1..3 and with/without in-place, every
 *   pair of arena values is checked exhaustively: two values whose lifetimes
 *   intersect may share bytes only if one is a reshape view of the other's
 *   storage, or if an elementwise node hands its input's storage over to its
 *   output at the one node where both are live. Arena size < sum of tensors,
 *   both printed.
 * - End to end: a small residual network (conv, batch-norm, ReLU, max/avg
 *   pool, fused and separate residual adds, channel pad, global avg pool,
 *   dense, L2-normalise) with N = 2 against tests/golden/nn/small_resnet.bin
 *   from tests/gen_nn_golden.py (torch float64, seed 20261128). Tolerance:
 *   golden_compare's k * 2^-23 * mag with mag the network run on magnitudes
 *   (see the script) and k the roundings along the longest path (NET_K).
 * - Runs with and without in-place, and batch N against N runs of batch 1,
 *   give identical bits.
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

#include "nn/nn.h"
#include "tests/golden.h"

#define GOLDEN_PATH "tests/golden/nn/small_resnet.bin"

/* Weights for graphs whose values do not matter: 0.5 everywhere (positive,
 * so batch-norm variances pass validation). */
#define DUMMY_LEN 8192
static float dummy[DUMMY_LEN];

static void fill_dummy(void)
{
    for (int i = 0; i < DUMMY_LEN; i++)
        dummy[i] = 0.5f;
}

/* Small deterministic generator for inputs (xorshift32), values in [-1, 1). */
static float rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return (float)((*s >> 8) * (1.0 / 8388608.0)) - 1.0f;
}

static int c4d(nn_graph *g, const char *name, int o, int kh, int kw, int i)
{
    const int d[4] = {o, kh, kw, i};
    return nn_const(g, name, dummy, 4, d);
}

static int c2d(nn_graph *g, const char *name, int m, int k)
{
    const int d[2] = {m, k};
    return nn_const(g, name, dummy, 2, d);
}

static int cvec(nn_graph *g, const char *name, int n) { return nn_const_vec(g, name, dummy, n); }

static void expect_shape(const nn_graph *g, int v, int h, int w, int c)
{
    assert_true(v >= 0);
    const nn_value *val = nn_graph_value(g, v);
    assert_non_null(val);
    if (val->shape.ndim != 4 || val->shape.dims[0] != 1 || val->shape.dims[1] != h ||
        val->shape.dims[2] != w || val->shape.dims[3] != c)
        fail_msg("value '%s': got %dx%dx%d (ndim %d), want %dx%dx%d", val->name,
                 val->shape.dims[1], val->shape.dims[2], val->shape.dims[3], val->shape.ndim, h,
                 w, c);
}

/* ---- shape inference ------------------------------------------------------- */

static void test_shapes(void **state)
{
    (void)state;
    nn_graph *g;
    assert_int_equal(nn_graph_create(&g), NN_OK);
    int x = nn_input(g, "x", 7, 9, 3);

    /* SAME, stride 2: ceil(7/2) x ceil(9/2). */
    int c = nn_conv2d(g, "conv_same_s2", x, c4d(g, "w1", 8, 3, 3, 3), cvec(g, "b1", 8), 2,
                      NN_PADDING_SAME, OPS_ACT_RELU);
    /* Explicit pads 1, dilation 2: (7 + 2 - 4 - 1) + 1 = 5, (9 + 2 - 5) + 1 = 7. */
    nn_conv2d_attr a = nn_conv2d_attr_default();
    a.padding = NN_PADDING_EXPLICIT;
    a.pad_top = a.pad_bottom = a.pad_left = a.pad_right = 1;
    a.dil_h = a.dil_w = 2;
    int cd = nn_conv2d_ex(g, "conv_dil2", x, c4d(g, "w2", 4, 3, 3, 3), NN_NONE, NN_NONE, &a);
    /* Depthwise-style grouped conv: groups 3, channel multiplier 2, VALID. */
    a = nn_conv2d_attr_default();
    a.groups = 3;
    int cg = nn_conv2d_ex(g, "conv_grouped", x, c4d(g, "w3", 6, 3, 3, 1), NN_NONE, NN_NONE, &a);
    /* Residual: output of conv_same_s2's shape. */
    a = nn_conv2d_attr_default();
    int cr = nn_conv2d_ex(g, "conv_residual", c, c4d(g, "w4", 8, 1, 1, 8), NN_NONE, c, &a);

    int pm = nn_maxpool(g, "maxpool_valid", c, 3, 2, NN_PADDING_VALID);
    nn_pool2d_attr pa = {OPS_POOL_AVG, 3, 3, 2, 2, NN_PADDING_EXPLICIT, 1, 1, 1, 1, 1};
    int pavg = nn_pool2d_ex(g, "avgpool_pad1", x, &pa);
    pa.kind = OPS_POOL_L2;
    pa.padding = NN_PADDING_SAME;
    pa.pad_top = pa.pad_bottom = pa.pad_left = pa.pad_right = 0;
    int pl2 = nn_pool2d_ex(g, "l2pool_same", x, &pa);
    int gap = nn_global_avgpool(g, "gap", c);
    int bn = nn_batchnorm(g, "bn", c, cvec(g, "m", 8), cvec(g, "v", 8), cvec(g, "ga", 8),
                          cvec(g, "be", 8), 1e-3f);
    int af = nn_affine(g, "affine", bn, cvec(g, "s", 8), NN_NONE);
    int fl = nn_flatten(g, "flatten", gap);
    int de = nn_dense(g, "dense", fl, c2d(g, "fw", 5, 8), cvec(g, "fb", 5), OPS_ACT_NONE);
    /* Dense straight on a 4x5x8 map: K = 160 in NHWC order. */
    int ds = nn_dense(g, "dense_spatial", c, c2d(g, "fsw", 3, 160), NN_NONE, OPS_ACT_RELU);
    int ac = nn_act(g, "tanh", de, OPS_ACT_TANH);
    int pr = nn_prelu(g, "prelu", af, cvec(g, "slope", 8));
    int bc = nn_binary(g, "mul_per_channel", OPS_MUL, pr, cvec(g, "k", 8));
    int bs = nn_binary(g, "sub", OPS_SUB, bc, c);
    const int parts[3] = {c, bs, cr};
    int cat = nn_concat(g, "concat", parts, 3);
    const ops_pad_params pp = {1, 0, 2, 1, 1, 2};
    int pd = nn_pad(g, "pad", c, &pp);
    const nn_lrn_attr la = {2, 1.0f, 1e-4f, 0.75f};
    int lr = nn_lrn(g, "lrn", pd, &la);
    int l2 = nn_l2norm(g, "l2norm", lr, 1e-10f);
    int rs = nn_resize_bilinear(g, "resize", c, 3, 11, 0);
    int rh = nn_reshape(g, "reshape", c, 2, -1, 4);
    int rh2 = nn_reshape(g, "reshape_full", rh, 5, 8, 4);
    assert_int_equal(nn_output(g, ac), NN_OK);
    assert_int_equal(nn_output(g, cat), NN_OK);
    assert_int_equal(nn_output(g, l2), NN_OK);
    if (nn_graph_validate(g) != NN_OK)
        fail_msg("validate: %s", nn_graph_error(g));

    expect_shape(g, c, 4, 5, 8);
    expect_shape(g, cd, 5, 7, 4);
    expect_shape(g, cg, 5, 7, 6);
    expect_shape(g, cr, 4, 5, 8);
    expect_shape(g, pm, 1, 2, 8);     /* (4-3)/2+1, (5-3)/2+1 */
    expect_shape(g, pavg, 4, 5, 3);   /* (7+2-3)/2+1, (9+2-3)/2+1 */
    expect_shape(g, pl2, 4, 5, 3);    /* ceil(7/2), ceil(9/2) */
    expect_shape(g, gap, 1, 1, 8);
    expect_shape(g, bn, 4, 5, 8);
    expect_shape(g, af, 4, 5, 8);
    expect_shape(g, fl, 1, 1, 8);
    expect_shape(g, de, 1, 1, 5);
    expect_shape(g, ac, 1, 1, 5);
    expect_shape(g, ds, 1, 1, 3);
    expect_shape(g, pr, 4, 5, 8);
    expect_shape(g, bc, 4, 5, 8);
    expect_shape(g, bs, 4, 5, 8);
    expect_shape(g, cat, 4, 5, 24);
    expect_shape(g, pd, 5, 8, 11);    /* 4+1+0, 5+2+1, 8+1+2 */
    expect_shape(g, lr, 5, 8, 11);
    expect_shape(g, l2, 5, 8, 11);
    expect_shape(g, rs, 3, 11, 8);
    expect_shape(g, rh, 2, 20, 4);    /* 160 elements */
    expect_shape(g, rh2, 5, 8, 4);

    /* With a batch, every kernel's glue runs once (ASan watches the bounds). */
    nn_plan *p;
    if (nn_plan_create(g, 3, NULL, &p) != NN_OK)
        fail_msg("plan: %s", nn_graph_error(g));
    nn_value_plan vp;
    assert_int_equal(nn_plan_value(p, cat, &vp), NN_OK);
    assert_int_equal(vp.shape.dims[0], 3);
    assert_int_equal(vp.bytes, 3 * 4 * 5 * 24 * sizeof(float));
    float *in = malloc(3 * 7 * 9 * 3 * sizeof *in);
    float *o0 = malloc(3 * 5 * sizeof *o0), *o1 = malloc(3 * 4 * 5 * 24 * sizeof *o1);
    float *o2 = malloc(3 * 5 * 8 * 11 * sizeof *o2);
    assert_true(in && o0 && o1 && o2);
    uint32_t s = 12345;
    for (int i = 0; i < 3 * 7 * 9 * 3; i++)
        in[i] = rnd(&s);
    const float *ins[1] = {in};
    float *outs[3] = {o0, o1, o2};
    assert_int_equal(nn_run(p, ins, outs), NN_OK);
    for (int i = 0; i < 3 * 5; i++)
        assert_true(isfinite(o0[i]));
    for (int i = 0; i < 3 * 5 * 8 * 11; i++)
        assert_true(isfinite(o2[i]));
    free(in), free(o0), free(o1), free(o2);
    nn_plan_destroy(p);
    nn_graph_destroy(g);
}

/* ---- validation failures --------------------------------------------------- */

typedef struct reject_case {
    const char *what;
    void (*build)(nn_graph *g);
    nn_status want;
    const char *sub1, *sub2; /* both must appear in the reason */
} reject_case;

/* Two nodes reading each other's output: the loader's "graph with a cycle". */
static void bad_cycle(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 2);
    int v1 = nn_declare(g, "v1"), v2 = nn_declare(g, "v2");
    const int in_a[2] = {v2, x};
    const int in_b[2] = {v1, x};
    nn_attr at;
    memset(&at, 0, sizeof at);
    at.binary = OPS_ADD;
    nn_node_add(g, NN_OP_BINARY, "a", in_a, 2, v1, &at);
    nn_node_add(g, NN_OP_BINARY, "b", in_b, 2, v2, &at);
    nn_output(g, v2);
}

static void bad_never_produced(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 2);
    int ghost = nn_declare(g, "ghost");
    nn_output(g, nn_add(g, "add", x, ghost));
}

static void bad_arity(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 2);
    int y = nn_declare(g, "y");
    nn_node_add(g, NN_OP_PRELU, "prelu1", &x, 1, y, NULL);
    nn_output(g, y);
}

static void bad_missing_weights(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 2);
    nn_output(g, nn_conv2d(g, "conv1", x, NN_NONE, NN_NONE, 1, NN_PADDING_SAME, OPS_ACT_NONE));
}

static void bad_const_as_activation(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 2);
    int k = cvec(g, "k", 32);
    nn_output(g, nn_add(g, "add1", k, x));
}

static void bad_activation_as_weights(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 2);
    nn_output(g, nn_prelu(g, "prelu1", x, x));
}

static void bad_shape_add(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 5, 8);
    int y = nn_conv2d(g, "narrow", x, c4d(g, "w", 7, 1, 1, 8), NN_NONE, 1, NN_PADDING_VALID,
                      OPS_ACT_NONE);
    nn_output(g, nn_add(g, "add1", x, y));
}

static void bad_shape_residual(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 8);
    nn_conv2d_attr a = nn_conv2d_attr_default();
    a.stride_h = a.stride_w = 2;
    nn_output(g, nn_conv2d_ex(g, "conv_down", x, c4d(g, "w", 8, 1, 1, 8), NN_NONE, x, &a));
}

static void bad_shape_concat(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 2);
    int y = nn_maxpool(g, "pool", x, 2, 2, NN_PADDING_VALID);
    const int xs[2] = {x, y};
    nn_output(g, nn_concat(g, "cat", xs, 2));
}

static void bad_dense_spatial_k(nn_graph *g)
{
    int x = nn_input(g, "x", 2, 2, 3);
    nn_output(g, nn_dense(g, "fc", x, c2d(g, "w", 4, 3), NN_NONE, OPS_ACT_NONE));
}

static void bad_reshape_count(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 3);
    nn_output(g, nn_reshape(g, "rs", x, 5, 1, 9));
}

static void bad_empty_output(nn_graph *g)
{
    int x = nn_input(g, "x", 3, 3, 1);
    nn_output(g, nn_conv2d(g, "conv5", x, c4d(g, "w", 2, 5, 5, 1), NN_NONE, 1, NN_PADDING_VALID,
                           OPS_ACT_NONE));
}

static void bad_stride0(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 2);
    nn_output(g, nn_conv2d(g, "conv_s0", x, c4d(g, "w", 2, 3, 3, 2), NN_NONE, 0, NN_PADDING_SAME,
                           OPS_ACT_NONE));
}

static void bad_pads_with_same(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 2);
    nn_conv2d_attr a = nn_conv2d_attr_default();
    a.padding = NN_PADDING_SAME;
    a.pad_left = 1;
    nn_output(g, nn_conv2d_ex(g, "conv_p", x, c4d(g, "w", 2, 3, 3, 2), NN_NONE, NN_NONE, &a));
}

static void bad_act_enum(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 2);
    nn_output(g, nn_act(g, "act9", x, (ops_act)9));
}

static void bad_pool_pad(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 2);
    nn_pool2d_attr pa = {OPS_POOL_MAX, 2, 2, 1, 1, NN_PADDING_EXPLICIT, 2, 0, 0, 0, 0};
    nn_output(g, nn_pool2d_ex(g, "pool_pad2", x, &pa));
}

static void bad_pool_window(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 2);
    nn_pool2d_attr pa = {OPS_POOL_AVG, 2000, 2, 1, 1, NN_PADDING_EXPLICIT, 1999, 1999, 0, 0, 1};
    nn_output(g, nn_pool2d_ex(g, "huge", x, &pa));
}

static void bad_lrn_bias(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 2);
    const nn_lrn_attr la = {1, 0.0f, 1e-4f, 0.75f};
    nn_output(g, nn_lrn(g, "lrn0", x, &la));
}

static void bad_groups(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 6);
    nn_conv2d_attr a = nn_conv2d_attr_default();
    a.groups = 4;
    nn_output(g, nn_conv2d_ex(g, "conv_g4", x, c4d(g, "w", 8, 1, 1, 2), NN_NONE, NN_NONE, &a));
}

static void bad_conv_weights_cin(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 3);
    nn_output(g, nn_conv2d(g, "conv_cin", x, c4d(g, "w", 8, 3, 3, 4), NN_NONE, 1,
                           NN_PADDING_SAME, OPS_ACT_NONE));
}

static void bad_conv_weights_ndim(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 3);
    nn_output(g, nn_conv2d(g, "conv_2d_w", x, c2d(g, "w", 8, 27), NN_NONE, 1, NN_PADDING_SAME,
                           OPS_ACT_NONE));
}

static void bad_conv_bias_count(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 3);
    nn_output(g, nn_conv2d(g, "conv_b", x, c4d(g, "w", 8, 3, 3, 3), cvec(g, "b", 7), 1,
                           NN_PADDING_SAME, OPS_ACT_NONE));
}

static void bad_bn_count(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 8);
    nn_output(g, nn_batchnorm(g, "bn1", x, cvec(g, "mean", 8), cvec(g, "var", 8),
                              cvec(g, "gamma", 7), cvec(g, "beta", 8), 1e-3f));
}

static float neg_var[8] = {1, 1, 1, -2, 1, 1, 1, 1};
static void bad_bn_var(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 8);
    nn_output(g, nn_batchnorm(g, "bn1", x, cvec(g, "mean", 8),
                              nn_const_vec(g, "var", neg_var, 8), cvec(g, "gamma", 8),
                              cvec(g, "beta", 8), 1e-3f));
}

static void bad_dense_weights(nn_graph *g)
{
    int x = nn_input(g, "x", 1, 1, 12);
    nn_output(g, nn_dense(g, "fc", x, c2d(g, "w", 4, 10), NN_NONE, OPS_ACT_NONE));
}

static void bad_binary_const(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 8);
    nn_output(g, nn_binary(g, "scale", OPS_MUL, x, cvec(g, "k", 6)));
}

static void bad_produced_twice(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 2);
    int y = nn_act(g, "relu1", x, OPS_ACT_RELU);
    nn_attr at;
    memset(&at, 0, sizeof at);
    at.act = OPS_ACT_RELU;
    nn_node_add(g, NN_OP_ACT, "relu2", &x, 1, y, &at);
    nn_output(g, y);
}

static void bad_no_output(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 2);
    nn_act(g, "relu1", x, OPS_ACT_RELU);
}

static void bad_output_is_const(nn_graph *g)
{
    nn_input(g, "x", 4, 4, 2);
    nn_output(g, cvec(g, "k", 3));
}

static void bad_output_twice(nn_graph *g)
{
    int x = nn_input(g, "x", 4, 4, 2);
    int y = nn_act(g, "relu1", x, OPS_ACT_RELU);
    nn_output(g, y);
    nn_output(g, y);
}

static void bad_input_dims(nn_graph *g) { nn_input(g, "img", 0, 4, 3); }

static void bad_sticky(nn_graph *g)
{
    /* The first failure wins; later calls do nothing and return NN_NONE. */
    int x = nn_input(g, "x", 4, 4, 2);
    int y = nn_conv2d(g, "first_bad", x, 999, NN_NONE, 1, NN_PADDING_SAME, OPS_ACT_NONE);
    assert_int_equal(y, NN_NONE);
    int z = nn_act(g, "later", x, (ops_act)42);
    assert_int_equal(z, NN_NONE);
    assert_int_equal(nn_input(g, "x2", 4, 4, 2), NN_NONE);
}

static const reject_case reject_cases[] = {
    {"cycle", bad_cycle, NN_ERR_GRAPH, "node #0 'a' (binary): input 0 (a) 'v2'",
     "used before it is produced (by node #1 'b')"},
    {"never produced", bad_never_produced, NN_ERR_GRAPH, "node #0 'add' (binary)",
     "'ghost' is never produced"},
    {"arity", bad_arity, NN_ERR_GRAPH, "node #0 'prelu1' (prelu)", "takes 2 to 2 inputs, got 1"},
    {"missing weights", bad_missing_weights, NN_ERR_GRAPH, "node #0 'conv1' (conv2d)",
     "input 1 (weights) is missing"},
    {"constant as activation", bad_const_as_activation, NN_ERR_GRAPH, "node #0 'add1'",
     "'k' is a constant, this slot takes an activation"},
    {"activation as weights", bad_activation_as_weights, NN_ERR_GRAPH, "node #0 'prelu1'",
     "input 1 (slope) 'x' is an activation"},
    {"add shapes", bad_shape_add, NN_ERR_SHAPE, "node #1 'add1' (binary)",
     "b 'narrow' is 4x5x7, a 'x' is 4x5x8"},
    {"residual shape", bad_shape_residual, NN_ERR_SHAPE, "node #0 'conv_down'",
     "residual 'x' is 4x4x8, the output is 2x2x8"},
    {"concat H/W", bad_shape_concat, NN_ERR_SHAPE, "node #1 'cat' (concat)",
     "input 1 'pool' is 2x2, input 0 is 4x4"},
    {"dense K of a 2x2x3 input", bad_dense_spatial_k, NN_ERR_WEIGHTS, "node #0 'fc' (dense)",
     "must be [M][K] with K = 12 input features (2x2x3; ndim 2, last dim 3)"},
    {"reshape count", bad_reshape_count, NN_ERR_SHAPE, "node #0 'rs' (reshape)",
     "cannot reshape 4x4x3 (48 elements) to 5x1x9"},
    {"empty output", bad_empty_output, NN_ERR_SHAPE, "node #0 'conv5'",
     "empty output: input 3x3"},
    {"stride 0", bad_stride0, NN_ERR_ATTR, "node #0 'conv_s0' (conv2d)",
     "attribute stride_h is 0"},
    {"pads with SAME", bad_pads_with_same, NN_ERR_ATTR, "node #0 'conv_p'",
     "pad_left is 1, must be 0 unless padding is EXPLICIT"},
    {"act enum", bad_act_enum, NN_ERR_ATTR, "node #0 'act9' (act)", "attribute act is 9"},
    {"pool pad >= window", bad_pool_pad, NN_ERR_ATTR, "node #0 'pool_pad2' (pool2d)",
     "pad_top is 2, must be smaller than the window (2)"},
    {"pool window cap", bad_pool_window, NN_ERR_ATTR, "node #0 'huge' (pool2d)",
     "attribute kh is 2000, must be 1..1024"},
    {"lrn bias", bad_lrn_bias, NN_ERR_ATTR, "node #0 'lrn0' (lrn)", "need finite bias > 0"},
    {"groups", bad_groups, NN_ERR_SHAPE, "node #0 'conv_g4'",
     "groups 4 must divide input channels 6"},
    {"conv weights c_in", bad_conv_weights_cin, NN_ERR_WEIGHTS, "node #0 'conv_cin'",
     "weights 'w' are [8][3][3][4]: the last dim must be input channels / groups = 3"},
    {"conv weights ndim", bad_conv_weights_ndim, NN_ERR_WEIGHTS, "node #0 'conv_2d_w'",
     "have 2 dims, expected 4"},
    {"conv bias count", bad_conv_bias_count, NN_ERR_WEIGHTS, "node #0 'conv_b'",
     "input 2 (bias) 'b' has 7 elements, expected 8"},
    {"bn count", bad_bn_count, NN_ERR_WEIGHTS, "node #0 'bn1' (batchnorm)",
     "input 3 (gamma) 'gamma' has 7 elements, expected 8"},
    {"bn variance", bad_bn_var, NN_ERR_WEIGHTS, "node #0 'bn1'", "var 'var'[3] is -2"},
    {"dense weights", bad_dense_weights, NN_ERR_WEIGHTS, "node #0 'fc' (dense)",
     "must be [M][K] with K = 12"},
    {"binary constant count", bad_binary_const, NN_ERR_WEIGHTS, "node #0 'scale'",
     "'k' has 6 elements, expected 8"},
    {"produced twice", bad_produced_twice, NN_ERR_GRAPH, "node #1 'relu2' (act)",
     "output 'relu1' is already produced by node #0 'relu1'"},
    {"no output", bad_no_output, NN_ERR_GRAPH, "graph has no output", ""},
    {"output is a constant", bad_output_is_const, NN_ERR_GRAPH,
     "graph output 'k' is a constant", ""},
    {"output twice", bad_output_twice, NN_ERR_GRAPH,
     "value 'relu1' is marked as a graph output twice", ""},
    {"input dims", bad_input_dims, NN_ERR_ARG, "input 'img'", "dimension 1 is 0"},
    {"sticky", bad_sticky, NN_ERR_GRAPH, "node #0 'first_bad' (conv2d)",
     "input 1 is value id 999, not in 0..1"},
};

static void test_rejects(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof reject_cases / sizeof reject_cases[0]; i++) {
        const reject_case *rc = &reject_cases[i];
        nn_graph *g;
        assert_int_equal(nn_graph_create(&g), NN_OK);
        rc->build(g);
        nn_status s = nn_graph_validate(g);
        const char *err = nn_graph_error(g);
        printf("  %-24s %-14s %s\n", rc->what, nn_strerror(s), err);
        if (s != rc->want || !strstr(err, rc->sub1) || !strstr(err, rc->sub2))
            fail_msg("case '%s': status %d (%s), want %d; reason \"%s\" must contain \"%s\" and "
                     "\"%s\"",
                     rc->what, s, nn_strerror(s), rc->want, err, rc->sub1, rc->sub2);
        /* A rejected graph cannot be planned either, and says the same. */
        nn_plan *p = (nn_plan *)&p;
        assert_int_equal(nn_plan_create(g, 1, NULL, &p), s);
        assert_null(p);
        nn_graph_destroy(g);
    }
}

/* ---- the small residual network ------------------------------------------- */

typedef struct net_ids {
    int x;
    int y, emb; /* outputs 0 and 1 */
} net_ids;

/* Weights by name from the golden file, or the dummy buffer. */
static const float *wt(const golden_file *gf, const char *name)
{
    if (!gf)
        return dummy;
    const golden_tensor *t = golden_find(gf, name);
    if (!t || t->dtype != GOLDEN_F32)
        fail_msg("%s: no float tensor '%s'", GOLDEN_PATH, name);
    return t->f;
}

/* The network of tests/gen_nn_golden.py, written with the builder API. */
static net_ids build_small_resnet(nn_graph *g, const golden_file *gf)
{
    net_ids id;
    const int w33_3_8[4] = {8, 3, 3, 3}, w33_8_8[4] = {8, 3, 3, 8}, w11_8_12[4] = {12, 1, 1, 8};
    const int fc_dims[2] = {5, 12};
    id.x = nn_input(g, "x", 9, 11, 3);
    int c1 = nn_conv2d(g, "c1", id.x, nn_const(g, "c1.w", wt(gf, "c1.w"), 4, w33_3_8),
                       nn_const_vec(g, "c1.b", wt(gf, "c1.b"), 8), 1, NN_PADDING_SAME,
                       OPS_ACT_NONE);
    int bn1 = nn_batchnorm(g, "bn1", c1, nn_const_vec(g, "bn1.mean", wt(gf, "bn1.mean"), 8),
                           nn_const_vec(g, "bn1.var", wt(gf, "bn1.var"), 8),
                           nn_const_vec(g, "bn1.gamma", wt(gf, "bn1.gamma"), 8),
                           nn_const_vec(g, "bn1.beta", wt(gf, "bn1.beta"), 8), 1e-3f);
    int r1 = nn_act(g, "r1", bn1, OPS_ACT_RELU);
    int p1 = nn_maxpool(g, "p1", r1, 3, 2, NN_PADDING_SAME);
    int c2 = nn_conv2d(g, "c2", p1, nn_const(g, "c2.w", wt(gf, "c2.w"), 4, w33_8_8),
                       nn_const_vec(g, "c2.b", wt(gf, "c2.b"), 8), 1, NN_PADDING_SAME,
                       OPS_ACT_RELU);
    nn_conv2d_attr a = nn_conv2d_attr_default();
    a.padding = NN_PADDING_SAME;
    a.act = OPS_ACT_RELU;
    int c3 = nn_conv2d_ex(g, "c3", c2, nn_const(g, "c3.w", wt(gf, "c3.w"), 4, w33_8_8),
                          nn_const_vec(g, "c3.b", wt(gf, "c3.b"), 8), p1, &a);
    int c4 = nn_conv2d(g, "c4", c3, nn_const(g, "c4.w", wt(gf, "c4.w"), 4, w11_8_12), NN_NONE, 2,
                       NN_PADDING_VALID, OPS_ACT_NONE);
    int sc = nn_avgpool(g, "sc", c3, 2, 2, NN_PADDING_SAME);
    const ops_pad_params cpad = {0, 0, 0, 0, 0, 4};
    int scp = nn_pad(g, "scp", sc, &cpad);
    int a1 = nn_add(g, "a1", c4, scp);
    int r2 = nn_act(g, "r2", a1, OPS_ACT_RELU);
    int gap = nn_global_avgpool(g, "gap", r2);
    int fl = nn_flatten(g, "flat", gap);
    id.y = nn_dense(g, "fc", fl, nn_const(g, "fc.w", wt(gf, "fc.w"), 2, fc_dims),
                    nn_const_vec(g, "fc.b", wt(gf, "fc.b"), 5), OPS_ACT_NONE);
    id.emb = nn_l2norm(g, "emb", id.y, 1e-10f);
    nn_output(g, id.y);
    nn_output(g, id.emb);
    return id;
}

/* Roundings along the longest path of the network, for golden_compare's k:
 * each layer's reduction length plus 3 for its bias, normalisation or
 * activation steps. c1 27, bn1 1, c2 72, c3 72 (+1 residual), c4 8 (the
 * avg-pool branch, 4, is shorter), add 1, gap 9, fc 12: 203 + 3 * 8. */
#define NET_K (203.0 + 3.0 * 8.0)
/* The L2 normalisation adds a 5-term sum, a sqrt and a division. */
#define EMB_K (NET_K + 5.0 + 3.0)

static void test_small_resnet_golden(void **state)
{
    (void)state;
    golden_file gf;
    if (golden_load(GOLDEN_PATH, &gf) != 0)
        fail_msg("cannot load %s", GOLDEN_PATH);
    nn_graph *g;
    assert_int_equal(nn_graph_create(&g), NN_OK);
    net_ids id = build_small_resnet(g, &gf);
    nn_plan *p;
    if (nn_plan_create(g, 2, NULL, &p) != NN_OK)
        fail_msg("plan: %s", nn_graph_error(g));
    printf("  small resnet, N = 2: arena %zu bytes, sum of intermediate tensors %zu bytes\n",
           nn_plan_arena_bytes(p), nn_plan_tensor_bytes(p));
    assert_true(nn_plan_arena_bytes(p) < nn_plan_tensor_bytes(p));
    /* MACs by hand, N = 2: c1 9*11*8*27, c2 and c3 5*6*8*72 each, c4 3*3*12*8,
     * fc 12*5. */
    const double macs = 2.0 * (9 * 11 * 8 * 27 + 2 * 5 * 6 * 8 * 72 + 3 * 3 * 12 * 8 + 12 * 5);
    assert_true(nn_plan_macs(p) == macs);
    assert_true(nn_plan_node_macs(p, 0) == 2.0 * 9 * 11 * 8 * 27);
    printf("  small resnet, N = 2: %.0f multiply-adds\n", nn_plan_macs(p));

    const golden_tensor *x = golden_find(&gf, "x");
    assert_non_null(x);
    assert_int_equal(x->count, 2 * 9 * 11 * 3);
    float y[2 * 5], emb[2 * 5];
    const float *ins[1] = {x->f};
    float *outs[2] = {y, emb};
    uint64_t ns[64];
    assert_true(nn_graph_node_count(g) <= 64);
    nn_run_opts ro = {ns};
    memset(ns, 0, sizeof ns);
    assert_int_equal(nn_run_ex(p, ins, outs, &ro), NN_OK);
    size_t bad = golden_compare("small_resnet y", y, golden_find(&gf, "y"),
                                golden_find(&gf, "y.mag"), NET_K, 2);
    bad += golden_compare("small_resnet emb", emb, golden_find(&gf, "emb"),
                          golden_find(&gf, "emb.mag"), EMB_K, 2);
    assert_int_equal(bad, 0);
    (void)id;

    /* The timing hook: every node got a time (a view takes ~0, so only
     * the sum is required to be positive). */
    uint64_t total = 0;
    for (int i = 0; i < nn_graph_node_count(g); i++)
        total += ns[i];
    assert_true(total > 0);

    nn_plan_destroy(p);
    nn_graph_destroy(g);
    golden_free(&gf);
}

/* ---- planner invariants ---------------------------------------------------- */

static int root_of(const nn_value_plan *vp, int v) { return vp[v].view_of >= 0 ? vp[v].view_of : v; }

/* v is written over u's storage at node t = v.first = u.last by an elementwise node. */
static int handover(const nn_graph *g, const nn_value_plan *vp, int u, int v)
{
    if (vp[v].inplace_of < 0 || vp[v].first != vp[u].last)
        return 0;
    if (root_of(vp, vp[v].inplace_of) != root_of(vp, u))
        return 0;
    nn_op op = nn_graph_node(g, vp[v].first)->op;
    int elementwise = op == NN_OP_BATCHNORM || op == NN_OP_AFFINE || op == NN_OP_ACT ||
                      op == NN_OP_PRELU || op == NN_OP_BINARY || op == NN_OP_L2NORM;
    return elementwise && vp[u].offset == vp[v].offset && vp[u].bytes == vp[v].bytes;
}

/* Exhaustive: every pair of arena values. Returns the number of in-place
 * handovers seen. */
static int check_plan(const nn_graph *g, const nn_plan *p, int inplace)
{
    int nv = nn_graph_value_count(g);
    nn_value_plan *vp = calloc((size_t)nv, sizeof *vp);
    assert_non_null(vp);
    size_t arena = nn_plan_arena_bytes(p), sum = 0;
    for (int v = 0; v < nv; v++) {
        assert_int_equal(nn_plan_value(p, v, &vp[v]), NN_OK);
        const nn_value *val = nn_graph_value(g, v);
        if (val->kind == NN_VALUE_INPUT)
            assert_int_equal(vp[v].storage, NN_STORAGE_INPUT);
        else if (val->kind == NN_VALUE_CONST)
            assert_int_equal(vp[v].storage, NN_STORAGE_CONST);
        else if (val->output_index >= 0)
            assert_int_equal(vp[v].storage, NN_STORAGE_OUTPUT);
        if (vp[v].storage != NN_STORAGE_ARENA || vp[v].bytes == 0)
            continue;
        assert_int_equal(vp[v].offset % 64, 0);
        assert_true(vp[v].offset + vp[v].bytes <= arena);
        assert_true(vp[v].first >= 0 && vp[v].first <= vp[v].last);
        if (vp[v].view_of >= 0)
            assert_int_equal(vp[v].offset, vp[vp[v].view_of].offset);
        else
            sum += vp[v].bytes;
        if (!inplace)
            assert_int_equal(vp[v].inplace_of, -1);
    }
    for (int i = 0; i < nn_graph_node_count(g); i++)
        sum += nn_plan_node_scratch(p, i); /* SIMD kernels' scratch is in the arena too */
    assert_int_equal(sum, nn_plan_tensor_bytes(p));
    int handovers = 0;
    for (int u = 0; u < nv; u++)
        for (int v = u + 1; v < nv; v++) {
            const nn_value_plan *a = &vp[u], *b = &vp[v];
            if (a->storage != NN_STORAGE_ARENA || b->storage != NN_STORAGE_ARENA ||
                a->bytes == 0 || b->bytes == 0)
                continue;
            int live_together = a->first <= b->last && b->first <= a->last;
            int share_bytes = a->offset < b->offset + b->bytes && b->offset < a->offset + a->bytes;
            if (!live_together || !share_bytes)
                continue;
            if (root_of(vp, u) == root_of(vp, v))
                continue; /* a reshape view and its storage: never written after the view */
            if (handover(g, vp, u, v) || handover(g, vp, v, u)) {
                handovers++;
                continue;
            }
            fail_msg("values '%s' [%d,%d] @%zu+%zu and '%s' [%d,%d] @%zu+%zu are live together "
                     "and share bytes",
                     nn_graph_value(g, u)->name, a->first, a->last, a->offset, a->bytes,
                     nn_graph_value(g, v)->name, b->first, b->last, b->offset, b->bytes);
        }
    free(vp);
    return handovers;
}

typedef struct branchy_ids {
    int x, out, f;
} branchy_ids;

/* Views of views, in-place over a view, several readers of one value, a
 * concat of three branches, and an output that later nodes read. */
static branchy_ids build_branchy(nn_graph *g)
{
    branchy_ids id;
    id.x = nn_input(g, "x", 8, 8, 4);
    int a = nn_conv2d(g, "a", id.x, c4d(g, "wa", 8, 3, 3, 4), cvec(g, "ba", 8), 1,
                      NN_PADDING_SAME, OPS_ACT_NONE);
    int b = nn_act(g, "b", a, OPS_ACT_RELU);
    int v = nn_reshape(g, "v", b, 4, 16, 8);
    int v2 = nn_reshape(g, "v2", v, 8, 8, 8);
    int c = nn_act(g, "c", v2, OPS_ACT_SIGMOID);
    int d = nn_conv2d(g, "d", c, c4d(g, "wd", 8, 1, 1, 8), NN_NONE, 1, NN_PADDING_VALID,
                      OPS_ACT_NONE);
    /* c is read again below: e may only take d's storage (its input 1). */
    int e = nn_add(g, "e", c, d);
    int e2 = nn_binary(g, "e2", OPS_MUL, e, c);
    id.f = nn_maxpool(g, "f", e2, 2, 2, NN_PADDING_VALID);
    int g1 = nn_conv2d(g, "g1", id.f, c4d(g, "wg1", 6, 1, 1, 8), NN_NONE, 1, NN_PADDING_VALID,
                       OPS_ACT_RELU);
    int g2 = nn_conv2d(g, "g2", id.f, c4d(g, "wg2", 5, 3, 3, 8), NN_NONE, 1, NN_PADDING_SAME,
                       OPS_ACT_TANH);
    const int parts[3] = {g1, g2, id.f};
    int cat = nn_concat(g, "cat", parts, 3);
    int h = nn_l2norm(g, "h", cat, 1e-6f);
    int s = nn_affine(g, "s", h, cvec(g, "sc", 19), cvec(g, "sh", 19));
    int gap = nn_global_avgpool(g, "gap", s);
    int fl = nn_flatten(g, "fl", gap);
    id.out = nn_dense(g, "fc", fl, c2d(g, "wfc", 3, 19), NN_NONE, OPS_ACT_NONE);
    nn_output(g, id.out);
    nn_output(g, id.f);
    return id;
}

static void test_planner_invariants(void **state)
{
    (void)state;
    for (int which = 0; which < 2; which++) {
        nn_graph *g;
        assert_int_equal(nn_graph_create(&g), NN_OK);
        const char *gname = which == 0 ? "small_resnet" : "branchy";
        if (which == 0)
            build_small_resnet(g, NULL);
        else
            build_branchy(g);
        for (int batch = 1; batch <= 3; batch++)
            for (int inplace = 0; inplace <= 1; inplace++) {
                nn_plan_opts po = {0};
                po.no_inplace = !inplace;
                nn_plan *p;
                if (nn_plan_create(g, batch, &po, &p) != NN_OK)
                    fail_msg("plan: %s", nn_graph_error(g));
                int ho = check_plan(g, p, inplace);
                printf("  %-12s N=%d in-place %-3s: arena %6zu bytes, sum of tensors %6zu "
                       "bytes, %d in-place handovers\n",
                       gname, batch, inplace ? "on" : "off", nn_plan_arena_bytes(p),
                       nn_plan_tensor_bytes(p), ho);
                assert_true(nn_plan_arena_bytes(p) < nn_plan_tensor_bytes(p));
                if (inplace)
                    assert_true(ho > 0);
                nn_plan_destroy(p);
            }
        nn_graph_destroy(g);
    }
}

/* In-place on or off, and batch 3 against three runs of batch 1: the same
 * bits (the same kernels on the same data, only the memory differs). */
static void test_same_bits(void **state)
{
    (void)state;
    nn_graph *g;
    assert_int_equal(nn_graph_create(&g), NN_OK);
    build_branchy(g);
    enum { B = 3, XN = 8 * 8 * 4, ON = 3, FN = 4 * 4 * 8 };
    float x[B * XN], out[3][B * ON], f[3][B * FN];
    uint32_t s = 777;
    for (int i = 0; i < B * XN; i++)
        x[i] = rnd(&s);
    nn_plan *p_in, *p_out, *p_one;
    nn_plan_opts off = {0};
    off.no_inplace = 1;
    assert_int_equal(nn_plan_create(g, B, NULL, &p_in), NN_OK);
    assert_int_equal(nn_plan_create(g, B, &off, &p_out), NN_OK);
    assert_int_equal(nn_plan_create(g, 1, NULL, &p_one), NN_OK);
    const float *ins[1] = {x};
    float *o_in[2] = {out[0], f[0]}, *o_out[2] = {out[1], f[1]};
    assert_int_equal(nn_run(p_in, ins, o_in), NN_OK);
    assert_int_equal(nn_run(p_out, ins, o_out), NN_OK);
    for (int n = 0; n < B; n++) {
        const float *in1[1] = {x + n * XN};
        float *o1[2] = {out[2] + n * ON, f[2] + n * FN};
        assert_int_equal(nn_run(p_one, in1, o1), NN_OK);
    }
    assert_memory_equal(out[0], out[1], sizeof out[0]);
    assert_memory_equal(out[0], out[2], sizeof out[0]);
    assert_memory_equal(f[0], f[1], sizeof f[0]);
    assert_memory_equal(f[0], f[2], sizeof f[0]);
    for (int i = 0; i < B * ON; i++)
        assert_true(isfinite(out[0][i]));
    nn_plan_destroy(p_in);
    nn_plan_destroy(p_out);
    nn_plan_destroy(p_one);
    nn_graph_destroy(g);
}

/* ---- plan and run arguments ------------------------------------------------ */

static void test_plan_and_run_args(void **state)
{
    (void)state;
    nn_graph *g;
    assert_int_equal(nn_graph_create(&g), NN_OK);
    build_small_resnet(g, NULL);
    nn_plan *p;
    assert_int_equal(nn_plan_create(g, 0, NULL, &p), NN_ERR_ARG);
    assert_non_null(strstr(nn_graph_error(g), "batch 0: must be 1..4096"));
    assert_int_equal(nn_plan_create(g, NN_MAX_BATCH + 1, NULL, &p), NN_ERR_LIMIT);
    /* A plan failure does not poison the graph. */
    assert_int_equal(nn_graph_status(g), NN_OK);
    const ops_isa isa = ops_isa_active();
    ops_isa_select(OPS_ISA_SCALAR); /* the reference kernels name themselves "scalar" */
    assert_int_equal(nn_plan_create(g, 1, NULL, &p), NN_OK);
    ops_isa_select(isa);
    float x[9 * 11 * 3] = {0}, y[5], e[5];
    const float *ins[1] = {x};
    const float *no_in[1] = {NULL};
    float *outs[2] = {y, e}, *half[2] = {y, NULL};
    assert_int_equal(nn_run(p, no_in, outs), NN_ERR_ARG);
    assert_string_equal(nn_plan_error(p), "input 0 is NULL");
    assert_int_equal(nn_run(p, ins, half), NN_ERR_ARG);
    assert_string_equal(nn_plan_error(p), "output 1 is NULL");
    assert_int_equal(nn_run(p, ins, outs), NN_OK);
    for (int i = 0; i < nn_graph_node_count(g); i++)
        assert_string_equal(nn_plan_node_variant(p, i),
                            nn_graph_node(g, i)->op == NN_OP_RESHAPE ? "view" : "scalar");
    nn_plan_destroy(p);

    /* Over NN_MAX_ELEMS with the batch: refused before allocating. */
    nn_graph *big;
    assert_int_equal(nn_graph_create(&big), NN_OK);
    int in = nn_input(big, "x", 1024, 1024, 64);
    nn_output(big, nn_act(big, "r", in, OPS_ACT_RELU));
    assert_int_equal(nn_plan_create(big, 64, NULL, &p), NN_ERR_LIMIT);
    assert_non_null(strstr(nn_graph_error(big), "value 'x': batch 64"));
    nn_graph_destroy(big);
    nn_graph_destroy(g);

    /* A graph input that is also a graph output is copied there; a dense
     * node on a spatial map reads it as [N][H*W*C]. */
    nn_graph *io;
    assert_int_equal(nn_graph_create(&io), NN_OK);
    int xi = nn_input(io, "x", 1, 2, 3);
    static const float fw[2 * 6] = {1, 2, 3, 4, 5, 6, -1, 0, 1, 0, -1, 0};
    const int fd[2] = {2, 6};
    int yi = nn_dense(io, "fc", xi, nn_const(io, "fw", fw, 2, fd), NN_NONE, OPS_ACT_NONE);
    assert_int_equal(nn_output(io, yi), NN_OK);
    assert_int_equal(nn_output(io, xi), NN_OK);
    assert_int_equal(nn_plan_create(io, 2, NULL, &p), NN_OK);
    const float xs[2 * 6] = {1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1};
    float ys[2 * 2], xcopy[2 * 6];
    const float *in_io[1] = {xs};
    float *out_io[2] = {ys, xcopy};
    assert_int_equal(nn_run(p, in_io, out_io), NN_OK);
    assert_memory_equal(xcopy, xs, sizeof xs);
    const float want[4] = {21, -1, 12, 0}; /* sums of weights at the ones, exact */
    assert_memory_equal(ys, want, sizeof want);
    nn_plan_destroy(p);
    nn_graph_destroy(io);
}

int main(void)
{
    fill_dummy();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_small_resnet_golden),
        cmocka_unit_test(test_planner_invariants),
        cmocka_unit_test(test_same_bits),
        cmocka_unit_test(test_plan_and_run_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
