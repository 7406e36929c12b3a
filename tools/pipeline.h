/*
 * pipeline.h - from a photo to one embedding per face, the part every
 * recognising command shares (enroll, identify, verify, eval):
 *
 *   image --gray--> Haar cascade boxes (face/detect.c)
 *         --aligner--> 150x150 chip
 *         --embedding model (tools/embedder.c)--> embedding
 *
 * Two aligners, chosen when the pipeline is opened:
 *   PIPE_ALIGN_LANDMARKS  face-api's 68-point landmark net on the box
 *                         (face/landmarks.c), then dlib's face chip:
 *                         similarity onto dlib's mean face, padding 0.25,
 *                         bilinear warp to 150x150 (face/align.c). What the
 *                         default model was trained with.
 *   PIPE_ALIGN_BOX        the detection box cropped as it is and resized to
 *                         the model's input (the article's way; several
 *                         points of accuracy lower, see DESIGN.md).
 *   PIPE_ALIGN_AUTO       LANDMARKS when the landmark model file exists,
 *                         else BOX; pipe_aligner_name says which one runs.
 *
 * Embeddings from the two aligners are not comparable with each other, so
 * the gallery's model id names the aligner too (pipe_model_id).
 *
 * Lives in tools/ because it ties face/ to the embedder in tools/ (weights/
 * must not depend on face/). Prints nothing: every failure comes back as a
 * one-line reason in the caller's buffer.
 */
#ifndef TOOLS_PIPELINE_H
#define TOOLS_PIPELINE_H

#include <stddef.h>

#include "face/face.h"

#define PIPE_DEFAULT_MODEL "models/dlib_resnet29.fnw"
#define PIPE_DEFAULT_LANDMARKS "models/faceapi_landmarks68.fnw"
/* Our converted cascade when `make models` made one, else OpenCV's XML
 * (Debian package opencv-data), converted in memory. */
#define PIPE_DEFAULT_CASCADE "models/haarcascade_frontalface_default.fncascade"
#define PIPE_DEFAULT_CASCADE_XML "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"

/* Images smaller than this on either side are refused: no face fits. */
#define PIPE_MIN_IMAGE_SIDE 16
/* The whole-image fallback (PIPE_WHOLE_IF_NONE) only applies to images at
 * most this big on both sides: face crops, not photos of a scene. */
#define PIPE_CROP_MAX_SIDE 300

typedef enum pipe_align {
    PIPE_ALIGN_AUTO = 0,
    PIPE_ALIGN_LANDMARKS,
    PIPE_ALIGN_BOX
} pipe_align;

typedef struct pipe_opts {
    const char *model;     /* NULL: PIPE_DEFAULT_MODEL */
    const char *cascade;   /* NULL: PIPE_DEFAULT_CASCADE if present, else the XML */
    const char *landmarks; /* NULL: PIPE_DEFAULT_LANDMARKS */
    pipe_align align;
    int threads;           /* 1..64, for the detector and the networks */
    double scale_factor;   /* detector pyramid step, > 1 */
    int min_neighbors;     /* detector: raw hits a box needs, more than this */
    int min_size;          /* detector: smallest face in pixels (0: the cascade's window) */
    int upsample;          /* 1: also look for faces on the image doubled in size */
    double max_drift;      /* landmark aligner: a box whose landmarks still move by more
                              than this many eye distances on the last pass is not a
                              face (pipeline.c, embed_box); < 0: every box kept */
} pipe_opts;

/* Landmark passes after the first, each on the box around the last points. */
#define PIPE_LANDMARK_PASSES 2

/* The defaults: scale 1.1, 5 neighbours, min size 0, 1 thread, AUTO,
 * max_drift 0.2. */
void pipe_opts_init(pipe_opts *o);

typedef struct pipeline pipeline;

/* Load the model, the cascade and (for LANDMARKS/AUTO) the landmark model.
 * LANDMARKS fails when its model cannot be loaded; AUTO falls back to BOX
 * only when the landmark file does not exist. */
int pipe_open(const pipe_opts *o, pipeline **out, char *err, size_t err_len);
void pipe_close(pipeline *p);

int pipe_dim(const pipeline *p);             /* floats per embedding */
float pipe_threshold(const pipeline *p);     /* the model's same-person threshold */
face_metric pipe_metric(const pipeline *p);
const char *pipe_model_id(const pipeline *p); /* "MODEL+ALIGNER", for the gallery */
const char *pipe_aligner_name(const pipeline *p);
const char *pipe_cascade_path(const pipeline *p);

/* One face of a photo. */
typedef struct pipe_face {
    face_rect box;    /* detection box, image pixels (the whole image when whole_image) */
    int whole_image;  /* 1: nothing was detected and the image was taken as the face */
    int has_landmarks;
    double drift;     /* last landmark pass's move, eye distances (0 without landmarks) */
    face_point pts[FACE_LANDMARK_COUNT]; /* [68] image coordinates, when has_landmarks */
    float *emb;       /* [dim], into the result's storage */
} pipe_face;

typedef struct pipe_result {
    int n;            /* faces */
    pipe_face *faces; /* [n], in the detector's order */
    float *embs;      /* [n][dim] */
} pipe_result;

void pipe_result_free(pipe_result *r);

/* Flags of pipe_run. */
enum {
    PIPE_WHOLE_IF_NONE = 1, /* no face found in an image of at most
                               PIPE_CROP_MAX_SIDE per side: use the whole image */
    PIPE_WHOLE_ALWAYS = 2,  /* no detection: the image is one face crop */
    PIPE_LARGEST_ONLY = 4   /* embed only the largest box (n_detected says how many) */
};

/* 0 if pipe_run can look for faces in img; else -1 and why ("image is
 * 1x1: too small ..."). Needs no pipeline: the CLI checks images before it
 * loads any model. */
int pipe_image_usable(const face_image *img, char *err, size_t err_len);

/* Every face of img, embedded (pipe_image_usable first). *n_detected (may be NULL) gets the number
 * of boxes the detector found (before PIPE_LARGEST_ONLY keeps one, 0 when
 * the whole image was used). A photo with no face is not an error: r->n == 0. */
int pipe_run(pipeline *p, const face_image *img, int flags, pipe_result *r, int *n_detected,
             char *err, size_t err_len);

#endif
