/*
 * convert_landmarks68.c - face-api's 68-point landmark net from the tfjs
 * weights of npm @vladmandic/face-api (model/face_landmark_68_model*) into
 * our graph.
 *
 * The layers follow the package's src/faceFeatureExtractor/ and
 * src/faceLandmarkNet/ (read there, not copied):
 *
 *   112x112x3, (pixel - (122.782, 117.001, 104.298)) / 255
 *   dense0 (32), dense1 (64), dense2 (128), dense3 (256)     112 -> 56 -> 28 -> 14 -> 7
 *   avg pool 7x7 stride 2 VALID -> 1x1x256 -> fc 256 -> 136 (with bias)
 *   output (x0, y0, ..., x67, y67), relative to the input square
 *
 * A dense block (all convolutions 3x3, TensorFlow SAME padding):
 *   out1 = relu(conv0(x))          stride 2; dense0: plain conv + bias, the
 *                                  others depthwise-separable
 *   out2 = sep1(out1)
 *   out3 = sep2(relu(out1 + out2))
 *   out4 = sep3(relu(out1 + out2 + out3))
 *   y    = relu(out1 + out2 + out3 + out4)
 * where sep(x) = pointwise1x1(depthwise3x3(x)) + bias. The running sums are
 * carried by the pointwise convolution's residual input:
 *   s2 = pw1(dw1(out1)) + out1, s3 = pw2(dw2(relu(s2))) + s2,
 *   y  = relu(pw3(dw3(relu(s3))) + s3)
 * so every block is 7 CONV2D nodes (one fused with the final ReLU) and two
 * ACT nodes.
 *
 * Weight layouts: tfjs filters are HWIO [kh][kw][c_in][c_out], depthwise
 * filters [kh][kw][c][1]; ours OHWI (depthwise: [c][kh][kw][1], groups = c);
 * tfjs fc is [256][136] (x @ fc), our dense is [136][256].
 */
#include "tools/convert_landmarks68_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"

typedef struct lcvt {
    const tfjs_weights *tw;
    wts_writer *wr;
    char *err;
    size_t err_len;
    wts_err werr;
} lcvt;

#if defined(__GNUC__) /* calls checked against the format; clang -Wformat-nonliteral */
__attribute__((format(printf, 2, 3)))
#endif
static int fail(lcvt *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, c->err_len, fmt, ap);
    va_end(ap);
    return -1;
}

static int wfail(lcvt *c, wts_status s)
{
    return fail(c, "building the model: %s: %s", wts_strerror(s), c->werr.msg);
}

/* The tensor prefix+suffix with exactly these dims. */
static const tfjs_tensor *get(lcvt *c, const char *prefix, const char *suffix, int rank,
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
    for (int d = 0; ok && d < rank; d++) ok = t->dims[d] == dims[d];
    if (!ok) {
        fail(c, "tensor '%s' has rank %d and dims %d,%d,%d,%d: the network needs %d,%d,%d,%d",
             name, t->rank, t->dims[0], t->rank > 1 ? t->dims[1] : 0,
             t->rank > 2 ? t->dims[2] : 0, t->rank > 3 ? t->dims[3] : 0, dims[0],
             rank > 1 ? dims[1] : 0, rank > 2 ? dims[2] : 0, rank > 3 ? dims[3] : 0);
        return NULL;
    }
    return t;
}

static int add_f32(lcvt *c, const char *name, int rank, const int *dims, const float *data,
                   uint32_t *id)
{
    wts_status s = wts_writer_add_tensor(c->wr, name, WTS_F32, rank, dims, data, NULL, id, &c->werr);
    return s == WTS_OK ? 0 : wfail(c, s);
}

