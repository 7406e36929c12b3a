/*
 * face.h - everything between a file on disk and a tensor, and between an
 * embedding and a name: the one public header of face/.
 *
 * Sections, each owned by its own files in face/ (private helpers stay
 * static or in face/NAME_internal.h, which nothing outside face/ includes):
 *   images and codecs   face/image.c, face/jpeg.c, face/png.c, face/pnm.c, face/bmp.c, ...
 *   detector            face/cascade.c, face/detect.c
 *   alignment           face/align.c
 *   gallery, matching   face/gallery.c, face/match.c
 *   drawing             face/draw.c
 *
 * Errors: fallible functions return face_status (FACE_OK == 0) and fill
 * their out-params only on success; face_strerror() names the status, and
 * functions that can say more write a one-line reason into a caller-owned
 * face_err buffer. Library code never prints or exits.
 */
#ifndef FACE_H
#define FACE_H

#include <stddef.h>
#include <stdint.h>

typedef enum face_status {
    FACE_OK = 0,
    FACE_EIO,          /* cannot open/read/write a file */
    FACE_ENOMEM,       /* allocation failed */
    FACE_EFORMAT,      /* malformed or truncated data */
    FACE_EUNSUPPORTED, /* valid but a variant we do not handle */
    FACE_ELIMIT,       /* size over a cap (dimensions, pixel count) */
    FACE_EINVAL        /* bad argument from the caller */
} face_status;

const char *face_strerror(face_status s);

/* A reason string: "what is wrong, where" for the CLI to print after the file name. */
typedef struct face_err {
    char msg[256];
} face_err;

/* ==== images and codecs ==================================================== */

/* An 8-bit image, rows top to bottom, channels interleaved.
 * channels == 1: gray; 3: RGB. */
typedef struct face_image {
    int w, h, channels;
    uint8_t *px; /* [h][w][channels] */
} face_image;

void face_image_free(face_image *img);

/* Caps checked before any pixel buffer is allocated. */
#define FACE_IMAGE_MAX_DIM 32768
#define FACE_IMAGE_MAX_PIXELS (1u << 28) /* 268M pixels */

/* Decode any supported format, detected from the bytes (never the name):
 * JPEG, PNG, PGM/PPM (P2 P3 P5 P6), BMP. Gray sources give channels == 1,
 * everything else RGB (channels == 3); alpha is dropped, not composited
 * (see face/png.c). EXIF orientation is applied. On failure *err says why.
 * Reduction to 8 bits (the same as PIL, so tests can compare exactly):
 *   16-bit PNG samples keep the high byte; PNG gray of 1/2/4 bits is
 *   scaled to 0..255; PGM/PPM with maxval != 255 give
 *   round(v * 255 / maxval), ties to even. Palettes whose every entry is
 *   gray (PNG, BMP) give channels == 1. */
face_status face_image_decode(const uint8_t *data, size_t len, face_image *out, face_err *err);

/* face_image_decode of a whole file; err names what is wrong (not the path). */
face_status face_image_load(const char *path, face_image *out, face_err *err);

/* The individual decoders (same contract as face_image_decode). */
face_status face_jpeg_decode(const uint8_t *data, size_t len, face_image *out, face_err *err);
face_status face_png_decode(const uint8_t *data, size_t len, face_image *out, face_err *err);
face_status face_pnm_decode(const uint8_t *data, size_t len, face_image *out, face_err *err);
face_status face_bmp_decode(const uint8_t *data, size_t len, face_image *out, face_err *err);

/* Encoders: *out is malloc'd, the caller frees it. */
face_status face_png_encode(const face_image *img, uint8_t **out, size_t *out_len, face_err *err);
face_status face_pnm_encode(const face_image *img, uint8_t **out, size_t *out_len, face_err *err);

/* Write img to path as PNG (.png) or PPM/PGM (.ppm/.pgm/.pnm), by extension
 * (case-insensitive): .ppm is always P6 (gray written as RGB), .pgm only
 * for gray images (FACE_EINVAL otherwise), .pnm P5 or P6 by channels. */
