/*
 * gallery_internal.h - the gallery's in-memory layout, shared by
 * face/gallery.c (file, edits) and face/match.c (search). Nothing outside
 * face/ includes this.
 */
#ifndef FACE_GALLERY_INTERNAL_H
#define FACE_GALLERY_INTERNAL_H

#include "face/face.h"

#include <stddef.h>
#include <stdint.h>

struct face_gallery {
    char model_id[FACE_GALLERY_MAX_MODEL_ID + 1]; /* NUL-terminated */
    int dim;

    /* Entries, in file order. Embeddings are one contiguous matrix so the
     * search streams through memory. */
    size_t count, cap;
    float *emb;       /* [cap][dim], rows 0..count-1 in use */
    char **file;      /* [cap] malloc'd strings */
    uint32_t *person; /* [cap] index into names[] */

    /* Distinct person names, in first-seen order, and a hash index over
     * them (open addressing, linear probing; slots hold index + 1, 0 = empty). */
    size_t n_persons, persons_cap;
    char **names;     /* [persons_cap] malloc'd strings */
    uint32_t *slots;  /* [n_slots], n_slots a power of two >= 2 * persons_cap */
    size_t n_slots;
};

#endif
