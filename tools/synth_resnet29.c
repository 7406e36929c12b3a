/*
 * synth_resnet29.c - dlib ResNet-29 (face-api.js's face recognition net)
 * built with the nn/ builder API and filled with random weights, for the
 * benchmarks: time does not depend on weight values, so bench/ can measure
 * the network (and bench/peer_export_onnx.py the same network for ONNX
 * Runtime) before or without a converted model file.
 *
 * Structure (face-api.js src/faceRecognitionNet, scale layers folded into
 * the convs as our converter does):
 *   conv 7x7/2 VALID 32 + ReLU, max pool 3x3/2 VALID           150 -> 72 -> 35
 *   residual block: relu(conv3x3(relu(conv3x3(x))) + x), the add and the
 *     final ReLU fused into the second conv
 *   down block: c = conv3x3 SAME(relu(conv3x3/2 VALID(x))); shortcut =
 *     avg pool 2x2/2 VALID of x, zero-padded in channels; when the pool's map
 *     is larger (4x4 vs 3x3, 2x2 vs 1x1) c is zero-padded at the bottom and
 *     right first; out = relu(c + shortcut) (fused when the maps agree)
 *   3x32, down 64, 3x64, down 128, 2x128, down 256, 2x256, down 256,
 *   global mean, fc 256 -> 128 (no bias).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"
#include "tools/cli.h"

typedef struct synth {
    nn_graph *g;
    float *pool;      /* [cap] all weights, one block */
    size_t used, cap; /* floats */
    unsigned rng;
} synth;

static float synth_rand(synth *s)
{
    s->rng = s->rng * 1664525u + 1013904223u;
    return (float)(s->rng >> 8) / 16777216.0f - 0.5f;
}

/* A constant of n floats, uniform with the given scale. */
static int synth_const(synth *s, const char *name, int ndim, const int *dims, float scale)
{
    size_t n = 1;
    for (int i = 0; i < ndim; i++) n *= (size_t)dims[i];
    if (s->used + n > s->cap) return NN_NONE;
    float *d = s->pool + s->used;
    s->used += n;
    for (size_t i = 0; i < n; i++) d[i] = scale * synth_rand(s);
    return nn_const(s->g, name, d, ndim, dims);
}

static int conv(synth *s, const char *name, int x, int cin, int cout, int k, int stride,
                nn_padding pad, ops_act act, int residual)
{
    char wn[80], bn[80];
    snprintf(wn, sizeof wn, "%s/w", name);
    snprintf(bn, sizeof bn, "%s/b", name);
    const int wd[4] = {cout, k, k, cin}, bd[1] = {cout};
    /* half the He variance: with the residual adds, activations stay O(1)
     * through the 29 layers */
    const int w = synth_const(s, wn, 4, wd, sqrtf(6.0f / (float)(k * k * cin)));
    const int b = synth_const(s, bn, 1, bd, 0.02f);
    nn_conv2d_attr a = nn_conv2d_attr_default();
    a.stride_h = a.stride_w = stride;
    a.padding = pad;
    a.act = act;
    return nn_conv2d_ex(s->g, name, x, w, b, residual, &a);
}

static int block(synth *s, const char *name, int x, int c)
{
    char n1[64], n2[64];
    snprintf(n1, sizeof n1, "%s/conv1", name);
    snprintf(n2, sizeof n2, "%s/conv2", name);
    const int h = conv(s, n1, x, c, c, 3, 1, NN_PADDING_SAME, OPS_ACT_RELU, NN_NONE);
    return conv(s, n2, h, c, c, 3, 1, NN_PADDING_SAME, OPS_ACT_RELU, x);
}