face_status face_image_save(const char *path, const face_image *img, face_err *err);

/* ==== detector ============================================================== */

/*
 * Viola-Jones detection with OpenCV's Haar cascades (face/cascade.c,
 * face/detect.c; the file format is face/CASCADE_FORMAT.md). face_detect
 * gives the boxes of OpenCV 4.x CascadeClassifier::detectMultiScale for the
 * same cascade, gray image and parameters: same scale list, image pyramid
 * (bit-exact bilinear), window step, variance normalisation, float/double
 * arithmetic, grouping and clipping.
 */

/* A cascade as plain arrays: what tools/ converters build from OpenCV's XML
 * and what the file holds. Trees use OpenCV's node encoding: a child c > 0
 * is node c of the same tree, c <= 0 is leaf -c of the tree. */
typedef struct face_haar_rect {
    int x, y, w, h; /* in the window; tilted: (x,y) is the top corner, w runs down-right, h down-left */
    float weight;   /* 0: unused (only rect[2] may be unused) */
} face_haar_rect;

typedef struct face_haar_feature {
    int tilted;             /* 0: upright rectangles, 1: rotated by 45 degrees */
    face_haar_rect rect[3];
} face_haar_feature;

typedef struct face_cascade_node {
    int left, right; /* taken when value < threshold / otherwise; see above */
    int feature;     /* index into features */
    float threshold;
} face_cascade_node;

typedef struct face_cascade_stage {
    int n_trees;     /* >= 1; the stage's trees follow the previous stage's */
    float threshold; /* as in the XML (OpenCV subtracts 1e-5f when it loads it) */
} face_cascade_stage;

typedef struct face_cascade_def {
    int win_w, win_h;               /* detection window, 3..1024 */
    int n_stages, n_trees, n_nodes, n_features;
    face_cascade_stage *stages;     /* [n_stages] */
    int *tree_nodes;                /* [n_trees] nodes per tree, >= 1 */
    face_cascade_node *nodes;       /* [n_nodes] trees' nodes, tree after tree */
    float *leaves;                  /* [n_nodes + n_trees] each tree has its nodes + 1 leaves */
    face_haar_feature *features;    /* [n_features] */
} face_cascade_def;

/* Free the arrays of a def (not def itself) and zero it. */
void face_cascade_def_free(face_cascade_def *def);

/* Serialise a def into our cascade file format (*out malloc'd). The def is
 * validated first, as face_cascade_decode would. */
face_status face_cascade_encode(const face_cascade_def *def, uint8_t **out, size_t *out_len,
                                face_err *err);

/* A validated cascade, ready for face_detect. Read-only once made: one
 * cascade may serve several threads. */
typedef struct face_cascade face_cascade;

/* Parse and validate a cascade file's bytes (every field; CRC-32). */
face_status face_cascade_decode(const uint8_t *data, size_t len, face_cascade **out, face_err *err);
face_status face_cascade_load(const char *path, face_cascade **out, face_err *err);
/* Validate def and make a cascade from a copy of it. */
face_status face_cascade_from_def(const face_cascade_def *def, face_cascade **out, face_err *err);
void face_cascade_free(face_cascade *c);
/* The cascade's arrays (read-only view, valid until face_cascade_free). */
const face_cascade_def *face_cascade_get_def(const face_cascade *c);

typedef struct face_rect {
    int x, y, w, h;
} face_rect;

typedef struct face_detect_params {
    double scale_factor; /* > 1: each pyramid level is this much smaller */
    int min_neighbors;   /* a group needs more than this many raw hits; 0: raw hits, ungrouped */
    int min_w, min_h;    /* smallest window in pixels, 0: no limit */
    int max_w, max_h;    /* largest window, 0: the image size */
    int threads;         /* >= 1; the result does not depend on it */
} face_detect_params;

