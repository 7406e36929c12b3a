/*
 * image.c - the front door of the codecs: sniff the format from the first
 * bytes (never from a file name: a PNG named .jpg exists in the wild), read
 * whole files, write by extension, and the helpers the codecs share.
 *
 * Signatures recognised:
 *   FF D8 FF                  JPEG
 *   89 50 4E 47 0D 0A 1A 0A   PNG
 *   'P' '2'|'3'|'5'|'6'       PGM/PPM, ASCII or binary
 *   'B' 'M'                   BMP
 */
#include "face/image_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Files larger than this are refused before reading them whole: the biggest
 * legal image (FACE_IMAGE_MAX_PIXELS RGB) as an uncompressed PPM is 768 MiB. */
#define FACE_IMAGE_MAX_FILE_BYTES ((size_t)1 << 30)

face_status face_codec_fail(face_err *err, face_status st, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return st;
}

face_status face_image_check_size(uint64_t w, uint64_t h, const char *what, face_err *err)
{
    if (w == 0 || h == 0)
        return face_codec_fail(err, FACE_EFORMAT, "%s: image size %llux%llu is empty", what,
                               (unsigned long long)w, (unsigned long long)h);
    if (w > FACE_IMAGE_MAX_DIM || h > FACE_IMAGE_MAX_DIM)
        return face_codec_fail(err, FACE_ELIMIT,
                               "%s: image size %llux%llu is over the cap of %d pixels per side",
                               what, (unsigned long long)w, (unsigned long long)h,
                               FACE_IMAGE_MAX_DIM);
    /* w, h <= 2^15 here, so w*h cannot overflow 64 bits. */
    if (w * h > FACE_IMAGE_MAX_PIXELS)
        return face_codec_fail(err, FACE_ELIMIT,
                               "%s: image size %llux%llu = %llu pixels is over the cap of %u",
                               what, (unsigned long long)w, (unsigned long long)h,
                               (unsigned long long)(w * h), FACE_IMAGE_MAX_PIXELS);
    return FACE_OK;
}

face_status face_image_alloc(face_image *img, uint64_t w, uint64_t h, int channels,
                             const char *what, face_err *err)
{
    face_status st = face_image_check_size(w, h, what, err);
    if (st != FACE_OK) return st;
    if (channels != 1 && channels != 3)
        return face_codec_fail(err, FACE_EINVAL, "%s: %d channels (only 1 or 3)", what, channels);
    uint64_t bytes = w * h * (uint64_t)channels;
    if (bytes > SIZE_MAX)
        return face_codec_fail(err, FACE_ELIMIT, "%s: %llu bytes do not fit in memory", what,
                               (unsigned long long)bytes);
    uint8_t *px = calloc((size_t)bytes, 1);
    if (!px)
        return face_codec_fail(err, FACE_ENOMEM, "%s: cannot allocate %llu bytes for the pixels",
                               what, (unsigned long long)bytes);
    img->w = (int)w;
    img->h = (int)h;
    img->channels = channels;
    img->px = px;
    return FACE_OK;
}

