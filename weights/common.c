/*
 * common.c - what the reader and writer of weights/ share: names, the
 * operator and attribute tables of FORMAT.md, CRC-32, float bit patterns.
 */
#include "weights/weights_internal.h"
#include "ops/ops.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

const uint8_t wts_magic[8] = {0x46, 0x4E, 0x57, 0x54, 0x0D, 0x0A, 0x1A, 0x0A}; /* FNWT\r\n^Z\n */

const char *wts_strerror(wts_status s)
{
    switch (s) {
    case WTS_OK: return "ok";
    case WTS_EIO: return "i/o error";
    case WTS_ENOMEM: return "out of memory";
    case WTS_EMAGIC: return "not a model file";
    case WTS_EVERSION: return "unsupported format version";
    case WTS_ETRUNCATED: return "truncated file";
    case WTS_ECHECKSUM: return "checksum mismatch";
    case WTS_EFORMAT: return "malformed field";
    case WTS_ELIMIT: return "over a size limit";
    case WTS_EGRAPH: return "malformed graph";
    case WTS_EINVAL: return "invalid argument";
    }
    return "unknown status";
}

/* zlib's CRC-32 table: entry n is n run through 8 rounds of
 * c = c & 1 ? 0xEDB88320 ^ (c >> 1) : c >> 1. */
static const uint32_t crc_table[256] = {
    0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau, 0x076dc419u, 0x706af48fu,
    0xe963a535u, 0x9e6495a3u, 0x0edb8832u, 0x79dcb8a4u, 0xe0d5e91eu, 0x97d2d988u,
    0x09b64c2bu, 0x7eb17cbdu, 0xe7b82d07u, 0x90bf1d91u, 0x1db71064u, 0x6ab020f2u,
    0xf3b97148u, 0x84be41deu, 0x1adad47du, 0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u,
    0x136c9856u, 0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu, 0x14015c4fu, 0x63066cd9u,
    0xfa0f3d63u, 0x8d080df5u, 0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u, 0xa2677172u,
    0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu, 0x35b5a8fau, 0x42b2986cu,
    0xdbbbc9d6u, 0xacbcf940u, 0x32d86ce3u, 0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u,
    0x26d930acu, 0x51de003au, 0xc8d75180u, 0xbfd06116u, 0x21b4f4b5u, 0x56b3c423u,
    0xcfba9599u, 0xb8bda50fu, 0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u,
    0x2f6f7c87u, 0x58684c11u, 0xc1611dabu, 0xb6662d3du, 0x76dc4190u, 0x01db7106u,
    0x98d220bcu, 0xefd5102au, 0x71b18589u, 0x06b6b51fu, 0x9fbfe4a5u, 0xe8b8d433u,
    0x7807c9a2u, 0x0f00f934u, 0x9609a88eu, 0xe10e9818u, 0x7f6a0dbbu, 0x086d3d2du,
    0x91646c97u, 0xe6635c01u, 0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu,
    0x6c0695edu, 0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u, 0x65b0d9c6u, 0x12b7e950u,
    0x8bbeb8eau, 0xfcb9887cu, 0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u, 0xfbd44c65u,
    0x4db26158u, 0x3ab551ceu, 0xa3bc0074u, 0xd4bb30e2u, 0x4adfa541u, 0x3dd895d7u,
    0xa4d1c46du, 0xd3d6f4fbu, 0x4369e96au, 0x346ed9fcu, 0xad678846u, 0xda60b8d0u,
    0x44042d73u, 0x33031de5u, 0xaa0a4c5fu, 0xdd0d7cc9u, 0x5005713cu, 0x270241aau,
    0xbe0b1010u, 0xc90c2086u, 0x5768b525u, 0x206f85b3u, 0xb966d409u, 0xce61e49fu,
    0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u, 0x59b33d17u, 0x2eb40d81u,
    0xb7bd5c3bu, 0xc0ba6cadu, 0xedb88320u, 0x9abfb3b6u, 0x03b6e20cu, 0x74b1d29au,
    0xead54739u, 0x9dd277afu, 0x04db2615u, 0x73dc1683u, 0xe3630b12u, 0x94643b84u,
    0x0d6d6a3eu, 0x7a6a5aa8u, 0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u,
    0xf00f9344u, 0x8708a3d2u, 0x1e01f268u, 0x6906c2feu, 0xf762575du, 0x806567cbu,
    0x196c3671u, 0x6e6b06e7u, 0xfed41b76u, 0x89d32be0u, 0x10da7a5au, 0x67dd4accu,
    0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u, 0xd6d6a3e8u, 0xa1d1937eu,
    0x38d8c2c4u, 0x4fdff252u, 0xd1bb67f1u, 0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu,
    0xd80d2bdau, 0xaf0a1b4cu, 0x36034af6u, 0x41047a60u, 0xdf60efc3u, 0xa867df55u,
    0x316e8eefu, 0x4669be79u, 0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u,
    0xcc0c7795u, 0xbb0b4703u, 0x220216b9u, 0x5505262fu, 0xc5ba3bbeu, 0xb2bd0b28u,
    0x2bb45a92u, 0x5cb36a04u, 0xc2d7ffa7u, 0xb5d0cf31u, 0x2cd99e8bu, 0x5bdeae1du,
    0x9b64c2b0u, 0xec63f226u, 0x756aa39cu, 0x026d930au, 0x9c0906a9u, 0xeb0e363fu,
    0x72076785u, 0x05005713u, 0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu, 0x0cb61b38u,
    0x92d28e9bu, 0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u, 0x86d3d2d4u, 0xf1d4e242u,
    0x68ddb3f8u, 0x1fda836eu, 0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u, 0x18b74777u,
    0x88085ae6u, 0xff0f6a70u, 0x66063bcau, 0x11010b5cu, 0x8f659effu, 0xf862ae69u,
    0x616bffd3u, 0x166ccf45u, 0xa00ae278u, 0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u,
    0xa7672661u, 0xd06016f7u, 0x4969474du, 0x3e6e77dbu, 0xaed16a4au, 0xd9d65adcu,
    0x40df0b66u, 0x37d83bf0u, 0xa9bcae53u, 0xdebb9ec5u, 0x47b2cf7fu, 0x30b5ffe9u,
    0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u, 0xbad03605u, 0xcdd70693u,
    0x54de5729u, 0x23d967bfu, 0xb3667a2eu, 0xc4614ab8u, 0x5d681b02u, 0x2a6f2b94u,
    0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu, 0x2d02ef8du,
};

