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
 * everything else RGB (channels == 3); alpha is dropped (see face/png.c).
 * EXIF orientation is applied. On failure *err says why. */
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

/* Write img to path as PNG (.png) or PPM/PGM (.ppm/.pgm/.pnm), by extension. */
face_status face_image_save(const char *path, const face_image *img, face_err *err);

/* ==== detector ============================================================== */

/* ==== alignment ============================================================= */

/* ==== gallery and matching ================================================== */

/* ==== drawing =============================================================== */

#endif
