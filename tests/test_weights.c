/*
 * test_weights.c - the .fnw writer and reader (weights/FORMAT.md): a round
 * trip of every field, and one clear error for each kind of damage: a
 * truncated file, a flipped byte in each section, a wrong magic, a wrong
 * version, a tensor outside the file, a graph with a cycle.
 *
 * Damaged files that must get past the checksums are patched here and their
 * CRCs recomputed with this file's own bitwise CRC-32 (independent of the
 * table in weights/common.c, and checked against the standard check value).
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

#include "weights/weights.h"

#define LABEL "unit.fnw"

/* ---- helpers: bytes of the file ---- */

static uint32_t crc32_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return ~c;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

/* Section i (0 META .. 3 DATA): where it starts and its size. */
static size_t sec_off(const uint8_t *f, int i)
{
    return (size_t)get64(f + 32 + 32 * i + 8);
}

static size_t sec_size(const uint8_t *f, int i)
{
    return (size_t)get64(f + 32 + 32 * i + 16);
}

/* Recompute every section CRC and the header CRC after a patch. */
static void fix_crcs(uint8_t *f)
{
    for (int i = 0; i < 4; i++) put32(f + 32 + 32 * i + 24, crc32_bitwise(f + sec_off(f, i), sec_size(f, i)));
    put32(f + 28, 0);
    put32(f + 28, crc32_bitwise(f, 160));
}

static size_t skip_str(const uint8_t *f, size_t at)
{
    return at + 4 + get32(f + at);
}

/* File offset of tensors[k].offset. */
static size_t tensor_offset_field(const uint8_t *f, int k)
{
    size_t at = sec_off(f, 1) + 4;
    for (int i = 0;; i++) {
        at = skip_str(f, at);
        uint32_t dtype = get32(f + at), rank = get32(f + at + 4);
        at += 8 + 4 * (size_t)rank;
        if (i == k) return at;
        at += 16;
        if (dtype == 3) {
            uint32_t n = get32(f + at + 4);
            at += 8 + 8 * (size_t)n;
        }
    }
}

/* File offset of nodes[k].inputs[j] and, through *out_at, of nodes[k].outputs[0]. */
static size_t node_input_field(const uint8_t *f, int k, int j, size_t *out_at)
{
    size_t at = sec_off(f, 2) + 4;
    uint32_t n_in = get32(f + at);
    at += 4;
    for (uint32_t i = 0; i < n_in; i++) at = skip_str(f, at + 4) + 16;
    uint32_t n_out = get32(f + at);
    at += 4;
    for (uint32_t i = 0; i < n_out; i++) at = skip_str(f, at + 4);
    at += 4; /* node_count */
    for (int i = 0;; i++) {
        at = skip_str(f, at + 4);
        uint32_t ni = get32(f + at);
        size_t in_at = at + 4;
        at = in_at + 4 * (size_t)ni;
        uint32_t no = get32(f + at);
        if (i == k) {
            if (out_at) *out_at = at + 4;
            return in_at + 4 * (size_t)j;
        }
        at += 4 + 4 * (size_t)no;
        uint32_t na = get32(f + at);
        at += 4 + 12 * (size_t)na;
    }
}

/* ---- a small model with every dtype ---- */

static const float conv_w[2 * 3 * 3 * 3] = {
    0.1f, -0.2f, 0.3f, 0.0f, 0.5f, -0.6f, 0.7f, 0.8f, -0.9f, 1.0f, 1.1f, -1.2f, 1.3f, 1.4f,
    1.5f, -1.6f, 1.7f, 1.8f, 0.25f, 0.5f, 0.75f, -1.0f, 2.0f, 3.0f, -4.0f, 5.0f, 6.0f,
    -0.1f, 0.2f, 0.3f, 0.4f, -0.5f, 0.6f, 0.7f, -0.8f, 0.9f, 1.0f, -1.1f, 1.2f, 1.3f, 1.4f,
    -1.5f, 1.6f, 1.7f, -1.8f, 0.125f, -0.25f, 0.375f, 0.5f, -0.625f, 0.75f, 0.875f, -1.0f,
    1.125f};
