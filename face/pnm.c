/*
 * pnm.c - PGM/PPM (Netpbm) decoder and encoder.
 *
 * In:  P2 (ASCII gray), P3 (ASCII RGB), P5 (binary gray), P6 (binary RGB),
 *      maxval 1..65535 (binary samples are 1 byte if maxval < 256, else 2
 *      bytes big-endian), '#' comments anywhere in the header (to the end of
 *      the line). P2/P5 give channels == 1, P3/P6 channels == 3.
 *      Bytes after the raster (a second image, trailing junk) are ignored.
 * Scaling to 8 bits: maxval 255 is kept as is; otherwise
 *      v8 = round(v * 255 / maxval), ties to even, computed exactly in
 *      integers. This is what PIL's PPM decoder computes (Python round() on
 *      v / maxval * 255), so the comparison tool can check us bit for bit.
 *      For maxval 65535 there are no ties (v8 = round(v / 257)).
 * Out: P5 for gray, P6 for RGB, maxval 255.
 */
#include "face/image_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pnm_reader {
    const uint8_t *p; /* [len] the whole file */
    size_t len;
    size_t pos;
    const char *kind; /* "PGM" or "PPM", for messages */
} pnm_reader;

static int is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Skip whitespace and '#' comments (a comment runs to CR or LF). */
static void skip_space(pnm_reader *r)
{
    while (r->pos < r->len) {
        uint8_t c = r->p[r->pos];
        if (is_space(c)) {
            r->pos++;
        } else if (c == '#') {
            while (r->pos < r->len && r->p[r->pos] != '\n' && r->p[r->pos] != '\r') r->pos++;
        } else {
            break;
        }
    }
}

/* A decimal number (at most 10 digits, value <= limit). field names it. */
static face_status read_uint(pnm_reader *r, const char *field, uint64_t limit, uint64_t *v,
                             face_err *err)
{
    skip_space(r);
    if (r->pos >= r->len)
        return face_codec_fail(err, FACE_EFORMAT, "%s: file ends at offset %zu before the %s",
                               r->kind, r->pos, field);
    size_t start = r->pos;
    uint64_t x = 0;
    int digits = 0;
    while (r->pos < r->len && r->p[r->pos] >= '0' && r->p[r->pos] <= '9') {
        if (++digits > 10)
            return face_codec_fail(err, FACE_EFORMAT, "%s: %s at offset %zu has over 10 digits",
                                   r->kind, field, start);
        x = x * 10 + (uint64_t)(r->p[r->pos] - '0');
        r->pos++;
    }
    if (digits == 0)
        return face_codec_fail(err, FACE_EFORMAT,
                               "%s: %s at offset %zu: expected a decimal number, saw byte 0x%02X",
                               r->kind, field, start, (unsigned)r->p[start]);
    if (r->pos < r->len && !is_space(r->p[r->pos]) && r->p[r->pos] != '#')
        return face_codec_fail(err, FACE_EFORMAT,
                               "%s: %s at offset %zu: number followed by byte 0x%02X, not "
                               "whitespace",
                               r->kind, field, start, (unsigned)r->p[r->pos]);
    if (x > limit)
        return face_codec_fail(err, FACE_EFORMAT, "%s: %s at offset %zu is %llu, over %llu",
                               r->kind, field, start, (unsigned long long)x,
                               (unsigned long long)limit);
    *v = x;
    return FACE_OK;
}

/* round(v * 255 / maxval) with ties to even; v <= maxval <= 65535. */
static uint8_t scale_sample(uint32_t v, uint32_t maxval)
{
    if (maxval == 255) return (uint8_t)v;
    uint32_t num = v * 255u;
    uint32_t q = num / maxval, rem = num % maxval;
    if (2 * rem > maxval || (2 * rem == maxval && (q & 1u))) q++;
    return (uint8_t)q;
}