/* Slicing by 8 (8 bytes per step through 8 derived tables) for the model's
 * 22 MB of weights, whose CRC is most of the load time: crc_slice[k][n] is
 * the CRC state of byte n followed by k zero bytes. Filled once
 * (pthread_once, so concurrent loaders are safe). */
static uint32_t crc_slice[8][256];
static pthread_once_t crc_slice_once = PTHREAD_ONCE_INIT;

static void crc_slice_init(void)
{
    for (int n = 0; n < 256; n++) crc_slice[0][n] = crc_table[n];
    for (int k = 1; k < 8; k++)
        for (int n = 0; n < 256; n++) {
            const uint32_t c = crc_slice[k - 1][n];
            crc_slice[k][n] = crc_table[c & 0xFFu] ^ (c >> 8);
        }
}

uint32_t wts_crc32(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    crc = ~crc;
    /* The SIMD path takes whole 64-byte steps where the CPU has one; this
     * table-driven code is its reference and does the rest. */
    const size_t done = ops_crc32_prefix(&crc, p, len);
    p += done;
    len -= done;
    if (len >= 64) {
        pthread_once(&crc_slice_once, crc_slice_init);
        for (; len >= 8; len -= 8, p += 8) {
            /* bytes assembled little-endian by hand: any host byte order */
            const uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
                                       (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
            const uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
                                (uint32_t)p[7] << 24;
            crc = crc_slice[7][lo & 0xFFu] ^ crc_slice[6][(lo >> 8) & 0xFFu] ^
                  crc_slice[5][(lo >> 16) & 0xFFu] ^ crc_slice[4][lo >> 24] ^
                  crc_slice[3][hi & 0xFFu] ^ crc_slice[2][(hi >> 8) & 0xFFu] ^
                  crc_slice[1][(hi >> 16) & 0xFFu] ^ crc_slice[0][hi >> 24];
        }
    }
    for (size_t i = 0; i < len; i++)
        crc = crc_table[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}

float wts_f32_from_bits(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

uint32_t wts_f32_bits(float f)
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    return bits;
}

float wts_f16_to_f32(uint16_t h)
{
    int sign = h >> 15, exp = (h >> 10) & 0x1F, frac = h & 0x3FF;
    float v;
    if (exp == 0)
        v = ldexpf((float)frac, -24); /* zero or subnormal */
    else if (exp == 31)
        v = frac ? NAN : INFINITY;
    else
        v = ldexpf((float)(frac | 0x400), exp - 25);
    return sign ? -v : v;
}

/* ---- operators ---- */

#define BIT(k) (1u << (k))
#define CONV_ATTRS                                                                          \
    (BIT(WTS_A_STRIDE_H) | BIT(WTS_A_STRIDE_W) | BIT(WTS_A_DIL_H) | BIT(WTS_A_DIL_W) |      \
     BIT(WTS_A_PAD_TOP) | BIT(WTS_A_PAD_BOTTOM) | BIT(WTS_A_PAD_LEFT) | BIT(WTS_A_PAD_RIGHT) | \
     BIT(WTS_A_GROUPS) | BIT(WTS_A_ACT))
#define POOL_ATTRS                                                                          \
    (BIT(WTS_A_POOL) | BIT(WTS_A_KERNEL_H) | BIT(WTS_A_KERNEL_W) | BIT(WTS_A_STRIDE_H) |    \
     BIT(WTS_A_STRIDE_W) | BIT(WTS_A_PAD_TOP) | BIT(WTS_A_PAD_BOTTOM) | BIT(WTS_A_PAD_LEFT) | \
     BIT(WTS_A_PAD_RIGHT) | BIT(WTS_A_COUNT_INCLUDE_PAD))
#define PAD_ATTRS                                                                           \
    (BIT(WTS_A_PAD_TOP) | BIT(WTS_A_PAD_BOTTOM) | BIT(WTS_A_PAD_LEFT) | BIT(WTS_A_PAD_RIGHT) | \
     BIT(WTS_A_C_BEFORE) | BIT(WTS_A_C_AFTER))
#define LRN_ATTRS (BIT(WTS_A_RADIUS) | BIT(WTS_A_LRN_BIAS) | BIT(WTS_A_ALPHA) | BIT(WTS_A_BETA))

/* Indexed by op code; entry 0 unused. */
static const wts_op_spec op_specs[WTS_OP_LAST + 1] = {
    [WTS_OP_CONV2D] = {"CONV2D", 2, 4, BIT(1) | BIT(2), BIT(0) | BIT(3), BIT(2) | BIT(3),
                       CONV_ATTRS, 0},
    [WTS_OP_POOL2D] = {"POOL2D", 1, 1, 0, BIT(0), 0, POOL_ATTRS,
                       BIT(WTS_A_POOL) | BIT(WTS_A_KERNEL_H) | BIT(WTS_A_KERNEL_W)},
    [WTS_OP_GLOBAL_AVGPOOL] = {"GLOBAL_AVGPOOL", 1, 1, 0, BIT(0), 0, 0, 0},
    [WTS_OP_BATCHNORM] = {"BATCHNORM", 5, 5, BIT(1) | BIT(2) | BIT(3) | BIT(4), BIT(0), 0,
                          BIT(WTS_A_EPS), BIT(WTS_A_EPS)},
    [WTS_OP_AFFINE] = {"AFFINE", 1, 3, BIT(1) | BIT(2), BIT(0), BIT(1) | BIT(2), 0, 0},
    [WTS_OP_DENSE] = {"DENSE", 2, 3, BIT(1) | BIT(2), BIT(0), BIT(2), BIT(WTS_A_ACT), 0},
    [WTS_OP_ACT] = {"ACT", 1, 1, 0, BIT(0), 0, BIT(WTS_A_ACT), BIT(WTS_A_ACT)},
    [WTS_OP_PRELU] = {"PRELU", 2, 2, BIT(1), BIT(0), 0, 0, 0},
    [WTS_OP_BINARY] = {"BINARY", 2, 2, 0, BIT(0), 0, BIT(WTS_A_BINARY), BIT(WTS_A_BINARY)},
    [WTS_OP_CONCAT] = {"CONCAT", 1, WTS_MAX_NODE_INPUTS, 0, 0xFFFFu, 0, 0, 0},
    [WTS_OP_PAD] = {"PAD", 1, 1, 0, BIT(0), 0, PAD_ATTRS, 0},
    [WTS_OP_LRN] = {"LRN", 1, 1, 0, BIT(0), 0, LRN_ATTRS, LRN_ATTRS},
    [WTS_OP_L2NORM] = {"L2NORM", 1, 1, 0, BIT(0), 0, BIT(WTS_A_EPS), BIT(WTS_A_EPS)},
    [WTS_OP_RESIZE_BILINEAR] = {"RESIZE_BILINEAR", 1, 1, 0, BIT(0), 0,
                                BIT(WTS_A_OUT_H) | BIT(WTS_A_OUT_W) | BIT(WTS_A_ALIGN_CORNERS),
                                BIT(WTS_A_OUT_H) | BIT(WTS_A_OUT_W)},
};

static const wts_attr_spec attr_specs[WTS_A_LAST + 1] = {
    [WTS_A_STRIDE_H] = {"stride_h", 0, 1, 64, 0},
    [WTS_A_STRIDE_W] = {"stride_w", 0, 1, 64, 0},
    [WTS_A_DIL_H] = {"dil_h", 0, 1, 64, 0},
    [WTS_A_DIL_W] = {"dil_w", 0, 1, 64, 0},
    [WTS_A_PAD_TOP] = {"pad_top", 0, 0, 1024, 0},
    [WTS_A_PAD_BOTTOM] = {"pad_bottom", 0, 0, 1024, 0},
    [WTS_A_PAD_LEFT] = {"pad_left", 0, 0, 1024, 0},
    [WTS_A_PAD_RIGHT] = {"pad_right", 0, 0, 1024, 0},
    [WTS_A_GROUPS] = {"groups", 0, 1, 65536, 0},
    [WTS_A_ACT] = {"act", 0, 0, 4, 0},
    [WTS_A_POOL] = {"pool", 0, 0, 2, 0},
    [WTS_A_KERNEL_H] = {"kernel_h", 0, 1, 1024, 0},
    [WTS_A_KERNEL_W] = {"kernel_w", 0, 1, 1024, 0},
    [WTS_A_COUNT_INCLUDE_PAD] = {"count_include_pad", 0, 0, 1, 0},
    [WTS_A_EPS] = {"eps", 1, 0, 0, 1},
    [WTS_A_BINARY] = {"binary", 0, 0, 2, 0},
    [WTS_A_C_BEFORE] = {"c_before", 0, 0, 65536, 0},
    [WTS_A_C_AFTER] = {"c_after", 0, 0, 65536, 0},
    [WTS_A_RADIUS] = {"radius", 0, 0, 1024, 0},
    [WTS_A_LRN_BIAS] = {"lrn_bias", 1, 0, 0, 0},
    [WTS_A_ALPHA] = {"alpha", 1, 0, 0, 0},
    [WTS_A_BETA] = {"beta", 1, 0, 0, 0},
    [WTS_A_OUT_H] = {"out_h", 0, 1, 65536, 0},
    [WTS_A_OUT_W] = {"out_w", 0, 1, 65536, 0},
    [WTS_A_ALIGN_CORNERS] = {"align_corners", 0, 0, 1, 0},
};

const wts_op_spec *wts_op_spec_of(uint32_t op)
{
    if (op < 1 || op > WTS_OP_LAST) return NULL;
    return &op_specs[op];
}

const wts_attr_spec *wts_attr_spec_of(uint32_t key)
{
    if (key < 1 || key > WTS_A_LAST) return NULL;
    return &attr_specs[key];
}

const char *wts_op_name(wts_op op)
{
    const wts_op_spec *s = wts_op_spec_of((uint32_t)op);
    return s ? s->name : "?";
}

const char *wts_attr_name(wts_attr_key key)
{
    const wts_attr_spec *s = wts_attr_spec_of((uint32_t)key);
    return s ? s->name : "?";
}

const char *wts_dtype_name(wts_dtype dtype)
{
    switch (dtype) {
    case WTS_F32: return "F32";
    case WTS_F16: return "F16";
    case WTS_INT8: return "INT8";
    }
    return "?";
}

int wts_attr_valid(const wts_attr *a, char *why, size_t why_len)
{
    const wts_attr_spec *s = wts_attr_spec_of((uint32_t)a->key);
    if (!s) {
        snprintf(why, why_len, "unknown attribute key %u", (unsigned)a->key);
        return 0;
    }
    if (s->is_float != a->is_float) {
        snprintf(why, why_len, "attribute %s must be %s", s->name, s->is_float ? "FLOAT" : "INT");
        return 0;
    }
    if (s->is_float) {
        if (!isfinite(a->f) || (s->float_nonneg && a->f < 0)) {
            snprintf(why, why_len, "attribute %s = %g: must be finite%s", s->name, (double)a->f,
                     s->float_nonneg ? " and >= 0" : "");
            return 0;
        }
    } else if (a->i < s->min || a->i > s->max) {
        snprintf(why, why_len, "attribute %s = %ld: must be in %ld..%ld", s->name, (long)a->i,
                 (long)s->min, (long)s->max);
        return 0;
    }
    return 1;
}

int32_t wts_attr_int(const wts_node *n, wts_attr_key key, int32_t def)
{
    for (int i = 0; i < n->n_attrs; i++)
        if (n->attrs[i].key == key && !n->attrs[i].is_float) return n->attrs[i].i;
    return def;
}

float wts_attr_float(const wts_node *n, wts_attr_key key, float def)
{
    for (int i = 0; i < n->n_attrs; i++)
        if (n->attrs[i].key == key && n->attrs[i].is_float) return n->attrs[i].f;
    return def;
}

int wts_find_tensor(const wts_model *m, const char *name)
{
    for (int i = 0; i < m->n_tensors; i++)
        if (!strcmp(m->tensors[i].name, name)) return i;
    return -1;
}

static int text_ok(const char *s, size_t min, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    return n >= min && n <= max;
}

int wts_meta_valid(const wts_meta *m, char *why, size_t why_len)
{
    if (!text_ok(m->name, 1, WTS_MAX_NAME)) {
        snprintf(why, why_len, "name: must be 1..%d bytes", WTS_MAX_NAME);
        return 0;
    }
    if (m->input_h < 1 || m->input_h > WTS_MAX_INPUT_DIM || m->input_w < 1 ||
        m->input_w > WTS_MAX_INPUT_DIM) {
        snprintf(why, why_len, "input_h/input_w %dx%d: must be in 1..%d", m->input_h,
                 m->input_w, WTS_MAX_INPUT_DIM);
        return 0;
    }
    if (m->input_c != 1 && m->input_c != 3) {
        snprintf(why, why_len, "input_c %d: must be 1 or 3", m->input_c);
        return 0;
    }
    if ((m->channel_order == WTS_GRAY) != (m->input_c == 1) ||
        (unsigned)m->channel_order > WTS_GRAY) {
        snprintf(why, why_len, "channel_order %d: GRAY (2) with input_c 1, RGB (0)/BGR (1) with 3",
                 (int)m->channel_order);
        return 0;
    }
    if ((unsigned)m->preprocess > WTS_PRE_PREWHITEN) {
        snprintf(why, why_len, "preprocess %d: must be 0..2", (int)m->preprocess);
        return 0;
    }
    for (int c = 0; c < m->input_c; c++) {
        if (!isfinite(m->mean[c])) {
            snprintf(why, why_len, "mean[%d] = %g: must be finite", c, (double)m->mean[c]);
            return 0;
        }
        if (!isfinite(m->std[c]) || !(m->std[c] > 0)) {
            snprintf(why, why_len, "std[%d] = %g: must be finite and > 0", c, (double)m->std[c]);
            return 0;
        }
    }
    if (m->output_dim < 1 || m->output_dim > WTS_MAX_OUTPUT_DIM) {
        snprintf(why, why_len, "output_dim %d: must be in 1..%d", m->output_dim,
                 WTS_MAX_OUTPUT_DIM);
        return 0;
    }
    if ((unsigned)m->metric > WTS_COSINE) {
        snprintf(why, why_len, "metric %d: must be 0 or 1", (int)m->metric);
        return 0;
    }
    if (m->l2_normalise != 0 && m->l2_normalise != 1) {
        snprintf(why, why_len, "l2_normalise %d: must be 0 or 1", m->l2_normalise);
        return 0;
    }
    if (!isfinite(m->threshold) || m->threshold < 0) {
        snprintf(why, why_len, "threshold %g: must be finite and >= 0", (double)m->threshold);
        return 0;
    }
    if (!text_ok(m->source, 0, WTS_MAX_TEXT) || !text_ok(m->licence, 0, WTS_MAX_TEXT) ||
        !text_ok(m->producer, 0, WTS_MAX_PRODUCER)) {
        snprintf(why, why_len, "source/licence/producer: at most %d/%d/%d bytes", WTS_MAX_TEXT,
                 WTS_MAX_TEXT, WTS_MAX_PRODUCER);
        return 0;
    }
    return 1;
}
