/*
 * fuzz_gallery.c - libFuzzer target for the gallery loader (make fuzz).
 *
 * Any input: the parser must return without crashing, leaking or reading
 * out of bounds. The fuzz build skips the CRC checks (see face/gallery.c) so
 * that mutations reach the field checks. An accepted input must be
 * canonical: writing it back gives the same bytes apart from the CRCs (the
 * format has no optional or free-form parts), and that output reads back
 * and writes identically; matching and removing work on it.
 *
 * Seed corpus: tests/data/gallery_v1.db.
 *   build/fuzz/fuzz_gallery -max_len=4096 corpus_dir tests/data/gallery_v1.db
 */
#include "face/face.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    face_gallery *g = NULL;
    face_err err;
    if (face_gallery_parse(data, size, &g, &err) != FACE_OK) return 0;

    uint8_t *out = NULL;
    size_t out_len = 0;
    if (face_gallery_serialize(g, &out, &out_len, &err) != FACE_OK) abort();
    if (out_len != size) abort();
    face_gallery *again = NULL;
    uint8_t *out2 = NULL;
    size_t out2_len = 0;
    if (face_gallery_parse(out, out_len, &again, &err) != FACE_OK) abort();
    if (face_gallery_serialize(again, &out2, &out2_len, &err) != FACE_OK) abort();
    if (out2_len != out_len || memcmp(out, out2, out_len) != 0) abort();
    face_gallery_free(again);
    free(out2);
    free(out);

    int dim = face_gallery_dim(g);
    float *q = calloc((size_t)dim, sizeof *q);
    if (q) {
        face_match m[3];
        size_t n = 0;
        if (face_gallery_match(g, q, FACE_METRIC_EUCLIDEAN, m, 3, &n, &err) != FACE_OK) abort();
        if (face_gallery_match(g, q, FACE_METRIC_COSINE, m, 3, &n, &err) != FACE_OK) abort();
        free(q);
    }
    if (face_gallery_count(g) > 0) {
        size_t removed = 0;
        face_gallery_remove(g, face_gallery_get(g, 0).name, &removed);
        if (removed == 0) abort();
    }
    face_gallery_free(g);
    return 0;
}