static const uint16_t bias_f16[2] = {0x3C00, 0xC000}; /* 1.0, -2.0 */
static const int8_t dense_q[4 * 2] = {-128, -1, 0, 1, 127, 5, -5, 64};
static const float dense_scale[4] = {0.5f, 0.25f, 2.0f, 1.0f};
static const int32_t dense_zero[4] = {0, 1, -2, 3};

/* x [N][5][5][3] -> conv3x3 (F32 w, F16 bias) relu -> [N][3][3][2] -> max pool 3 -> dense
 * 2->4 (INT8 per row) -> relu -> output. Four nodes: conv, pool, dense, act. */
static wts_writer *small_writer(void)
{
    wts_writer *w;
    wts_err err;
    assert_int_equal(wts_writer_create(&w), WTS_OK);
    wts_meta m = {0};
    m.name = "unit_model";
    m.input_h = 5;
    m.input_w = 5;
    m.input_c = 3;
    m.channel_order = WTS_RGB;
    m.preprocess = WTS_PRE_MEAN_STD;
    m.mean[0] = 122.5f;
    m.mean[1] = 117.0f;
    m.mean[2] = 104.25f;
    m.std[0] = m.std[1] = m.std[2] = 255.0f;
    m.output_dim = 4;
    m.metric = WTS_EUCLIDEAN;
    m.threshold = 0.6f;
    m.source = "hand-written test model";
    m.licence = "MIT";
    m.producer = "tests/test_weights.c";
    assert_int_equal(wts_writer_set_meta(w, &m, &err), WTS_OK);

    uint32_t x, cw, cb, dw, y;
    int in_dims[4] = {0, 5, 5, 3};
    assert_int_equal(wts_writer_add_input(w, "image", in_dims, &x, &err), WTS_OK);
    int cw_dims[4] = {2, 3, 3, 3};
    assert_int_equal(wts_writer_add_tensor(w, "conv/w", WTS_F32, 4, cw_dims, conv_w, NULL, &cw, &err), WTS_OK);
    int cb_dims[1] = {2};
    assert_int_equal(wts_writer_add_tensor(w, "conv/b", WTS_F16, 1, cb_dims, bias_f16, NULL, &cb, &err), WTS_OK);
    wts_attr conv_attrs[2] = {{WTS_A_ACT, 0, 1, 0}, {WTS_A_STRIDE_H, 0, 1, 0}};
    uint32_t conv_in[3] = {x, cw, cb};
    assert_int_equal(wts_writer_add_node(w, WTS_OP_CONV2D, "conv", conv_in, 3, conv_attrs, 2, &y, &err), WTS_OK);
    wts_attr pool_attrs[3] = {{WTS_A_POOL, 0, 0, 0}, {WTS_A_KERNEL_H, 0, 3, 0}, {WTS_A_KERNEL_W, 0, 3, 0}};
    assert_int_equal(wts_writer_add_node(w, WTS_OP_POOL2D, "pool", &y, 1, pool_attrs, 3, &y, &err), WTS_OK);
    int dw_dims[2] = {4, 2};
    wts_quant q = {0, 4, dense_scale, dense_zero};
    assert_int_equal(wts_writer_add_tensor(w, "fc/w", WTS_INT8, 2, dw_dims, dense_q, &q, &dw, &err), WTS_OK);
    uint32_t dense_in[3] = {y, dw, WTS_NONE};
    assert_int_equal(wts_writer_add_node(w, WTS_OP_DENSE, "fc", dense_in, 3, NULL, 0, &y, &err), WTS_OK);
    wts_attr act_attrs[1] = {{WTS_A_ACT, 0, 1, 0}};
    assert_int_equal(wts_writer_add_node(w, WTS_OP_ACT, "relu", &y, 1, act_attrs, 1, &y, &err), WTS_OK);
    assert_int_equal(wts_writer_add_output(w, y, "embedding", &err), WTS_OK);
    return w;
}