face_status face_pnm_decode(const uint8_t *data, size_t len, face_image *out, face_err *err)
{
    if (!data || !out) return face_codec_fail(err, FACE_EINVAL, "face_pnm_decode: NULL argument");
    if (len < 2 || data[0] != 'P' ||
        (data[1] != '2' && data[1] != '3' && data[1] != '5' && data[1] != '6'))
        return face_codec_fail(err, FACE_EFORMAT,
                               "PNM: no P2/P3/P5/P6 magic number at offset 0");
    int ascii = data[1] == '2' || data[1] == '3';
    int channels = (data[1] == '3' || data[1] == '6') ? 3 : 1;
    pnm_reader r = {data, len, 2, channels == 3 ? "PPM" : "PGM"};
    if (r.pos < len && !is_space(data[r.pos]) && data[r.pos] != '#')
        return face_codec_fail(err, FACE_EFORMAT,
                               "%s: magic number P%c followed by byte 0x%02X, not whitespace",
                               r.kind, data[1], (unsigned)data[2]);

    uint64_t w, h, maxval;
    face_status st;
    if ((st = read_uint(&r, "width", UINT32_MAX, &w, err)) != FACE_OK) return st;
    if ((st = read_uint(&r, "height", UINT32_MAX, &h, err)) != FACE_OK) return st;
    if ((st = read_uint(&r, "maxval", 65535, &maxval, err)) != FACE_OK) return st;
    if (maxval == 0)
        return face_codec_fail(err, FACE_EFORMAT, "%s: maxval is 0 (must be 1..65535)", r.kind);
    if ((st = face_image_check_size(w, h, r.kind, err)) != FACE_OK) return st;

    uint64_t samples = w * h * (uint64_t)channels;
    if (!ascii) {
        /* Exactly one whitespace byte separates maxval from the raster. */
        if (r.pos >= len)
            return face_codec_fail(err, FACE_EFORMAT,
                                   "%s: file ends after the header (offset %zu), no pixel data",
                                   r.kind, r.pos);
        if (data[r.pos] == '#')
            return face_codec_fail(err, FACE_EFORMAT,
                                   "%s: comment after maxval at offset %zu (the raster must "
                                   "follow one whitespace byte)",
                                   r.kind, r.pos);
        r.pos++;
        uint64_t bps = maxval < 256 ? 1 : 2;
        uint64_t need = samples * bps;
        if (need > len - r.pos)
            return face_codec_fail(err, FACE_EFORMAT,
                                   "%s: truncated: %llux%llu needs %llu bytes of pixels from "
                                   "offset %zu, the file has %zu",
                                   r.kind, (unsigned long long)w, (unsigned long long)h,
                                   (unsigned long long)need, r.pos, len - r.pos);
    } else if (samples > len - r.pos) {
        /* Every ASCII sample takes at least one digit: a cheap truncation check
         * before allocating. */
        return face_codec_fail(err, FACE_EFORMAT,
                               "%s: truncated: %llu samples cannot fit in the %zu bytes after "
                               "the header",
                               r.kind, (unsigned long long)samples, len - r.pos);
    }

    face_image img = {0};
    if ((st = face_image_alloc(&img, w, h, channels, r.kind, err)) != FACE_OK) return st;
    size_t n = (size_t)samples;
    if (!ascii) {
        const uint8_t *s = data + r.pos;
        if (maxval < 256) {
            for (size_t i = 0; i < n; i++) {
                if (s[i] > maxval) {
                    face_image_free(&img);
                    return face_codec_fail(err, FACE_EFORMAT,
                                           "%s: sample %zu at offset %zu is %u, over maxval %u",
                                           r.kind, i, r.pos + i, (unsigned)s[i],
                                           (unsigned)maxval);
                }
                img.px[i] = scale_sample(s[i], (uint32_t)maxval);
            }
        } else {
            for (size_t i = 0; i < n; i++) {
                uint32_t v = ((uint32_t)s[2 * i] << 8) | s[2 * i + 1];
                if (v > maxval) {
                    face_image_free(&img);
                    return face_codec_fail(err, FACE_EFORMAT,
                                           "%s: sample %zu at offset %zu is %u, over maxval %u",
                                           r.kind, i, r.pos + 2 * i, (unsigned)v,
                                           (unsigned)maxval);
                }
                img.px[i] = scale_sample(v, (uint32_t)maxval);
            }
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            uint64_t v;
            if ((st = read_uint(&r, "sample", maxval, &v, err)) != FACE_OK) {
                face_image_free(&img);
                return st;
            }
            img.px[i] = scale_sample((uint32_t)v, (uint32_t)maxval);
        }
    }
    *out = img;
    return FACE_OK;
}

face_status face_pnm_encode(const face_image *img, uint8_t **out, size_t *out_len, face_err *err)
{
    if (!img || !img->px || !out || !out_len || img->w <= 0 || img->h <= 0 ||
        (img->channels != 1 && img->channels != 3))
        return face_codec_fail(err, FACE_EINVAL, "face_pnm_encode: bad argument");
    char head[64];
    int hn = snprintf(head, sizeof head, "P%c\n%d %d\n255\n", img->channels == 3 ? '6' : '5',
                      img->w, img->h);
    if (hn < 0 || (size_t)hn >= sizeof head)
        return face_codec_fail(err, FACE_EINVAL, "face_pnm_encode: header does not fit");
    uint64_t raster = (uint64_t)img->w * (uint64_t)img->h * (uint64_t)img->channels;
    if (raster > SIZE_MAX - (size_t)hn)
        return face_codec_fail(err, FACE_ELIMIT, "PNM: image of %llu bytes does not fit in memory",
                               (unsigned long long)raster);
    size_t total = (size_t)hn + (size_t)raster;
    uint8_t *buf = malloc(total);
    if (!buf)
        return face_codec_fail(err, FACE_ENOMEM, "PNM: cannot allocate %zu bytes", total);
    memcpy(buf, head, (size_t)hn);
    memcpy(buf + hn, img->px, (size_t)raster);
    *out = buf;
    *out_len = total;
    return FACE_OK;
}
