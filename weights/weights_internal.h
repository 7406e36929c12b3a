/*
 * weights_internal.h - shared by the reader and the writer in weights/ only.
 * Nothing outside weights/ includes this.
 */
#ifndef WEIGHTS_INTERNAL_H
#define WEIGHTS_INTERNAL_H

#include "weights/weights.h"

#include <stdint.h>

/* ---- fixed layout (FORMAT.md) ---- */

#define WTS_HEADER_SIZE 32
#define WTS_DIR_ENTRY_SIZE 32
#define WTS_SECTION_COUNT 4
#define WTS_PREAMBLE_SIZE (WTS_HEADER_SIZE + WTS_SECTION_COUNT * WTS_DIR_ENTRY_SIZE) /* 160 */
#define WTS_HEADER_CRC_OFFSET 28
#define WTS_DATA_ALIGN 64

enum { WTS_SEC_META = 1, WTS_SEC_TENSORS = 2, WTS_SEC_GRAPH = 3, WTS_SEC_DATA = 4 };

extern const uint8_t wts_magic[8];

/* ---- caps (FORMAT.md) ---- */

#define WTS_MAX_NAME 64          /* model name, graph input/output names */
#define WTS_MAX_TENSOR_NAME 128
#define WTS_MAX_NODE_NAME 128
#define WTS_MAX_TEXT 1024        /* source, licence */
#define WTS_MAX_PRODUCER 256
#define WTS_MAX_INPUT_DIM 4096   /* meta input_h, input_w */
#define WTS_MAX_OUTPUT_DIM 65536
#define WTS_MAX_TENSORS 65536
#define WTS_MAX_DIM (1u << 24)
#define WTS_MAX_COUNT (1ull << 31)
#define WTS_MAX_ACTIVATIONS (1u << 20)
#define WTS_MAX_IO 16
#define WTS_MAX_NODES 65536
#define WTS_MAX_NODE_INPUTS 16
#define WTS_MAX_ATTRS 32
#define WTS_MAX_IO_DIM 65536
#define WTS_ATTR_BYTES 12

/* ---- little-endian bytes, one at a time ---- */

static inline uint16_t wts_get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

static inline uint32_t wts_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t wts_get_u64(const uint8_t *p)
{
    return (uint64_t)wts_get_u32(p) | (uint64_t)wts_get_u32(p + 4) << 32;
}

static inline void wts_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void wts_put_u64(uint8_t *p, uint64_t v)
{
    wts_put_u32(p, (uint32_t)v);
    wts_put_u32(p + 4, (uint32_t)(v >> 32));
}

/* Bit patterns <-> floats without pointer casts. */
float wts_f32_from_bits(uint32_t bits);
uint32_t wts_f32_bits(float f);
float wts_f16_to_f32(uint16_t h);

/* ---- what each operator and attribute allows (FORMAT.md tables) ---- */

typedef struct wts_op_spec {
    const char *name;
    int min_inputs, max_inputs;
    unsigned const_inputs;    /* bit i: input i must be a tensor (constant) */
    unsigned act_inputs;      /* bit i: input i must be an activation */
    unsigned optional_inputs; /* bit i: input i may be WTS_NONE */
    uint32_t allowed_attrs;   /* bit k: attribute key k may appear */
    uint32_t required_attrs;  /* bit k: attribute key k must appear */
} wts_op_spec;

typedef struct wts_attr_spec {
    const char *name;
    int is_float;
    int32_t min, max; /* INT keys */
    int float_nonneg; /* FLOAT keys: must be >= 0 */
} wts_attr_spec;

/* NULL for codes outside the tables. */
const wts_op_spec *wts_op_spec_of(uint32_t op);
const wts_attr_spec *wts_attr_spec_of(uint32_t key);

/* Checks one attribute against its key's rule; fills why on failure. */
int wts_attr_valid(const wts_attr *a, char *why, size_t why_len);

/* Checks the metadata rules of FORMAT.md; fills why (naming the field). */
int wts_meta_valid(const wts_meta *m, char *why, size_t why_len);

#endif
