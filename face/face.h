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

/* ==== detector ============================================================== */

/* ==== alignment ============================================================= */

/* ==== gallery and matching ================================================== */

/* ==== drawing =============================================================== */

#endif