/* in_hw: the map size of x. */
static int down(synth *s, const char *name, int x, int cin, int cout, int in_hw)
{
    char n[96];
    snprintf(n, sizeof n, "%s/pool", name);
    const int pooled = nn_avgpool(s->g, n, x, 2, 2, NN_PADDING_VALID);
    ops_pad_params pp;
    memset(&pp, 0, sizeof pp);
    pp.c_after = cout - cin;
    snprintf(n, sizeof n, "%s/shortcut", name);
    const int sc = nn_pad(s->g, n, pooled, &pp);
    snprintf(n, sizeof n, "%s/conv1", name);
    const int h = conv(s, n, x, cin, cout, 3, 2, NN_PADDING_VALID, OPS_ACT_RELU, NN_NONE);
    const int conv_hw = (in_hw - 3) / 2 + 1, pool_hw = in_hw / 2;
    snprintf(n, sizeof n, "%s/conv2", name);
    if (conv_hw == pool_hw)
        return conv(s, n, h, cout, cout, 3, 1, NN_PADDING_SAME, OPS_ACT_RELU, sc);
    const int c2 = conv(s, n, h, cout, cout, 3, 1, NN_PADDING_SAME, OPS_ACT_NONE, NN_NONE);
    ops_pad_params sp;
    memset(&sp, 0, sizeof sp);
    sp.bottom = sp.right = pool_hw - conv_hw;
    snprintf(n, sizeof n, "%s/conv2_pad", name);
    const int c2p = nn_pad(s->g, n, c2, &sp);
    snprintf(n, sizeof n, "%s/add", name);
    const int sum = nn_add(s->g, n, c2p, sc);
    snprintf(n, sizeof n, "%s/relu", name);
    return nn_act(s->g, n, sum, OPS_ACT_RELU);
}

int synth_resnet29(nn_graph **out_g, float **out_weights, char *err, size_t err_cap)
{
    *out_g = NULL;
    *out_weights = NULL;
    synth s;
    memset(&s, 0, sizeof s);
    s.rng = 20240601u;
    s.cap = (size_t)6 * 1000 * 1000; /* 5.6 M parameters in all */
    s.pool = malloc(s.cap * sizeof(float));
    if (!s.pool || nn_graph_create(&s.g) != NN_OK) {
        free(s.pool);
        snprintf(err, err_cap, "out of memory");
        return -1;
    }
    int x = nn_input(s.g, "input", 150, 150, 3);
    x = conv(&s, "conv32_down", x, 3, 32, 7, 2, NN_PADDING_VALID, OPS_ACT_RELU, NN_NONE);
    x = nn_maxpool(s.g, "pool", x, 3, 2, NN_PADDING_VALID);
    x = block(&s, "conv32_1", x, 32);
    x = block(&s, "conv32_2", x, 32);
    x = block(&s, "conv32_3", x, 32);
    x = down(&s, "conv64_down", x, 32, 64, 35);
    x = block(&s, "conv64_1", x, 64);
    x = block(&s, "conv64_2", x, 64);
    x = block(&s, "conv64_3", x, 64);
    x = down(&s, "conv128_down", x, 64, 128, 17);
    x = block(&s, "conv128_1", x, 128);
    x = block(&s, "conv128_2", x, 128);
    x = down(&s, "conv256_down", x, 128, 256, 8);
    x = block(&s, "conv256_1", x, 256);
    x = block(&s, "conv256_2", x, 256);
    x = down(&s, "conv256_down_out", x, 256, 256, 4);
    x = nn_global_avgpool(s.g, "mean", x);
    const int fd[2] = {128, 256};
    const int fc = synth_const(&s, "fc", 2, fd, 0.2f);
    x = nn_dense(s.g, "fc", x, fc, NN_NONE, OPS_ACT_NONE);
    if (x != NN_NONE) nn_output(s.g, x);
    if (nn_graph_validate(s.g) != NN_OK) {
        snprintf(err, err_cap, "%s", nn_graph_error(s.g));
        nn_graph_destroy(s.g);
        free(s.pool);
        return -1;
    }
    *out_g = s.g;
    *out_weights = s.pool;
    return 0;
}
