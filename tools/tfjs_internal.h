/*
 * tfjs_internal.h - reading TensorFlow.js weights (a weights manifest JSON
 * and its .bin shards) for the converters in tools/. Not part of the
 * runtime: the library reads only our own .fnw files.
 *
 * Supported: float32 tensors stored as float32, or affine-quantised to
 * uint8 / uint16 (value = q * scale + min, computed in double and rounded to
 * float32 as tfjs does), or stored as float16. Anything else is refused.
 */
#ifndef TFJS_INTERNAL_H
#define TFJS_INTERNAL_H

#include <stddef.h>

#define TFJS_MAX_RANK 4
#define TFJS_NAME_MAX 128

typedef struct tfjs_tensor {
    char name[TFJS_NAME_MAX];
    int rank;
    int dims[TFJS_MAX_RANK]; /* [rank], as in the manifest (conv filters are HWIO) */
    size_t count;            /* elements */
    float *data;             /* [count] dequantised, row-major over dims */
} tfjs_tensor;

typedef struct tfjs_weights {
    int n, cap;
    tfjs_tensor *t; /* [n] in manifest order, room for cap */
} tfjs_weights;

/* Read manifest_path and the shards it names (file names relative to the
 * manifest's folder; no folders allowed in them). On failure returns -1 and
 * writes a one-line reason naming the file and what is wrong. */
int tfjs_load(const char *manifest_path, tfjs_weights *out, char *err, size_t err_len);

/* The same from memory, for tests and fuzzing: text is the manifest (not
 * NUL-terminated) and every group's tensors are cut from blob, from its start. */
int tfjs_load_memory(const char *text, size_t len, const unsigned char *blob, size_t blob_len,
                     tfjs_weights *out, char *err, size_t err_len);

/* The tensor called name, or NULL. */
const tfjs_tensor *tfjs_find(const tfjs_weights *w, const char *name);

void tfjs_free(tfjs_weights *w);

#endif