/* OpenCV's defaults: scale 1.1, 3 neighbours, no size limits; 1 thread. */
void face_detect_params_init(face_detect_params *p);

/* Detect in an 8-bit gray image (row y at gray + y*stride). The boxes go to
 * out[0 .. min(*n_found, cap)), in OpenCV's order; *n_found is the number of
 * boxes found, which may exceed cap (call again with more room). out may be
 * NULL when cap == 0. */
face_status face_detect(const face_cascade *c, const uint8_t *gray, int w, int h, size_t stride,
                        const face_detect_params *p, face_rect *out, int cap, int *n_found,
                        face_err *err);

/* The pieces of face_detect, public for tests and other detectors. */

/* OpenCV's 8-bit RGB2GRAY: (R*4899 + G*9617 + B*1868 + 8192) >> 14.
 * rgb: [n][3]; gray: [n]. */
void face_gray_from_rgb(const uint8_t *rgb, size_t n, uint8_t *gray);

/* cv::integral(img, sum, sqsum, tilted, CV_32S, CV_32S): each output is
 * [(h+1)][(w+1)], row 0 and column 0 zero; sqsum wraps modulo 2^32 as
 * OpenCV's 32-bit one does (window differences stay exact); tilted(X,Y) is
 * the sum of img(x,y) over y < Y, |x - X + 1| <= Y - y - 1. sqsum and
 * tilted may be NULL. FACE_ENOMEM if the tilted image's work rows cannot be
 * allocated, FACE_EINVAL for bad arguments. */
face_status face_integral(const uint8_t *img, int w, int h, size_t stride, int32_t *sum,
                          uint32_t *sqsum, int32_t *tilted);

/* cv::resize(src, dst, Size(dw, dh), 0, 0, INTER_LINEAR_EXACT) for 8-bit
 * gray: the bit-exact fixed-point bilinear. dst: [dh][dw]. Needs work for
 * 2*dw + 2*dh ints and 2*dw uint16 (allocated here). */
face_status face_resize_gray_exact(const uint8_t *src, int sw, int sh, size_t sstride,
                                   uint8_t *dst, int dw, int dh);

/* cv::groupRectangles(rects, group_threshold, eps): clusters of similar
 * rects averaged, clusters of <= group_threshold members dropped, small ones
 * inside bigger, stronger ones dropped. In place; *n_out <= n. neighbors
 * (optional, [n]) gets each kept box's member count. group_threshold <= 0
 * keeps the input as it is. */
face_status face_group_rects(face_rect *rects, int n, int group_threshold, double eps,
                             int *neighbors, int *n_out);

/* ==== alignment ============================================================= */

/*
 * From a detection box to the embedding model's input (face/align.c):
 *   1. face_landmark_input: the box's square crop resized to 112x112, as
 *      face-api feeds its 68-point landmark net; the net's 68 outputs
 *      (relative to that square) map back with face_landmarks_from_net.
 *   2. face_chip_transform: dlib's face chip (get_face_chip_details): the
 *      least-squares similarity from 33 of the 68 points (nose, eyes, outer
 *      and inner upper lip) onto dlib's mean face shape, padding 0.25, size
 *      150, as the dlib ResNet-29 embedding model was trained.
 *   3. face_warp_affine: bilinear resampling of the image through that map.
 *
 * Coordinates: pixel (i, j) of an image is the point x = i, y = j (pixel
 * centres on integers), as in dlib. Points follow the iBUG 300-W 68-point
 * scheme: 0-16 jaw, 17-26 brows, 27-35 nose, 36-47 eyes, 48-67 mouth.
 */
#define FACE_LANDMARK_COUNT 68
#define FACE_LANDMARK_INPUT 112   /* side of the landmark net's input square */
#define FACE_CHIP_SIZE 150        /* dlib's chip, the default model's input */
#define FACE_CHIP_PADDING 0.25

typedef struct face_point {
    double x, y;
} face_point;

