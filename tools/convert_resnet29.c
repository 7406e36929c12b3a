/*
 * convert_resnet29.c - dlib's ResNet-29 face descriptor from the tfjs
 * weights of npm @vladmandic/face-api into our graph.
 *
 * The layers follow the package's src/faceRecognitionNet/ (read there, not
 * copied): every "conv layer" is conv + bias, then a per-channel scale layer
 * (x * weights + biases), then ReLU where the block asks for it.
 *
 *   150x150x3 -> conv 7x7/2 VALID (32) -> maxpool 3x3/2 VALID     72 -> 35
 *   3 x residual(32) -> residualDown(64) -> 3 x residual(64)      35 -> 17
 *   residualDown(128) -> 2 x residual(128)                        17 -> 8
 *   residualDown(256) -> 2 x residual(256) -> residualDown(256)   8 -> 4 -> 2
 *   mean over H, W -> x [256] times fc [256][128] (no bias)
 *
 * residual(x):     relu(conv3x3(relu(conv3x3(x))) + x), SAME padding.
 * residualDown(x): the main path starts with a 3x3 stride-2 VALID conv; the
 *   shortcut is a 2x2 stride-2 VALID average pool of x, with zero channels
 *   appended when the width doubles; when the main path comes out one pixel
 *   smaller than the shortcut (8 -> 3 vs 4, 4 -> 1 vs 2), a zero row is
 *   appended at its bottom and a zero column at its right before the add.
 *
 * Folding (the default): conv(x, w) + b, times s, plus t, is
 * conv(x, w * s) + (b * s + t): one CONV2D with the ReLU and, where the
 * shapes allow, the residual add fused in. With CVT_KEEP every layer is
 * CONV2D, AFFINE, then BINARY add and ACT as separate nodes.
 *
 * Weight layouts: tfjs filters are HWIO [kh][kw][c_in][c_out], ours OHWI;
 * tfjs fc is [256][128] (x @ fc), our dense is [128][256].
 */
#include "tools/convert_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"

typedef struct shape {
    int h, w, c;
} shape;

typedef struct cvt {
    const tfjs_weights *tw;
    cvt_fold fold;
    wts_writer *wr;
    char *err;
    size_t err_len;
    wts_err werr;
} cvt;

#if defined(__GNUC__) /* calls checked against the format; clang -Wformat-nonliteral */
__attribute__((format(printf, 2, 3)))
#endif
static int fail(cvt *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, c->err_len, fmt, ap);
    va_end(ap);
    return -1;
}

static int wfail(cvt *c, wts_status s)
{
    return fail(c, "building the model: %s: %s", wts_strerror(s), c->werr.msg);
}

/* The tensor prefix/suffix with the given rank and dims (-1: any). */
static const tfjs_tensor *get(cvt *c, const char *prefix, const char *suffix, int rank,
                              const int *dims)
{
    char name[TFJS_NAME_MAX];
    snprintf(name, sizeof name, "%s%s", prefix, suffix);
    const tfjs_tensor *t = tfjs_find(c->tw, name);
    if (!t) {
        fail(c, "tensor '%s' is missing from the manifest", name);
        return NULL;
    }
    int ok = t->rank == rank;
    for (int d = 0; ok && d < rank; d++) ok = dims[d] < 0 || t->dims[d] == dims[d];
    if (!ok) {
        fail(c, "tensor '%s' has rank %d and dims %d,%d,%d,%d: not what the network needs", name,
             t->rank, t->dims[0], t->rank > 1 ? t->dims[1] : 0, t->rank > 2 ? t->dims[2] : 0,
             t->rank > 3 ? t->dims[3] : 0);
        return NULL;
    }
    return t;
}

static int add_f32(cvt *c, const char *name, int rank, const int *dims, const float *data,
                   uint32_t *id)
{
    wts_status s = wts_writer_add_tensor(c->wr, name, WTS_F32, rank, dims, data, NULL, id, &c->werr);
    return s == WTS_OK ? 0 : wfail(c, s);
}

static int add_node(cvt *c, wts_op op, const char *name, const uint32_t *in, int n_in,
                    const wts_attr *attrs, int n_attrs, uint32_t *out)
{
    wts_status s = wts_writer_add_node(c->wr, op, name, in, n_in, attrs, n_attrs, out, &c->werr);
    return s == WTS_OK ? 0 : wfail(c, s);
}

static wts_attr iattr(wts_attr_key key, int32_t v)
{
    wts_attr a = {key, 0, v, 0.0f};
    return a;
}

/* One conv layer of the package: conv (stride, SAME or VALID) + bias, scale
 * layer, then residual (WTS_NONE for none) and act. */
