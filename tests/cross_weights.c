/*
 * cross_weights.c - the .fnw reader and writer on a host of the other byte
 * order (run by tests/cross_weights.sh: natively, then as s390x big-endian
 * under qemu-user). Not a cmocka test: cross toolchains rarely have cmocka.
 *
 *   cross_weights write FILE   serialise the model below into FILE
 *   cross_weights check FILE   serialise again: the bytes must equal FILE
 *                              (written by the other host), then load FILE
 *                              and check every value
 *
 * FILE written on a little-endian host and checked on a big-endian one
 * shows that both write the same little-endian bytes and that the reader
 * decodes them byte by byte to the same numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weights/weights.h"

static const float conv_w[2 * 3 * 3 * 3] = {
    0.1f,  -0.2f, 0.3f,  0.0f,  0.5f,  -0.6f, 0.7f,   0.8f,  -0.9f, 1.0f,   1.1f,  -1.2f, 1.3f,  1.4f,
    1.5f,  -1.6f, 1.7f,  1.8f,  0.25f, 0.5f,  0.75f,  -1.0f, 2.0f,  3.0f,   -4.0f, 5.0f,  6.0f,  -0.1f,
    0.2f,  0.3f,  0.4f,  -0.5f, 0.6f,  0.7f,  -0.8f,  0.9f,  1.0f,  -1.1f,  1.2f,  1.3f,  1.4f,  -1.5f,
    1.6f,  1.7f,  -1.8f, 0.125f, -0.25f, 0.375f, 0.5f, -0.625f, 0.75f, 0.875f, -1.0f, 1.125f};
static const uint16_t bias_f16[2] = {0x3C00, 0xC000}; /* 1.0, -2.0 */
static const int8_t dense_q[8] = {-128, -1, 0, 1, 127, 5, -5, 64};
static const float dense_scale[4] = {0.5f, 0.25f, 2.0f, 1.0f};
static const int32_t dense_zero[4] = {0, 1, -2, 3};

static int failures;

/* Equal as floats. Passing through float parameters rounds both sides: with
 * FLT_EVAL_METHOD 1 (s390x under -std=c11) a literal like 122.782f may keep
 * double precision in a comparison. */
static int feq(float a, float b)
{
    return a == b;
}

static void check(int ok, const char *what)
{
    if (!ok) {
        printf("FAIL: %s\n", what);
        failures++;
    }
}