/* A 2-D similarity (rotation, uniform scale, translation; never a
 * reflection): (x, y) -> (a x - b y + tx, b x + a y + ty). */
typedef struct face_similarity {
    double a, b, tx, ty;
} face_similarity;

/* An affine map: (x, y) -> (m[0] x + m[1] y + m[2], m[3] x + m[4] y + m[5]). */
typedef struct face_affine {
    double m[6]; /* [2][3], row-major */
} face_affine;

face_point face_similarity_apply(const face_similarity *s, face_point p);
face_point face_affine_apply(const face_affine *t, face_point p);

/* The similarity T minimising sum |T(src[i]) - dst[i]|^2 over n >= 2 point
 * pairs (the closed form for 2-D; Umeyama's solution with the reflection
 * excluded). FACE_EINVAL for n < 2, non-finite points, or src points that
 * all coincide (no unique answer). */
face_status face_similarity_fit(const face_point *src, const face_point *dst, int n,
                                face_similarity *out, face_err *err);

/* dlib's chip for 68 landmarks (pts: [68], image coordinates): the map from
 * chip pixel (x, y), 0 <= x, y < size, to the image point it samples, as
 * get_face_chip_details + extract_image_chip build it (the chip's corners
 * land on the corners of the rotated square; without a pyramid).
 * size >= 2, 0 <= padding <= 10. */
face_status face_chip_transform(const face_point *pts, int size, double padding,
                                face_affine *chip_to_image, face_err *err);

/* Bilinear resampling: out pixel (x, y) = src at dst_to_src(x, y); a tap
 * outside src counts as 0 (OpenCV's BORDER_CONSTANT 0). out_channels is
 * src->channels, or 3 from a gray src (gray replicated). The u8 version
 * rounds to nearest; *out is allocated (face_image_free). The f32 version
 * writes out[out_h][out_w][out_channels], values 0..255 unrounded. */
face_status face_warp_affine(const face_image *src, const face_affine *dst_to_src, int out_w,
                             int out_h, int out_channels, face_image *out, face_err *err);
face_status face_warp_affine_f32(const face_image *src, const face_affine *dst_to_src, int out_w,
                                 int out_h, int out_channels, float *out, face_err *err);

/* face_warp_affine for maps that shrink: while neighbouring output pixels
 * are more than 2 source pixels apart, the (reachable part of the) source is
 * first halved with 2x2 means, as dlib cuts its chips from an image pyramid,
 * so that large faces do not alias. Identical to face_warp_affine otherwise. */
face_status face_warp_affine_pyramid(const face_image *src, const face_affine *dst_to_src,
                                     int out_w, int out_h, int out_channels, face_image *out,
                                     face_err *err);

/* The landmark net's input for a detection box (x, y, w, h in pixels):
 * out pixel (u, v) samples (x + u w / 112, y + v h / 112), as TensorFlow's
 * resizeBilinear without half-pixel centres does in face-api; RGB (gray
 * replicated), 0..255, not yet normalised. out: [112][112][3]. */
face_status face_landmark_input(const face_image *img, double x, double y, double w, double h,
                                float *out, face_err *err);

/* The net's 136 outputs (x0, y0, x1, y1, ... relative to the box) to image
 * points: (x + rx w, y + ry h). net_out: [136]; pts: [68]. */
void face_landmarks_from_net(const float *net_out, double x, double y, double w, double h,
                             face_point *pts);

/* The 68-point landmark net on our runtime: a .fnw made by
 * tools/fnw-convert-landmarks68 (`make models`: models/faceapi_landmarks68.fnw),
 * loaded, validated and planned once (face/landmarks.c). */
typedef struct face_landmarker face_landmarker; /* opaque */
face_status face_landmarker_open(const char *path, face_landmarker **out, face_err *err);
void face_landmarker_close(face_landmarker *lm); /* NULL is fine */

/* The 68 points (pts: [68], image coordinates) for a detection box
 * (x, y, w, h): face_landmark_input, the net, face_landmarks_from_net.
 * Face-api was trained on square boxes: pass a square. Not thread-safe per
 * landmarker (it owns one input buffer and plan). */
