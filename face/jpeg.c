/* jpeg.c - JPEG decoder (placeholder until the codecs issue lands it). */
#include "face/face.h"

#include <stdio.h>

face_status face_jpeg_decode(const uint8_t *data, size_t len, face_image *out, face_err *err)
{
    (void)data;
    (void)len;
    (void)out;
    if (err) snprintf(err->msg, sizeof err->msg, "JPEG decoding is not implemented yet");
    return FACE_EUNSUPPORTED;
}