static int conv_layer(cvt *c, const char *prefix, uint32_t x, shape xs, int stride, int same,
                      uint32_t residual, ops_act act, uint32_t *y, shape *ys)
{
    const int any4[4] = {-1, -1, xs.c, -1};
    const tfjs_tensor *f = get(c, prefix, "/conv/filters", 4, any4);
    if (!f) return -1;
    int kh = f->dims[0], kw = f->dims[1], co = f->dims[3];
    const int vec[1] = {co};
    const tfjs_tensor *b = get(c, prefix, "/conv/bias", 1, vec);
    const tfjs_tensor *s = get(c, prefix, "/scale/weights", 1, vec);
    const tfjs_tensor *t = get(c, prefix, "/scale/biases", 1, vec);
    if (!b || !s || !t) return -1;

    int pt = 0, pb = 0, pl = 0, pr = 0;
    if (same) {
        ops_same_pads(xs.h, kh, stride, 1, &pt, &pb);
        ops_same_pads(xs.w, kw, stride, 1, &pl, &pr);
    }
    ys->h = ops_out_len(xs.h, kh, stride, 1, pt, pb);
    ys->w = ops_out_len(xs.w, kw, stride, 1, pl, pr);
    ys->c = co;
    if (ys->h < 1 || ys->w < 1)
        return fail(c, "%s: a %dx%d input is smaller than the %dx%d kernel", prefix, xs.h, xs.w,
                    kh, kw);

    /* HWIO -> OHWI, times the scale when folding; bias likewise */
    size_t n = (size_t)kh * kw * xs.c * co;
    float *wo = malloc(sizeof *wo * n);
    float *bo = malloc(sizeof *bo * (size_t)co);
    if (!wo || !bo) {
        free(wo);
        free(bo);
        return fail(c, "%s: out of memory", prefix);
    }
    for (int o = 0; o < co; o++) {
        double sc = c->fold == CVT_FOLD ? s->data[o] : 1.0;
        for (int i = 0; i < kh; i++)
            for (int j = 0; j < kw; j++)
                for (int ci = 0; ci < xs.c; ci++)
                    wo[(((size_t)o * kh + i) * kw + j) * xs.c + ci] =
                        (float)(f->data[(((size_t)i * kw + j) * xs.c + ci) * co + o] * sc);
        bo[o] = c->fold == CVT_FOLD ? (float)((double)b->data[o] * s->data[o] + t->data[o])
                                    : b->data[o];
    }
    char name[TFJS_NAME_MAX];
    uint32_t wid, bid;
    const int wdims[4] = {co, kh, kw, xs.c};
    int rc;
    snprintf(name, sizeof name, "%s%s", prefix, c->fold == CVT_FOLD ? "/w" : "/conv/filters");
    rc = add_f32(c, name, 4, wdims, wo, &wid);
    snprintf(name, sizeof name, "%s%s", prefix, c->fold == CVT_FOLD ? "/b" : "/conv/bias");
    if (rc == 0) rc = add_f32(c, name, 1, vec, bo, &bid);
    free(wo);
    free(bo);
    if (rc != 0) return -1;

    wts_attr attrs[7] = {iattr(WTS_A_STRIDE_H, stride), iattr(WTS_A_STRIDE_W, stride),
                         iattr(WTS_A_PAD_TOP, pt),      iattr(WTS_A_PAD_BOTTOM, pb),
                         iattr(WTS_A_PAD_LEFT, pl),     iattr(WTS_A_PAD_RIGHT, pr),
                         iattr(WTS_A_ACT, OPS_ACT_NONE)};
    if (c->fold == CVT_FOLD) {
        attrs[6].i = (int32_t)act;
        uint32_t in[4] = {x, wid, bid, residual};
        return add_node(c, WTS_OP_CONV2D, prefix, in, residual == WTS_NONE ? 3 : 4, attrs, 7, y);
    }
    uint32_t in[3] = {x, wid, bid}, sid, tid, v;
    snprintf(name, sizeof name, "%s/conv", prefix);
    if (add_node(c, WTS_OP_CONV2D, name, in, 3, attrs, 7, &v) != 0) return -1;
    snprintf(name, sizeof name, "%s/scale/weights", prefix);
    if (add_f32(c, name, 1, vec, s->data, &sid) != 0) return -1;
    snprintf(name, sizeof name, "%s/scale/biases", prefix);
    if (add_f32(c, name, 1, vec, t->data, &tid) != 0) return -1;
    uint32_t ain[3] = {v, sid, tid};
    snprintf(name, sizeof name, "%s/scale", prefix);
    if (add_node(c, WTS_OP_AFFINE, name, ain, 3, NULL, 0, &v) != 0) return -1;
    if (residual != WTS_NONE) {
        wts_attr add = iattr(WTS_A_BINARY, OPS_ADD);
        uint32_t bin[2] = {v, residual};
        snprintf(name, sizeof name, "%s/add", prefix);
        if (add_node(c, WTS_OP_BINARY, name, bin, 2, &add, 1, &v) != 0) return -1;
    }
    if (act != OPS_ACT_NONE) {
        wts_attr a = iattr(WTS_A_ACT, (int32_t)act);
        snprintf(name, sizeof name, "%s/relu", prefix);
        if (add_node(c, WTS_OP_ACT, name, &v, 1, &a, 1, &v) != 0) return -1;
    }
    *y = v;
    return 0;
}