static uint8_t *small_file(size_t *len)
{
    wts_writer *w = small_writer();
    uint8_t *f;
    wts_err err;
    wts_status s = wts_writer_serialise(w, &f, len, &err);
    if (s != WTS_OK) fprintf(stderr, "serialise: %s\n", err.msg);
    assert_int_equal(s, WTS_OK);
    wts_writer_destroy(w);
    return f;
}

/* Load f, expect status want, and a message with the file name, every
 * needle, and "at byte". Prints the message so a reader of the log sees it. */
static void expect_error(const uint8_t *f, size_t len, wts_status want, const char *needle1,
                         const char *needle2)
{
    wts_model *m = NULL;
    wts_err err = {{0}};
    wts_status s = wts_load_memory(f, len, LABEL, &m, &err);
    printf("    -> %s: %s\n", wts_strerror(s), err.msg);
    assert_int_equal(s, want);
    assert_null(m);
    assert_non_null(strstr(err.msg, LABEL ": "));
    assert_non_null(strstr(err.msg, " at byte "));
    if (needle1) assert_non_null(strstr(err.msg, needle1));
    if (needle2) assert_non_null(strstr(err.msg, needle2));
}

/* ---- tests ---- */

static void test_crc32_check_value(void **state)
{
    (void)state;
    const char *s = "123456789";
    assert_int_equal(wts_crc32(0, s, 9), 0xCBF43926u);
    assert_int_equal(crc32_bitwise((const uint8_t *)s, 9), 0xCBF43926u);
    /* continuing a CRC over pieces gives the CRC of the whole */
    assert_int_equal(wts_crc32(wts_crc32(0, s, 4), s + 4, 5), 0xCBF43926u);
    /* long inputs take the slice-by-8 path: bytes (7i+3) mod 256, values
     * from Python's zlib.crc32; and split at odd places */
    uint8_t b[1000];
    for (int i = 0; i < 1000; i++) b[i] = (uint8_t)((i * 7 + 3) & 0xFF);
    assert_int_equal(wts_crc32(0, b, 1000), 0x17BC2A46u);
    assert_int_equal(wts_crc32(0, b, 77), 0x05C959DDu);
    assert_int_equal(crc32_bitwise(b, 1000), 0x17BC2A46u);
    assert_int_equal(wts_crc32(wts_crc32(0, b, 77), b + 77, 923), 0x17BC2A46u);
}

