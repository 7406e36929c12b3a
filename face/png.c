/* png.c - PNG decoder and encoder (placeholder; the real one lands next). */
#include "face/image_internal.h"

face_status face_png_decode(const uint8_t *data, size_t len, face_image *out, face_err *err)
{
    (void)data;
    (void)len;
    (void)out;
    return face_codec_fail(err, FACE_EUNSUPPORTED, "PNG decoding is not implemented yet");
}

face_status face_png_encode(const face_image *img, uint8_t **out, size_t *out_len, face_err *err)
{
    (void)img;
    (void)out;
    (void)out_len;
    return face_codec_fail(err, FACE_EUNSUPPORTED, "PNG encoding is not implemented yet");
}
