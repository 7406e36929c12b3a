/*
 * embedder_internal.h - a model file ready to turn face crops into
 * embeddings: load and validate the .fnw, build and plan its graph (batch 1),
 * then per image: resize to the model's input (bilinear), preprocess as the
 * metadata says, run. Shared by `facenet-run embed` and the tests.
 */
#ifndef EMBEDDER_INTERNAL_H
#define EMBEDDER_INTERNAL_H

#include <stddef.h>

#include "face/face.h"
#include "weights/weights.h"

typedef struct embedder embedder;

/* Open path, running with threads threads (1..64; results are the same for
 * any count); on failure returns -1 with a one-line reason in err. */
int embedder_open(const char *path, int threads, embedder **out, char *err, size_t err_len);
void embedder_close(embedder *e);

const wts_meta *embedder_meta(const embedder *e);
const wts_model *embedder_model(const embedder *e);
size_t embedder_arena_bytes(const embedder *e);

/* The embedding of an already-cropped face: img (gray or RGB, any size) is
 * resized to the input size with bilinear sampling (half-pixel centres),
 * gray replicated to 3 channels when the model wants colour, channels put in
 * the model's order, preprocessed and run. out: [meta.output_dim]. */
int embedder_run(embedder *e, const face_image *img, float *out, char *err, size_t err_len);

#endif