face_status face_landmarks_detect(face_landmarker *lm, const face_image *img, double x, double y,
                                  double w, double h, face_point *pts, face_err *err);

/* The aligned chip for the default model: face_chip_transform with
 * FACE_CHIP_SIZE and FACE_CHIP_PADDING, warped to 150x150 RGB by
 * face_warp_affine_pyramid. */
face_status face_align_chip(const face_image *img, const face_point *pts, face_image *chip,
                            face_err *err);

/* ==== gallery and matching ================================================== */

/*
 * The gallery: enrolled faces, one entry per photo (person name, source
 * file, embedding), all made by one embedding model. The file format is
 * specified in face/GALLERY_FORMAT.md. Reason strings name the field, the
 * byte offset, the value seen and the rule broken, but not the path: the
 * CLI prints "PATH: reason".
 *
 * Strings (model id, names, files) are UTF-8 without control characters, so
 * they can be printed and written into JSON as they are.
 */
#define FACE_GALLERY_VERSION 1
#define FACE_GALLERY_MAX_MODEL_ID 255   /* bytes, printable ASCII */
#define FACE_GALLERY_MAX_NAME 255       /* bytes */
#define FACE_GALLERY_MAX_FILE 4095      /* bytes */
#define FACE_GALLERY_MAX_DIM 4096       /* floats per embedding */
#define FACE_GALLERY_MAX_ENTRIES (1u << 24)

typedef struct face_gallery face_gallery; /* opaque */

/* An empty gallery for embeddings of `dim` floats made by `model_id`. */
face_status face_gallery_create(const char *model_id, int dim, face_gallery **out, face_err *err);
/* Read and validate a whole gallery file. */
face_status face_gallery_load(const char *path, face_gallery **out, face_err *err);
/* The same from bytes in memory (what load uses; the fuzz target's entry). */
face_status face_gallery_parse(const uint8_t *data, size_t len, face_gallery **out, face_err *err);
void face_gallery_free(face_gallery *g);

/* FACE_EUNSUPPORTED with a message naming both models when the gallery was
 * made by another model (different id or dimension) than the caller's. */
face_status face_gallery_check_model(const face_gallery *g, const char *model_id, int dim,
                                     face_err *err);

const char *face_gallery_model_id(const face_gallery *g);
int face_gallery_dim(const face_gallery *g);
size_t face_gallery_count(const face_gallery *g);        /* entries */
size_t face_gallery_person_count(const face_gallery *g); /* distinct names */

/* Entry i (0 <= i < count), in file order. The pointers stay valid until
 * the gallery is changed or freed. emb: [dim]. */
typedef struct face_gallery_entry {
    const char *name;
    const char *file;
    const float *emb; /* [dim] */
    size_t person;    /* 0..person_count-1: people numbered in first-enrolled order */
} face_gallery_entry;
face_gallery_entry face_gallery_get(const face_gallery *g, size_t i);
/* Name of person p (0 <= p < person_count), NULL if out of range. */
const char *face_gallery_person_name(const face_gallery *g, size_t p);

/* Index of the entry with this name and file, or -1 (enroll skips photos it has). */
long face_gallery_find(const face_gallery *g, const char *name, const char *file);

/* Append one entry (copies everything). file may be "". emb: [dim], finite. */
face_status face_gallery_add(face_gallery *g, const char *name, const char *file,
                             const float *emb, face_err *err);
/* Remove every entry named `name`; *removed (may be NULL) says how many. */
void face_gallery_remove(face_gallery *g, const char *name, size_t *removed);
/* Append src's entries to dst, skipping those whose (name, file) dst has.
 * Both must come from the same model. *added (may be NULL) counts the new ones. */
face_status face_gallery_merge(face_gallery *dst, const face_gallery *src, size_t *added,
                               face_err *err);