face_status face_image_decode(const uint8_t *data, size_t len, face_image *out, face_err *err)
{
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    if (!out || (!data && len))
        return face_codec_fail(err, FACE_EINVAL, "face_image_decode: NULL argument");
    if (len == 0) return face_codec_fail(err, FACE_EFORMAT, "empty file (0 bytes)");
    if (len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        return face_jpeg_decode(data, len, out, err);
    if (len >= 8 && !memcmp(data, png_sig, 8)) return face_png_decode(data, len, out, err);
    if (len >= 2 && data[0] == 'P' &&
        (data[1] == '2' || data[1] == '3' || data[1] == '5' || data[1] == '6'))
        return face_pnm_decode(data, len, out, err);
    if (len >= 2 && data[0] == 'B' && data[1] == 'M') return face_bmp_decode(data, len, out, err);

    char seen[3 * 8 + 1] = {0};
    size_t n = len < 8 ? len : 8;
    for (size_t i = 0; i < n; i++) snprintf(seen + 3 * i, 4, "%02X ", (unsigned)data[i]);
    if (n) seen[3 * n - 1] = '\0';
    if (len >= 2 && data[0] == 'P' && (data[1] == '1' || data[1] == '4'))
        return face_codec_fail(err, FACE_EUNSUPPORTED,
                               "PBM bitmap (P%c) is not supported (only P2 P3 P5 P6)", data[1]);
    return face_codec_fail(err, FACE_EUNSUPPORTED,
                           "unknown image format: first bytes %s are not JPEG (FF D8 FF), PNG "
                           "(89 50 4E 47), PGM/PPM (P2 P3 P5 P6) or BMP (42 4D)",
                           seen);
}

face_status face_image_load(const char *path, face_image *out, face_err *err)
{
    if (!path || !out) return face_codec_fail(err, FACE_EINVAL, "face_image_load: NULL argument");
    FILE *f = fopen(path, "rb");
    if (!f) return face_codec_fail(err, FACE_EIO, "cannot open: %s", strerror(errno));

    /* Read in growing chunks rather than trusting a size from fseek/ftell:
     * this also works on pipes and files that change while being read. */
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return face_codec_fail(err, FACE_ENOMEM, "cannot allocate a read buffer");
    }
    for (;;) {
        if (len == cap) {
            if (cap >= FACE_IMAGE_MAX_FILE_BYTES) {
                free(buf);
                fclose(f);
                return face_codec_fail(err, FACE_ELIMIT, "file is larger than the cap of %zu bytes",
                                       (size_t)FACE_IMAGE_MAX_FILE_BYTES);
            }
            size_t ncap = cap * 2;
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                fclose(f);
                return face_codec_fail(err, FACE_ENOMEM, "cannot allocate %zu bytes to read the file",
                                       ncap);
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    int read_failed = ferror(f);
    int saved_errno = errno;
    fclose(f);
    if (read_failed) {
        free(buf);
        return face_codec_fail(err, FACE_EIO, "read error after %zu bytes: %s", len,
                               strerror(saved_errno));
    }
    face_status st = face_image_decode(buf, len, out, err);
    free(buf);
    return st;
}

/* Case-insensitive "does path end in ext" (ext includes the dot). */
static int has_ext(const char *path, const char *ext)
{
    size_t n = strlen(path), m = strlen(ext);
    if (n < m) return 0;
    const char *p = path + n - m;
    for (size_t i = 0; i < m; i++) {
        unsigned char a = (unsigned char)p[i], b = (unsigned char)ext[i];
        if (a >= 'A' && a <= 'Z') a = (unsigned char)(a - 'A' + 'a');
        if (a != b) return 0;
    }
    return 1;
}

/* A gray copy of img expanded to RGB, so a .ppm always holds P6. */
static face_status gray_to_rgb(const face_image *img, face_image *rgb, face_err *err)
{
    face_status st = face_image_alloc(rgb, (uint64_t)img->w, (uint64_t)img->h, 3, "PPM", err);
    if (st != FACE_OK) return st;
    size_t n = (size_t)img->w * (size_t)img->h;
    for (size_t i = 0; i < n; i++)
        rgb->px[3 * i] = rgb->px[3 * i + 1] = rgb->px[3 * i + 2] = img->px[i];
    return FACE_OK;
}

face_status face_image_save(const char *path, const face_image *img, face_err *err)
{
    if (!path || !img || !img->px || img->w <= 0 || img->h <= 0 ||
        (img->channels != 1 && img->channels != 3))
        return face_codec_fail(err, FACE_EINVAL, "face_image_save: bad argument");
    uint8_t *bytes = NULL;
    size_t n = 0;
    face_status st;
    if (has_ext(path, ".png")) {
        st = face_png_encode(img, &bytes, &n, err);
    } else if (has_ext(path, ".pgm")) {
        if (img->channels != 1)
            return face_codec_fail(err, FACE_EINVAL,
                                   "a colour image cannot be written as .pgm (gray only); use "
                                   ".ppm or .png");
        st = face_pnm_encode(img, &bytes, &n, err);
    } else if (has_ext(path, ".ppm") && img->channels == 1) {
        face_image rgb = {0};
        st = gray_to_rgb(img, &rgb, err);
        if (st == FACE_OK) st = face_pnm_encode(&rgb, &bytes, &n, err);
        face_image_free(&rgb);
    } else if (has_ext(path, ".ppm") || has_ext(path, ".pnm")) {
        st = face_pnm_encode(img, &bytes, &n, err);
    } else {
        return face_codec_fail(err, FACE_EINVAL,
                               "cannot tell the output format from the name: use .png, .ppm, "
                               ".pgm or .pnm");
    }
    if (st != FACE_OK) return st;

    FILE *f = fopen(path, "wb");
    if (!f) {
        int e = errno;
        free(bytes);
        return face_codec_fail(err, FACE_EIO, "cannot create: %s", strerror(e));
    }
    size_t put = fwrite(bytes, 1, n, f);
    int e = errno;
    free(bytes);
    if (put != n) {
        fclose(f);
        return face_codec_fail(err, FACE_EIO, "write failed after %zu of %zu bytes: %s", put, n,
                               strerror(e));
    }
    if (fclose(f) != 0)
        return face_codec_fail(err, FACE_EIO, "write failed on close: %s", strerror(errno));
    return FACE_OK;
}