static void test_round_trip(void **state)
{
    (void)state;
    size_t len;
    uint8_t *f = small_file(&len);
    wts_model *m = NULL;
    wts_err err;
    assert_int_equal(wts_load_memory(f, len, LABEL, &m, &err), WTS_OK);
    assert_int_equal(m->file_size, len);

    assert_string_equal(m->meta.name, "unit_model");
    assert_int_equal(m->meta.input_h, 5);
    assert_int_equal(m->meta.input_c, 3);
    assert_int_equal(m->meta.preprocess, WTS_PRE_MEAN_STD);
    assert_true(m->meta.mean[2] == 104.25f && m->meta.std[1] == 255.0f);
    assert_int_equal(m->meta.output_dim, 4);
    assert_true(m->meta.threshold == 0.6f);
    assert_string_equal(m->meta.licence, "MIT");
    assert_string_equal(m->meta.producer, "tests/test_weights.c");

    assert_int_equal(m->n_tensors, 3);
    const wts_tensor *cw = &m->tensors[wts_find_tensor(m, "conv/w")];
    assert_int_equal(cw->dtype, WTS_F32);
    assert_int_equal(cw->rank, 4);
    assert_int_equal(cw->count, 54);
    assert_int_equal((uintptr_t)cw->raw % 64, 0);
    assert_int_equal((uintptr_t)cw->f32 % 64, 0);
    assert_memory_equal(cw->f32, conv_w, sizeof conv_w);

    const wts_tensor *cb = &m->tensors[wts_find_tensor(m, "conv/b")];
    assert_int_equal(cb->dtype, WTS_F16);
    assert_true(cb->f32[0] == 1.0f && cb->f32[1] == -2.0f);

    const wts_tensor *dw = &m->tensors[wts_find_tensor(m, "fc/w")];
    assert_int_equal(dw->dtype, WTS_INT8);
    assert_int_equal(dw->q_axis, 0);
    assert_int_equal(dw->q_count, 4);
    for (int r = 0; r < 4; r++)
        for (int k = 0; k < 2; k++)
            assert_true(dw->f32[r * 2 + k] ==
                        (float)(dense_q[r * 2 + k] - dense_zero[r]) * dense_scale[r]);
    assert_int_equal(wts_find_tensor(m, "nope"), -1);

    assert_int_equal(m->n_inputs, 1);
    assert_string_equal(m->inputs[0].name, "image");
    assert_int_equal(m->inputs[0].dims[0], 0);
    assert_int_equal(m->inputs[0].dims[3], 3);
    assert_int_equal(m->inputs[0].value, 3); /* the first activation after 3 tensors */
    assert_int_equal(m->n_nodes, 4);
    assert_int_equal(m->n_values, 3 + 5);
    const wts_node *conv = &m->nodes[0];
    assert_int_equal(conv->op, WTS_OP_CONV2D);
    assert_string_equal(conv->name, "conv");
    assert_int_equal(conv->n_inputs, 3);
    assert_int_equal(conv->inputs[0], 3);
    assert_int_equal(wts_attr_int(conv, WTS_A_ACT, 0), 1);
    assert_int_equal(wts_attr_int(conv, WTS_A_GROUPS, 1), 1); /* default */
    const wts_node *fc = &m->nodes[2];
    assert_int_equal(fc->inputs[2], WTS_NONE);
    assert_int_equal(m->outputs[0].value, m->nodes[3].outputs[0]);
    assert_string_equal(wts_op_name(fc->op), "DENSE");
    wts_free(m);
    /* a seed for tests/fuzz/fuzz_weights.c, on request */
    if (getenv("FNW_SEED")) {
        FILE *seed = fopen("build/test_weights_seed.fnw", "wb");
        if (seed) {
            fwrite(f, 1, len, seed);
            fclose(seed);
        }
    }
    free(f);
}

static void test_file_round_trip(void **state)
{
    (void)state;
    const char *path = "build/test_weights_tmp.fnw";
    wts_writer *w = small_writer();
    wts_err err;
    assert_int_equal(wts_writer_save(w, path, &err), WTS_OK);
    wts_writer_destroy(w);
    wts_model *m = NULL;
    assert_int_equal(wts_load(path, &m, &err), WTS_OK);
    assert_int_equal(m->n_nodes, 4);
    assert_int_equal((uintptr_t)m->tensors[0].f32 % 64, 0);
    wts_free(m);
    remove(path);
    assert_int_equal(wts_load("build/no/such/file.fnw", &m, &err), WTS_EIO);
    assert_non_null(strstr(err.msg, "build/no/such/file.fnw"));
}

static void test_truncated(void **state)
{
    (void)state;
    size_t len;
    uint8_t *f = small_file(&len);
    /* cut in the DATA section, in the graph, in the directory, in the header */
    size_t cuts[] = {len - 1, sec_off(f, 2) + 3, 100, 10};
    expect_error(f, cuts[0], WTS_ETRUNCATED, "header.file_size", "truncated");
    expect_error(f, cuts[1], WTS_ETRUNCATED, "header.file_size", "truncated");
    expect_error(f, cuts[2], WTS_ETRUNCATED, "header", "160-byte");
    expect_error(f, cuts[3], WTS_ETRUNCATED, "header", "160-byte");
    /* a file cut after its size field was also patched to match still fails:
     * its last section runs past the end */
    uint8_t *g = malloc(len);
    memcpy(g, f, len);
    put64(g + 16, len - 64);
    fix_crcs(g);
    expect_error(g, len - 64, WTS_ETRUNCATED, "sections[3].size", "past the end");
    free(g);
    /* every shorter length fails, none crashes */
    for (size_t n = 0; n < len; n++) {
        wts_model *m = NULL;
        assert_int_not_equal(wts_load_memory(f, n, LABEL, &m, NULL), WTS_OK);
        assert_null(m);
    }
    free(f);
}