static int serialise(uint8_t **f, size_t *len)
{
    wts_writer *w;
    wts_err err;
    if (wts_writer_create(&w) != WTS_OK) return -1;
    wts_meta m = {0};
    m.name = "cross";
    m.input_h = 5;
    m.input_w = 5;
    m.input_c = 3;
    m.channel_order = WTS_RGB;
    m.preprocess = WTS_PRE_MEAN_STD;
    m.mean[0] = 122.782f;
    m.mean[1] = 117.001f;
    m.mean[2] = 104.298f;
    m.std[0] = m.std[1] = m.std[2] = 255.0f;
    m.output_dim = 4;
    m.threshold = 0.6f;
    m.source = "tests/cross_weights.c";
    m.licence = "MIT";
    m.producer = "cross";
    uint32_t x, cw, cb, dw, y;
    const int in_dims[4] = {0, 5, 5, 3}, cw_dims[4] = {2, 3, 3, 3}, cb_dims[1] = {2},
              dw_dims[2] = {4, 2};
    wts_quant q = {0, 4, dense_scale, dense_zero};
    wts_attr conv_attrs[2] = {{WTS_A_ACT, 0, 1, 0.0f}, {WTS_A_STRIDE_H, 0, 1, 0.0f}};
    wts_attr pool_attrs[3] = {{WTS_A_POOL, 0, 0, 0.0f}, {WTS_A_KERNEL_H, 0, 3, 0.0f},
                              {WTS_A_KERNEL_W, 0, 3, 0.0f}};
    wts_attr l2 = {WTS_A_EPS, 1, 0, 1e-6f};
    int ok = wts_writer_set_meta(w, &m, &err) == WTS_OK &&
             wts_writer_add_input(w, "image", in_dims, &x, &err) == WTS_OK &&
             wts_writer_add_tensor(w, "conv/w", WTS_F32, 4, cw_dims, conv_w, NULL, &cw, &err) == WTS_OK &&
             wts_writer_add_tensor(w, "conv/b", WTS_F16, 1, cb_dims, bias_f16, NULL, &cb, &err) == WTS_OK;
    uint32_t conv_in[3] = {x, cw, cb};
    ok = ok && wts_writer_add_node(w, WTS_OP_CONV2D, "conv", conv_in, 3, conv_attrs, 2, &y, &err) == WTS_OK &&
         wts_writer_add_node(w, WTS_OP_POOL2D, "pool", &y, 1, pool_attrs, 3, &y, &err) == WTS_OK &&
         wts_writer_add_tensor(w, "fc/w", WTS_INT8, 2, dw_dims, dense_q, &q, &dw, &err) == WTS_OK;
    uint32_t dense_in[3] = {y, dw, WTS_NONE};
    ok = ok && wts_writer_add_node(w, WTS_OP_DENSE, "fc", dense_in, 3, NULL, 0, &y, &err) == WTS_OK &&
         wts_writer_add_node(w, WTS_OP_L2NORM, "l2", &y, 1, &l2, 1, &y, &err) == WTS_OK &&
         wts_writer_add_output(w, y, "embedding", &err) == WTS_OK &&
         wts_writer_serialise(w, f, len, &err) == WTS_OK;
    if (!ok) printf("writer: %s\n", err.msg);
    wts_writer_destroy(w);
    return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    uint32_t one = 1;
    uint8_t b0;
    memcpy(&b0, &one, 1);
    printf("host: %s-endian\n", b0 ? "little" : "big");
    if (argc != 3) {
        fprintf(stderr, "usage: cross_weights write|check FILE\n");
        return 2;
    }
    check(wts_crc32(0, "123456789", 9) == 0xCBF43926u, "CRC-32 check value");
    uint8_t *f;
    size_t len;
    if (serialise(&f, &len) != 0) return 1;
    if (!strcmp(argv[1], "write")) {
        FILE *out = fopen(argv[2], "wb");
        int ok = out && fwrite(f, 1, len, out) == len;
        if (out && fclose(out) != 0) ok = 0;
        free(f);
        printf("wrote %s (%zu bytes)\n", argv[2], len);
        return ok ? 0 : 1;
    }
    /* the other host's bytes must equal ours */
    FILE *in = fopen(argv[2], "rb");
    uint8_t *other = malloc(len + 1);
    size_t got = in && other ? fread(other, 1, len + 1, in) : 0;
    if (in) fclose(in);
    check(got == len && !memcmp(other, f, len), "bytes written here equal the other host's");
    free(other);
    free(f);

    wts_model *m;
    wts_err err;
    if (wts_load(argv[2], &m, &err) != WTS_OK) {
        printf("FAIL: load: %s\n", err.msg);
        return 1;
    }
    check(!strcmp(m->meta.name, "cross") && m->meta.input_h == 5 && m->meta.output_dim == 4,
          "metadata integers");
    check(feq(m->meta.mean[0], 122.782f) && feq(m->meta.mean[2], 104.298f) &&
              feq(m->meta.std[1], 255.0f) && feq(m->meta.threshold, 0.6f),
          "metadata floats");
    check(m->n_tensors == 3 && m->tensors[0].count == 54, "tensor table");
    check(!memcmp(m->tensors[0].f32, conv_w, sizeof conv_w), "F32 values");
    check((uintptr_t)m->tensors[0].f32 % 64 == 0, "F32 values 64-byte aligned");
    check(feq(m->tensors[1].f32[0], 1.0f) && feq(m->tensors[1].f32[1], -2.0f), "F16 values");
    int q_ok = 1;
    for (int r = 0; r < 4; r++)
        for (int k = 0; k < 2; k++)
            q_ok &= feq(m->tensors[2].f32[r * 2 + k],
                        (float)(dense_q[r * 2 + k] - dense_zero[r]) * dense_scale[r]);
    check(q_ok, "INT8 values");
    check(m->n_nodes == 4 && m->nodes[0].op == WTS_OP_CONV2D &&
              wts_attr_int(&m->nodes[0], WTS_A_ACT, 0) == 1 &&
              feq(wts_attr_float(&m->nodes[3], WTS_A_EPS, 0), 1e-6f) &&
              m->nodes[2].inputs[2] == WTS_NONE,
          "graph");
    wts_free(m);

    /* one flipped byte in DATA must still be caught */
    in = fopen(argv[2], "rb");
    uint8_t *g = malloc(len);
    got = in && g ? fread(g, 1, len, in) : 0;
    if (in) fclose(in);
    g[len - 3] ^= 0x40;
    check(wts_load_memory(g, len, "flipped", &m, &err) == WTS_ECHECKSUM, "flipped byte caught");
    free(g);
    printf("%s: %d failure(s)\n", failures ? "FAILED" : "ok", failures);
    return failures ? 1 : 0;
}