/* The file image of g: *out is malloc'd, the caller frees it. */
face_status face_gallery_serialize(const face_gallery *g, uint8_t **out, size_t *out_len,
                                   face_err *err);
/* Replace path atomically: a temp file in the same directory, written,
 * fsync'd, renamed over path, then the directory fsync'd. A crash at any
 * moment leaves either the old file or the new one, never a mix (a stray
 * ".NAME.tmp-XXXXXX" may remain). A new file gets mode 0600; replacing a
 * file keeps its permission bits. */
face_status face_gallery_save(const face_gallery *g, const char *path, face_err *err);

/* Matching: exact nearest neighbour over every entry. */
typedef enum face_metric {
    FACE_METRIC_EUCLIDEAN, /* sqrt(sum (a-b)^2); the default model: same person if < 0.6 */
    FACE_METRIC_COSINE     /* 1 - a.b / (|a| |b|), in [0, 2]; 1 if either vector is zero */
} face_metric;

#define FACE_DEFAULT_THRESHOLD 0.6f

float face_distance(const float *a, const float *b, int dim, face_metric metric);

/* One person's best (smallest) distance to the query. */
typedef struct face_match {
    const char *name; /* into the gallery: valid while it is unchanged */
    size_t entry;     /* index of that person's nearest entry */
    float distance;
} face_match;

/* The k people nearest to query (each person once, at their best entry),
 * nearest first, ties by entry order; *n_out = min(k, person count).
 * query: [dim], finite. Allocates nothing. */
face_status face_gallery_match(const face_gallery *g, const float *query, face_metric metric,
                               face_match *out, size_t k, size_t *n_out, face_err *err);

/* The decision: the best match's name when its distance is under the
 * threshold (strictly), else "unknown" (also when there is no match). */
const char *face_match_decide(const face_match *best, size_t n, float threshold);

/* ==== drawing =============================================================== */

/*
 * Boxes and text drawn into an RGB or gray face_image. Everything is
 * clipped to the image: any coordinates are allowed, nothing outside the
 * buffer is ever touched. On gray images a colour is drawn as its luma
 * (BT.601: (77 R + 150 G + 29 B + 128) / 256).
 *
 * Text uses the built-in 5x7 font (face/font.c) for printable ASCII 32..126;
 * other bytes are drawn as '?'. Each glyph cell is 6x8 pixels (a column and a
 * row of spacing) times an integer scale. '\n' starts a new line.
 */
typedef struct face_rgb {
    uint8_t r, g, b;
} face_rgb;

#define FACE_DRAW_MAX_SCALE 64
#define FACE_FONT_CELL_W 6
#define FACE_FONT_CELL_H 8

/* Rectangle outline: the box [x, x+w) x [y, y+h), its border drawn inside
 * it, `thickness` pixels wide (thicker than half the box fills it). */
face_status face_draw_rect(face_image *img, int x, int y, int w, int h, int thickness,
                           face_rgb color);
/* Filled rectangle [x, x+w) x [y, y+h). */
face_status face_draw_fill(face_image *img, int x, int y, int w, int h, face_rgb color);
/* Text with its top-left corner at (x, y); only glyph pixels are written. */
face_status face_draw_text(face_image *img, int x, int y, const char *text, int scale,
                           face_rgb color);
/* Size in pixels of text at scale: widest line x number of lines. */
void face_text_size(const char *text, int scale, int *w, int *h);
/* Text on a filled background with `scale` pixels of padding on each side,
 * top-left corner of the background at (x, y). */
face_status face_draw_label(face_image *img, int x, int y, const char *text, int scale,
                            face_rgb fg, face_rgb bg);
/* A face annotation: the box outline in `color` (thickness from the box's
 * size) and `text` in white on a `color` label just above the box, or inside
 * its top when there is no room above. scale <= 0 picks one from the box. */
face_status face_draw_annotation(face_image *img, int x, int y, int w, int h, const char *text,
                                 int scale, face_rgb color);

#endif