static void test_flipped_byte_each_section(void **state)
{
    (void)state;
    size_t len;
    uint8_t *f = small_file(&len);
    uint8_t *g = malloc(len);
    const char *fields[4] = {"sections[0].crc", "sections[1].crc", "sections[2].crc",
                             "sections[3].crc"};
    const char *names[4] = {"META section", "TENSORS section", "GRAPH section", "DATA section"};
    for (int i = 0; i < 4; i++) {
        memcpy(g, f, len);
        g[sec_off(f, i) + sec_size(f, i) / 2] ^= 0x10;
        expect_error(g, len, WTS_ECHECKSUM, fields[i], names[i]);
    }
    /* in the header and the directory: the header CRC */
    memcpy(g, f, len);
    g[13] ^= 0x01; /* flags */
    expect_error(g, len, WTS_ECHECKSUM, "header.header_crc", "corrupt");
    memcpy(g, f, len);
    g[32 + 32 * 2 + 9] ^= 0x01; /* GRAPH's offset */
    expect_error(g, len, WTS_ECHECKSUM, "header.header_crc", "corrupt");
    /* every single-bit flip anywhere in the file is caught */
    for (size_t k = 0; k < len; k++)
        for (int bit = 0; bit < 8; bit += 3) {
            memcpy(g, f, len);
            g[k] ^= (uint8_t)(1u << bit);
            wts_model *m = NULL;
            wts_status s = wts_load_memory(g, len, LABEL, &m, NULL);
            if (s == WTS_OK) fprintf(stderr, "flip of bit %d at byte %zu not caught\n", bit, k);
            assert_int_not_equal(s, WTS_OK);
        }
    free(g);
    free(f);
}

