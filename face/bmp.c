/* bmp.c - BMP decoder (placeholder; the real one lands soon). */
#include "face/image_internal.h"

face_status face_bmp_decode(const uint8_t *data, size_t len, face_image *out, face_err *err)
{
    (void)data;
    (void)len;
    (void)out;
    return face_codec_fail(err, FACE_EUNSUPPORTED, "BMP decoding is not implemented yet");
}
