/* status.c - names of face_status values and face_image_free. */
#include "face/face.h"

#include <stdlib.h>

const char *face_strerror(face_status s)
{
    switch (s) {
    case FACE_OK: return "ok";
    case FACE_EIO: return "i/o error";
    case FACE_ENOMEM: return "out of memory";
    case FACE_EFORMAT: return "malformed data";
    case FACE_EUNSUPPORTED: return "unsupported";
    case FACE_ELIMIT: return "over a size limit";
    case FACE_EINVAL: return "invalid argument";
    }
    return "unknown status";
}

void face_image_free(face_image *img)
{
    if (!img) return;
    free(img->px);
    img->px = NULL;
    img->w = img->h = img->channels = 0;
}