static int add_node(lcvt *c, wts_op op, const char *name, const uint32_t *in, int n_in,
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

/* A 3x3 (or 1x1) convolution node with SAME padding for an h x w input.
 * w_ohwi: [co][k][k][ci / groups]; bias may be NULL; residual may be WTS_NONE. */
static int conv_node(lcvt *c, const char *name, uint32_t x, int h, int w, int k, int stride,
                     int groups, int co, int ci_per_group, const float *w_ohwi,
                     const float *bias, uint32_t residual, ops_act act, uint32_t *y)
{
    char tname[TFJS_NAME_MAX + 8];
    uint32_t wid, bid = WTS_NONE;
    const int wdims[4] = {co, k, k, ci_per_group};
    snprintf(tname, sizeof tname, "%s/w", name);
    if (add_f32(c, tname, 4, wdims, w_ohwi, &wid) != 0) return -1;
    if (bias) {
        const int bdims[1] = {co};
        snprintf(tname, sizeof tname, "%s/b", name);
        if (add_f32(c, tname, 1, bdims, bias, &bid) != 0) return -1;
    }
    int pt, pb, pl, pr;
    ops_same_pads(h, k, stride, 1, &pt, &pb);
    ops_same_pads(w, k, stride, 1, &pl, &pr);
    wts_attr attrs[8] = {iattr(WTS_A_STRIDE_H, stride), iattr(WTS_A_STRIDE_W, stride),
                         iattr(WTS_A_PAD_TOP, pt),      iattr(WTS_A_PAD_BOTTOM, pb),
                         iattr(WTS_A_PAD_LEFT, pl),     iattr(WTS_A_PAD_RIGHT, pr),
                         iattr(WTS_A_GROUPS, groups),   iattr(WTS_A_ACT, (int32_t)act)};
    uint32_t in[4] = {x, wid, bid, residual};
    return add_node(c, WTS_OP_CONV2D, name, in, residual == WTS_NONE ? 3 : 4, attrs, 8, y);
}

/* sep(x) + residual, then act: depthwise 3x3 (stride) then pointwise 1x1 + bias.
 * *h, *w: the input size in, the output size out. */
static int separable(lcvt *c, const char *prefix, uint32_t x, int *h, int *w, int ci, int co,
                     int stride, uint32_t residual, ops_act act, uint32_t *y)
{
    const int ddims[4] = {3, 3, ci, 1}, pdims[4] = {1, 1, ci, co}, bdims[1] = {co};
    const tfjs_tensor *dw = get(c, prefix, "/depthwise_filter", 4, ddims);
    const tfjs_tensor *pw = dw ? get(c, prefix, "/pointwise_filter", 4, pdims) : NULL;
    const tfjs_tensor *b = pw ? get(c, prefix, "/bias", 1, bdims) : NULL;
    if (!b) return -1;
    float *dwo = malloc(sizeof *dwo * (size_t)9 * ci);
    float *pwo = malloc(sizeof *pwo * (size_t)ci * co);
    if (!dwo || !pwo) {
        free(dwo);
        free(pwo);
        return fail(c, "%s: out of memory", prefix);
    }
    for (int ch = 0; ch < ci; ch++)
        for (int k = 0; k < 9; k++) dwo[(size_t)ch * 9 + k] = dw->data[(size_t)k * ci + ch];
    for (int o = 0; o < co; o++)
        for (int i = 0; i < ci; i++) pwo[(size_t)o * ci + i] = pw->data[(size_t)i * co + o];
    char name[TFJS_NAME_MAX];
    uint32_t d;
    snprintf(name, sizeof name, "%s/depthwise", prefix);
    int rc = conv_node(c, name, x, *h, *w, 3, stride, ci, ci, 1, dwo, NULL, WTS_NONE,
                       OPS_ACT_NONE, &d);
    *h = (*h + stride - 1) / stride; /* SAME: ceil(size / stride) */
    *w = (*w + stride - 1) / stride;
    snprintf(name, sizeof name, "%s/pointwise", prefix);
    if (rc == 0)
        rc = conv_node(c, name, d, *h, *w, 1, 1, 1, co, ci, pwo, b->data, residual, act, y);
    free(dwo);
    free(pwo);
    return rc;
}

static int relu_node(lcvt *c, const char *name, uint32_t x, uint32_t *y)
{
    wts_attr a = iattr(WTS_A_ACT, OPS_ACT_RELU);
    return add_node(c, WTS_OP_ACT, name, &x, 1, &a, 1, y);
}

static int dense_block(lcvt *c, int index, uint32_t *x, int *h, int *w, int ci, int co)
{
    char p[32], p2[48];
    uint32_t out1, s2, s3, r;
    if (index == 0) {
        /* plain 3x3 conv, stride 2, + bias */
        const int fdims[4] = {3, 3, ci, co}, bdims[1] = {co};
        const tfjs_tensor *f = get(c, "dense0/conv0", "/filters", 4, fdims);
        const tfjs_tensor *b = f ? get(c, "dense0/conv0", "/bias", 1, bdims) : NULL;
        if (!b) return -1;
        float *wo = malloc(sizeof *wo * (size_t)9 * ci * co);
        if (!wo) return fail(c, "dense0/conv0: out of memory");
        for (int o = 0; o < co; o++)
            for (int k = 0; k < 9; k++)
                for (int i = 0; i < ci; i++)
                    wo[((size_t)o * 9 + k) * ci + i] = f->data[((size_t)k * ci + i) * co + o];
        int rc = conv_node(c, "dense0/conv0", *x, *h, *w, 3, 2, 1, co, ci, wo, b->data, WTS_NONE,
                           OPS_ACT_RELU, &out1);
        free(wo);
        if (rc != 0) return -1;
        *h = (*h + 1) / 2;
        *w = (*w + 1) / 2;
    } else {
        snprintf(p, sizeof p, "dense%d/conv0", index);
        if (separable(c, p, *x, h, w, ci, co, 2, WTS_NONE, OPS_ACT_RELU, &out1) != 0) return -1;
    }
    snprintf(p, sizeof p, "dense%d/conv1", index);
    if (separable(c, p, out1, h, w, co, co, 1, out1, OPS_ACT_NONE, &s2) != 0) return -1;
    snprintf(p2, sizeof p2, "dense%d/relu2", index);
    if (relu_node(c, p2, s2, &r) != 0) return -1;
    snprintf(p, sizeof p, "dense%d/conv2", index);
    if (separable(c, p, r, h, w, co, co, 1, s2, OPS_ACT_NONE, &s3) != 0) return -1;
    snprintf(p2, sizeof p2, "dense%d/relu3", index);
    if (relu_node(c, p2, s3, &r) != 0) return -1;
    snprintf(p, sizeof p, "dense%d/conv3", index);
    return separable(c, p, r, h, w, co, co, 1, s3, OPS_ACT_RELU, x);
}

static int build(lcvt *c, const char *source)
{
    wts_meta m = {0};
    m.name = "faceapi_landmarks68";
    m.input_h = 112;
    m.input_w = 112;
    m.input_c = 3;
    m.channel_order = WTS_RGB;
    m.preprocess = WTS_PRE_MEAN_STD; /* FaceFeatureExtractor.ts: minus mean, then / 255 */
    m.mean[0] = 122.782f;
    m.mean[1] = 117.001f;
    m.mean[2] = 104.298f;
    m.std[0] = m.std[1] = m.std[2] = 255.0f;
    m.output_dim = 136; /* 68 (x, y) pairs relative to the input square, not an embedding */
    m.metric = WTS_EUCLIDEAN;
    m.l2_normalise = 0;
    m.threshold = 0.0f; /* no meaning for a landmark model */
    m.source = source;
    m.licence = "npm @vladmandic/face-api (MIT, (c) Vladimir Mandic), face_landmark_68_model "
                "from face-api.js (MIT, (c) Vincent Muehler)";
    m.producer = "facenet-run fnw-convert-landmarks68";
    wts_status st = wts_writer_set_meta(c->wr, &m, &c->werr);
    if (st != WTS_OK) return wfail(c, st);

    uint32_t x;
    const int in_dims[4] = {0, 112, 112, 3};
    st = wts_writer_add_input(c->wr, "crop", in_dims, &x, &c->werr);
    if (st != WTS_OK) return wfail(c, st);
    int h = 112, w = 112;
    static const int channels[5] = {3, 32, 64, 128, 256};
    for (int b = 0; b < 4; b++)
        if (dense_block(c, b, &x, &h, &w, channels[b], channels[b + 1]) != 0) return -1;
    if (h != 7 || w != 7) return fail(c, "the features are %dx%d, not 7x7", h, w);

    wts_attr pool[5] = {iattr(WTS_A_POOL, OPS_POOL_AVG), iattr(WTS_A_KERNEL_H, 7),
                        iattr(WTS_A_KERNEL_W, 7), iattr(WTS_A_STRIDE_H, 2),
                        iattr(WTS_A_STRIDE_W, 2)};
    if (add_node(c, WTS_OP_POOL2D, "avgpool", &x, 1, pool, 5, &x) != 0) return -1;
    const int fc_dims[2] = {256, 136}, b_dims[1] = {136};
    const tfjs_tensor *fc = get(c, "fc", "/weights", 2, fc_dims);
    const tfjs_tensor *fb = fc ? get(c, "fc", "/bias", 1, b_dims) : NULL;
    if (!fb) return -1;
    float *wt = malloc(sizeof *wt * 256 * 136);
    if (!wt) return fail(c, "fc: out of memory");
    for (int k = 0; k < 256; k++)
        for (int o = 0; o < 136; o++) wt[o * 256 + k] = fc->data[k * 136 + o];
    uint32_t wid, bid;
    const int w_dims[2] = {136, 256};
    int rc = add_f32(c, "fc/w", 2, w_dims, wt, &wid);
    free(wt);
    if (rc != 0 || add_f32(c, "fc/b", 1, b_dims, fb->data, &bid) != 0) return -1;
    uint32_t din[3] = {x, wid, bid};
    if (add_node(c, WTS_OP_DENSE, "fc", din, 3, NULL, 0, &x) != 0) return -1;
    st = wts_writer_add_output(c->wr, x, "landmarks", &c->werr);
    return st == WTS_OK ? 0 : wfail(c, st);
}

int cvt_faceapi_landmarks68(const tfjs_weights *w, const char *source, wts_writer **out,
                            char *err, size_t err_len)
{
    lcvt c = {w, NULL, err, err_len, {{0}}};
    if (wts_writer_create(&c.wr) != WTS_OK) return fail(&c, "out of memory");
    if (build(&c, source ? source : "") != 0) {
        wts_writer_destroy(c.wr);
        return -1;
    }
    *out = c.wr;
    return 0;
}