static void test_wrong_magic(void **state)
{
    (void)state;
    size_t len;
    uint8_t *f = small_file(&len);
    f[0] = 'P';
    expect_error(f, len, WTS_EMAGIC, "header.magic at byte 0", "not a model file");
    const uint8_t png[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    expect_error(png, sizeof png, WTS_EMAGIC, "header.magic", "89 50 4e 47");
    expect_error(png, 3, WTS_EMAGIC, "header.magic", "only 3 bytes");
    free(f);
}

static void test_wrong_version(void **state)
{
    (void)state;
    size_t len;
    uint8_t *f = small_file(&len);
    put32(f + 8, 2);
    expect_error(f, len, WTS_EVERSION, "header.version at byte 8", "value 2");
    fix_crcs(f); /* even with a consistent header */
    expect_error(f, len, WTS_EVERSION, "header.version at byte 8", "version 1 only");
    free(f);
}

static void test_tensor_outside_file(void **state)
{
    (void)state;
    size_t len;
    uint8_t *f = small_file(&len);
    uint8_t *g = malloc(len);
    size_t at = tensor_offset_field(f, 2); /* fc/w, the last tensor */
    char needle[64];
    snprintf(needle, sizeof needle, "tensors[2].offset at byte %zu", at);

    memcpy(g, f, len);
    put64(g + at, (uint64_t)1 << 40); /* far past the end */
    fix_crcs(g);
    expect_error(g, len, WTS_EFORMAT, needle, "outside the DATA section");

    memcpy(g, f, len);
    size_t at0 = tensor_offset_field(f, 0); /* conv/w: 216 bytes, DATA is 328 */
    put64(g + at0, 128);                     /* starts inside, ends outside */
    fix_crcs(g);
    expect_error(g, len, WTS_EFORMAT, "tensors[0].offset", "ends outside the DATA section");

    memcpy(g, f, len);
    put64(g + at, 0); /* on top of conv/w */
    fix_crcs(g);
    expect_error(g, len, WTS_EFORMAT, "tensors[", "overlaps");

    memcpy(g, f, len);
    put64(g + at, get64(f + at) + 1); /* unaligned */
    fix_crcs(g);
    expect_error(g, len, WTS_EFORMAT, needle, "multiple of 64");

    memcpy(g, f, len);
    put64(g + at + 8, 9); /* size not count * element size */
    fix_crcs(g);
    expect_error(g, len, WTS_EFORMAT, "tensors[2].size", "8 elements of INT8");
    free(g);
    free(f);
}

static void test_graph_cycle(void **state)
{
    (void)state;
    size_t len;
    uint8_t *f = small_file(&len);
    uint8_t *g = malloc(len);
    size_t out1_at, out3_at;
    node_input_field(f, 1, 0, &out1_at);
    node_input_field(f, 3, 0, &out3_at);
    size_t in0_at = node_input_field(f, 0, 0, NULL);
    char needle[64];
    snprintf(needle, sizeof needle, "nodes[0].inputs[0] at byte %zu", in0_at);

    /* conv reads the relu's output: conv -> pool -> fc -> relu -> conv */
    memcpy(g, f, len);
    put32(g + in0_at, get32(f + out3_at));
    fix_crcs(g);
    expect_error(g, len, WTS_EGRAPH, needle, "cycle");

    /* conv reads its own output */
    size_t out0_at;
    node_input_field(f, 0, 0, &out0_at);
    memcpy(g, f, len);
    put32(g + in0_at, get32(f + out0_at));
    fix_crcs(g);
    expect_error(g, len, WTS_EGRAPH, needle, "its own output");

    /* an id out of range, a tensor where an activation is due */
    memcpy(g, f, len);
    put32(g + in0_at, 99);
    fix_crcs(g);
    expect_error(g, len, WTS_EGRAPH, needle, "value_count");
    memcpy(g, f, len);
    put32(g + in0_at, 0);
    fix_crcs(g);
    expect_error(g, len, WTS_EGRAPH, needle, "must be an activation");

    /* the pool writes the conv's output a second time */
    memcpy(g, f, len);
    put32(g + out1_at, get32(f + out0_at));
    fix_crcs(g);
    expect_error(g, len, WTS_EGRAPH, "nodes[1].outputs[0]", "written once");
    free(g);
    free(f);
}

static void test_graph_order(void **state)
{
    (void)state;
    /* x -> a = relu(x), b = relu(x), y = a + b; then make a read b: b comes
     * later but does not depend on a, so it is an order error, not a cycle */
    wts_writer *w;
    wts_err err;
    assert_int_equal(wts_writer_create(&w), WTS_OK);
    wts_meta m = {0};
    m.name = "order";
    m.input_h = m.input_w = 2;
    m.input_c = 1;
    m.channel_order = WTS_GRAY;
    m.std[0] = 1;
    m.output_dim = 4;
    assert_int_equal(wts_writer_set_meta(w, &m, &err), WTS_OK);
    int dims[4] = {1, 2, 2, 1};
    uint32_t x, a, b, y;
    wts_attr relu = {WTS_A_ACT, 0, 1, 0}, add = {WTS_A_BINARY, 0, 0, 0};
    assert_int_equal(wts_writer_add_input(w, "x", dims, &x, &err), WTS_OK);
    assert_int_equal(wts_writer_add_node(w, WTS_OP_ACT, "a", &x, 1, &relu, 1, &a, &err), WTS_OK);
    assert_int_equal(wts_writer_add_node(w, WTS_OP_ACT, "b", &x, 1, &relu, 1, &b, &err), WTS_OK);
    uint32_t ab[2] = {a, b};
    assert_int_equal(wts_writer_add_node(w, WTS_OP_BINARY, "y", ab, 2, &add, 1, &y, &err), WTS_OK);
    assert_int_equal(wts_writer_add_output(w, y, "y", &err), WTS_OK);
    uint8_t *f;
    size_t len;
    assert_int_equal(wts_writer_serialise(w, &f, &len, &err), WTS_OK);
    wts_writer_destroy(w);
    size_t out_b;
    node_input_field(f, 1, 0, &out_b);
    size_t in_a = node_input_field(f, 0, 0, NULL);
    put32(f + in_a, get32(f + out_b));
    fix_crcs(f);
    expect_error(f, len, WTS_EGRAPH, "nodes[0].inputs[0]", "topological order");
    free(f);
}

static void test_bad_fields(void **state)
{
    (void)state;
    size_t len;
    uint8_t *f = small_file(&len);
    uint8_t *g = malloc(len);
    /* META: input_c = 2 */
    size_t at = skip_str(f, sec_off(f, 0)) + 8;
    memcpy(g, f, len);
    put32(g + at, 2);
    fix_crcs(g);
    expect_error(g, len, WTS_EFORMAT, "meta.input_c", "1 or 3");
    /* DATA padding between tensors must be zero */
    memcpy(g, f, len);
    g[sec_off(f, 3) + 54 * 4 + 1] = 7;
    fix_crcs(g);
    expect_error(g, len, WTS_EFORMAT, "DATA padding", "zero");
    /* trailing bytes after DATA */
    uint8_t *h = calloc(1, len + 1);
    memcpy(h, f, len);
    expect_error(h, len + 1, WTS_EFORMAT, "header.file_size", "trailing");
    free(h);
    /* tensor count that cannot fit */
    memcpy(g, f, len);
    put32(g + sec_off(f, 1), 60000);
    fix_crcs(g);
    expect_error(g, len, WTS_EFORMAT, "tensors.count", "cannot fit");
    free(g);
    free(f);
}

static void test_writer_rejects(void **state)
{
    (void)state;
    wts_writer *w;
    wts_err err;
    assert_int_equal(wts_writer_create(&w), WTS_OK);
    uint32_t id;
    int dims[2] = {2, 0};
    float data[4] = {0};
    assert_int_equal(wts_writer_add_tensor(w, "t", WTS_F32, 2, dims, data, NULL, &id, &err), WTS_EINVAL);
    dims[1] = 2;
    assert_int_equal(wts_writer_add_tensor(w, "t", WTS_F32, 2, dims, data, NULL, &id, &err), WTS_OK);
    assert_int_equal(wts_writer_add_tensor(w, "t", WTS_F32, 2, dims, data, NULL, &id, &err), WTS_EINVAL);
    /* a conv whose filter is an activation */
    int in_dims[4] = {1, 2, 2, 2};
    uint32_t x, y;
    assert_int_equal(wts_writer_add_input(w, "x", in_dims, &x, &err), WTS_OK);
    uint32_t in[2] = {x, x};
    assert_int_equal(wts_writer_add_node(w, WTS_OP_CONV2D, "c", in, 2, NULL, 0, &y, &err), WTS_EINVAL);
    /* a pool without its kernel */
    assert_int_equal(wts_writer_add_node(w, WTS_OP_POOL2D, "p", &x, 1, NULL, 0, &y, &err), WTS_EINVAL);
    /* no metadata yet */
    uint8_t *f;
    size_t len;
    assert_int_equal(wts_writer_serialise(w, &f, &len, &err), WTS_EINVAL);
    wts_writer_destroy(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32_check_value),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_file_round_trip),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_flipped_byte_each_section),
        cmocka_unit_test(test_wrong_magic),
        cmocka_unit_test(test_wrong_version),
        cmocka_unit_test(test_tensor_outside_file),
        cmocka_unit_test(test_graph_cycle),
        cmocka_unit_test(test_graph_order),
        cmocka_unit_test(test_bad_fields),
        cmocka_unit_test(test_writer_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