static int residual(cvt *c, const char *prefix, uint32_t *x, shape *xs)
{
    char p[64];
    uint32_t a;
    shape as, ys;
    snprintf(p, sizeof p, "%s/conv1", prefix);
    if (conv_layer(c, p, *x, *xs, 1, 1, WTS_NONE, OPS_ACT_RELU, &a, &as) != 0) return -1;
    snprintf(p, sizeof p, "%s/conv2", prefix);
    if (conv_layer(c, p, a, as, 1, 1, *x, OPS_ACT_RELU, x, &ys) != 0) return -1;
    if (ys.h != xs->h || ys.w != xs->w || ys.c != xs->c)
        return fail(c, "%s: the block changes the shape %dx%dx%d to %dx%dx%d", prefix, xs->h, xs->w,
                    xs->c, ys.h, ys.w, ys.c);
    return 0;
}

static int residual_down(cvt *c, const char *prefix, uint32_t *x, shape *xs)
{
    char p[64], name[96];
    uint32_t a, pooled, y;
    shape as, ys;
    snprintf(p, sizeof p, "%s/conv1", prefix);
    if (conv_layer(c, p, *x, *xs, 2, 0, WTS_NONE, OPS_ACT_RELU, &a, &as) != 0) return -1;

    /* shortcut: 2x2/2 VALID average pool, channels zero-padded to the main path's */
    shape ps = {xs->h / 2, xs->w / 2, xs->c};
    wts_attr pool[5] = {iattr(WTS_A_POOL, OPS_POOL_AVG), iattr(WTS_A_KERNEL_H, 2),
                        iattr(WTS_A_KERNEL_W, 2), iattr(WTS_A_STRIDE_H, 2),
                        iattr(WTS_A_STRIDE_W, 2)};
    snprintf(name, sizeof name, "%s/shortcut/pool", prefix);
    if (add_node(c, WTS_OP_POOL2D, name, x, 1, pool, 5, &pooled) != 0) return -1;
    if (as.c != xs->c) {
        if (as.c != 2 * xs->c)
            return fail(c, "%s: %d channels become %d: the shortcut can only double them", prefix,
                        xs->c, as.c);
        wts_attr pad = iattr(WTS_A_C_AFTER, as.c - xs->c);
        snprintf(name, sizeof name, "%s/shortcut/pad", prefix);
        if (add_node(c, WTS_OP_PAD, name, &pooled, 1, &pad, 1, &pooled) != 0) return -1;
        ps.c = as.c;
    }

    /* main path's second conv: 3x3 SAME keeps as's size */
    snprintf(p, sizeof p, "%s/conv2", prefix);
    if (as.h == ps.h && as.w == ps.w)
        return conv_layer(c, p, a, as, 1, 1, pooled, OPS_ACT_RELU, x, xs);
    if (as.h + 1 != ps.h || as.w + 1 != ps.w)
        return fail(c, "%s: main path %dx%d against shortcut %dx%d: only one extra row and "
                    "column can be padded",
                    prefix, as.h, as.w, ps.h, ps.w);
    if (conv_layer(c, p, a, as, 1, 1, WTS_NONE, OPS_ACT_NONE, &y, &ys) != 0) return -1;
    wts_attr pad[2] = {iattr(WTS_A_PAD_BOTTOM, 1), iattr(WTS_A_PAD_RIGHT, 1)};
    snprintf(name, sizeof name, "%s/pad", prefix);
    if (add_node(c, WTS_OP_PAD, name, &y, 1, pad, 2, &y) != 0) return -1;
    wts_attr add = iattr(WTS_A_BINARY, OPS_ADD);
    uint32_t in[2] = {y, pooled};
    snprintf(name, sizeof name, "%s/add", prefix);
    if (add_node(c, WTS_OP_BINARY, name, in, 2, &add, 1, &y) != 0) return -1;
    wts_attr relu = iattr(WTS_A_ACT, OPS_ACT_RELU);
    snprintf(name, sizeof name, "%s/relu", prefix);
    if (add_node(c, WTS_OP_ACT, name, &y, 1, &relu, 1, x) != 0) return -1;
    *xs = ps;
    return 0;
}

static int build(cvt *c, const char *source)
{
    wts_meta m = {0};
    m.name = "dlib_resnet29";
    m.input_h = 150;
    m.input_w = 150;
    m.input_c = 3;
    m.channel_order = WTS_RGB;
    m.preprocess = WTS_PRE_MEAN_STD; /* FaceRecognitionNet.ts: minus mean, then / 255 */
    m.mean[0] = 122.782f;
    m.mean[1] = 117.001f;
    m.mean[2] = 104.298f;
    m.std[0] = m.std[1] = m.std[2] = 255.0f;
    m.output_dim = 128;
    m.metric = WTS_EUCLIDEAN;
    m.l2_normalise = 0;
    m.threshold = 0.6f; /* dlib: same person when the distance is below 0.6 */
    m.source = source;
    m.licence = "weights: dlib_face_recognition_resnet_model_v1 by Davis E. King, released into "
                "the public domain (davisking/dlib-models README); tfjs conversion in npm "
                "@vladmandic/face-api: MIT, (c) Vladimir Mandic";
    m.producer = c->fold == CVT_FOLD ? "facenet-run fnw-convert-resnet29 (affine folded into conv)"
                                     : "facenet-run fnw-convert-resnet29 --no-fold";
    wts_status st = wts_writer_set_meta(c->wr, &m, &c->werr);
    if (st != WTS_OK) return wfail(c, st);

    uint32_t x;
    shape xs = {150, 150, 3};
    const int in_dims[4] = {0, 150, 150, 3};
    st = wts_writer_add_input(c->wr, "image", in_dims, &x, &c->werr);
    if (st != WTS_OK) return wfail(c, st);
    if (conv_layer(c, "conv32_down", x, xs, 2, 0, WTS_NONE, OPS_ACT_RELU, &x, &xs) != 0) return -1;
    wts_attr pool[5] = {iattr(WTS_A_POOL, OPS_POOL_MAX), iattr(WTS_A_KERNEL_H, 3),
                        iattr(WTS_A_KERNEL_W, 3), iattr(WTS_A_STRIDE_H, 2),
                        iattr(WTS_A_STRIDE_W, 2)};
    if (add_node(c, WTS_OP_POOL2D, "maxpool", &x, 1, pool, 5, &x) != 0) return -1;
    xs.h = ops_out_len(xs.h, 3, 2, 1, 0, 0);
    xs.w = ops_out_len(xs.w, 3, 2, 1, 0, 0);

    static const char *const blocks[] = {
        "conv32_1",     "conv32_2",  "conv32_3",  "+conv64_down",  "conv64_1",
        "conv64_2",     "conv64_3",  "+conv128_down", "conv128_1", "conv128_2",
        "+conv256_down", "conv256_1", "conv256_2", "+conv256_down_out"};
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
        int down = blocks[i][0] == '+';
        const char *name = blocks[i] + down;
        if ((down ? residual_down(c, name, &x, &xs) : residual(c, name, &x, &xs)) != 0) return -1;
    }
    if (xs.c != 256) return fail(c, "the last block has %d channels, not 256", xs.c);

    if (add_node(c, WTS_OP_GLOBAL_AVGPOOL, "global_avg", &x, 1, NULL, 0, &x) != 0) return -1;
    const int fc_dims[2] = {256, 128};
    const tfjs_tensor *fc = get(c, "fc", "", 2, fc_dims);
    if (!fc) return -1;
    float *wt = malloc(sizeof *wt * 256 * 128);
    if (!wt) return fail(c, "fc: out of memory");
    for (int k = 0; k < 256; k++)
        for (int o = 0; o < 128; o++) wt[o * 256 + k] = fc->data[k * 128 + o];
    uint32_t wid;
    const int w_dims[2] = {128, 256};
    int rc = add_f32(c, "fc/w", 2, w_dims, wt, &wid);
    free(wt);
    if (rc != 0) return -1;
    uint32_t din[3] = {x, wid, WTS_NONE};
    if (add_node(c, WTS_OP_DENSE, "fc", din, 3, NULL, 0, &x) != 0) return -1;
    st = wts_writer_add_output(c->wr, x, "embedding", &c->werr);
    return st == WTS_OK ? 0 : wfail(c, st);
}

int cvt_faceapi_resnet29(const tfjs_weights *w, cvt_fold fold, const char *source,
                         wts_writer **out, char *err, size_t err_len)
{
    cvt c = {w, fold, NULL, err, err_len, {{0}}};
    if (wts_writer_create(&c.wr) != WTS_OK) return fail(&c, "out of memory");
    if (build(&c, source ? source : "") != 0) {
        wts_writer_destroy(c.wr);
        return -1;
    }
    *out = c.wr;
    return 0;
}
