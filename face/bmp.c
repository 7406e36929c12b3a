/*
 * bmp.c - Windows BMP decoder.
 *
 * Supported: info headers of 12 (OS/2 v1), 40, 52, 56, 64, 108 and 124
 * bytes; 24-bit BGR; 32-bit BGRX (BI_RGB) and BI_BITFIELDS with byte-wide
 * masks in any order; 1-, 4- and 8-bit palettes; bottom-up (height > 0) and
 * top-down (height < 0) row order. Alpha, where present, is dropped.
 * Refused with FACE_EUNSUPPORTED: 16-bit, RLE4/RLE8, embedded JPEG/PNG.
 * A palette image whose every entry is gray (r == g == b) gives channels 1,
 * like PIL's "L" mode; other palettes and true colour give RGB. A pixel
 * index past the palette's end is an error.
 */
#include "face/image_internal.h"

#include <string.h>

static uint32_t le16(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* A byte-wide bitfield mask: its shift, or -1 if it is not 8 contiguous bits on a byte boundary. */
static int mask_shift(uint32_t mask)
{
    for (int s = 0; s <= 24; s += 8)
        if (mask == (0xFFu << s)) return s;
    return -1;
}

face_status face_bmp_decode(const uint8_t *data, size_t len, face_image *out, face_err *err)
{
    if (!data || !out) return face_codec_fail(err, FACE_EINVAL, "face_bmp_decode: NULL argument");
    if (len < 18 || data[0] != 'B' || data[1] != 'M')
        return face_codec_fail(err, FACE_EFORMAT, "BMP: %zu bytes, no 'BM' file header", len);
    uint32_t pix_off = le32(data + 10);
    uint32_t hsize = le32(data + 14);
    if (hsize != 12 && hsize != 40 && hsize != 52 && hsize != 56 && hsize != 64 && hsize != 108 &&
        hsize != 124)
        return face_codec_fail(err, FACE_EUNSUPPORTED,
                               "BMP: info header size %u at offset 14 (known: 12, 40, 52, 56, "
                               "64, 108, 124)",
                               (unsigned)hsize);
    if (len < 14 + (size_t)hsize)
        return face_codec_fail(err, FACE_EFORMAT,
                               "BMP: truncated: the %u-byte info header needs %u bytes, file has "
                               "%zu",
                               (unsigned)hsize, (unsigned)(14 + hsize), len);
    const uint8_t *h = data + 14;
    uint64_t w;
    int64_t sh;
    uint32_t planes, bits, comp = 0, ncolors = 0;
    unsigned pal_entry = 4;
    if (hsize == 12) {
        w = le16(h + 4);
        sh = (int64_t)le16(h + 6);
        planes = le16(h + 8);
        bits = le16(h + 10);
        pal_entry = 3;
    } else {
        uint32_t uw = le32(h + 4), uh = le32(h + 8);
        if (uw & 0x80000000u)
            return face_codec_fail(err, FACE_EFORMAT,
                                   "BMP: width field 0x%08X at offset 18 is negative", (unsigned)uw);
        w = uw;
        /* Two's complement by hand: no implementation-defined conversion. */
        sh = (uh & 0x80000000u) ? -(int64_t)(0x100000000ull - uh) : (int64_t)uh;
        planes = le16(h + 12);
        bits = le16(h + 14);
        comp = le32(h + 16);
        ncolors = le32(h + 32);
    }
    int top_down = sh < 0;
    uint64_t hh = (uint64_t)(sh < 0 ? -sh : sh);
    if (planes != 1)
        return face_codec_fail(err, FACE_EFORMAT, "BMP: %u colour planes (must be 1)",
                               (unsigned)planes);
    if (bits != 1 && bits != 4 && bits != 8 && bits != 24 && bits != 32)
        return face_codec_fail(err, FACE_EUNSUPPORTED,
                               "BMP: %u bits per pixel (supported: 1, 4, 8, 24, 32)",
                               (unsigned)bits);
    if (comp == 1 || comp == 2)
        return face_codec_fail(err, FACE_EUNSUPPORTED,
                               "BMP: RLE%u compression is not supported", comp == 1 ? 8u : 4u);
    if (comp != 0 && !(comp == 3 && bits == 32))
        return face_codec_fail(err, FACE_EUNSUPPORTED,
                               "BMP: compression %u with %u bits per pixel is not supported "
                               "(only uncompressed, or BITFIELDS with 32 bits)",
                               (unsigned)comp, (unsigned)bits);
    face_status st = face_image_check_size(w, hh, "BMP", err);
    if (st != FACE_OK) return st;

    /* Channel positions within a 32-bit pixel (default BGRX, little-endian). */
    int rs = 16, gs = 8, bs = 0;
    size_t after_header = 14 + (size_t)hsize;
    if (comp == 3) {
        const uint8_t *m = h + 40;
        if (hsize == 40) {
            /* The three masks follow the 40-byte header. */
            if (len < after_header + 12)
                return face_codec_fail(err, FACE_EFORMAT, "BMP: truncated in the bitfield masks");
            m = data + after_header;
            after_header += 12;
        }
        uint32_t rm = le32(m), gm = le32(m + 4), bm = le32(m + 8);
        rs = mask_shift(rm);
        gs = mask_shift(gm);
        bs = mask_shift(bm);
        if (rs < 0 || gs < 0 || bs < 0)
            return face_codec_fail(err, FACE_EUNSUPPORTED,
                                   "BMP: bitfield masks R 0x%08X G 0x%08X B 0x%08X are not all "
                                   "byte-wide (not supported)",
                                   (unsigned)rm, (unsigned)gm, (unsigned)bm);
    }

    uint8_t pal[256][3]; /* [entry][r g b] */
    unsigned npal = 0;
    int gray = 0;
    if (bits <= 8) {
        uint32_t maxc = 1u << bits;
        npal = ncolors ? ncolors : maxc;
        if (npal > maxc)
            return face_codec_fail(err, FACE_EFORMAT,
                                   "BMP: %u palette colours declared at offset 46, %u bits per "
                                   "pixel allow %u",
                                   (unsigned)npal, (unsigned)bits, (unsigned)maxc);
        if ((uint64_t)npal * pal_entry > len - after_header)
            return face_codec_fail(err, FACE_EFORMAT,
                                   "BMP: truncated: the %u-entry palette at offset %zu does not fit",
                                   npal, after_header);
        gray = 1;
        for (unsigned i = 0; i < npal; i++) {
            const uint8_t *e = data + after_header + (size_t)i * pal_entry;
            pal[i][0] = e[2];
            pal[i][1] = e[1];
            pal[i][2] = e[0];
            if (e[0] != e[1] || e[0] != e[2]) gray = 0;
        }
    }

    uint64_t stride = ((w * bits + 31) / 32) * 4;
    uint64_t need = stride * hh;
    if (pix_off > len || need > len - pix_off)
        return face_codec_fail(err, FACE_EFORMAT,
                               "BMP: truncated: %llux%llu at %u bits needs %llu bytes of pixels "
                               "from offset %u, the file has %zu bytes",
                               (unsigned long long)w, (unsigned long long)hh, (unsigned)bits,
                               (unsigned long long)need, (unsigned)pix_off, len);

    face_image img = {0};
    if ((st = face_image_alloc(&img, w, hh, gray ? 1 : 3, "BMP", err)) != FACE_OK) return st;
    int ch = img.channels;
    for (uint64_t y = 0; y < hh; y++) {
        const uint8_t *row = data + pix_off + (top_down ? y : hh - 1 - y) * stride;
        uint8_t *dst = img.px + (size_t)y * (size_t)w * (size_t)ch;
        for (uint64_t x = 0; x < w; x++, dst += ch) {
            if (bits == 24) {
                dst[0] = row[3 * x + 2];
                dst[1] = row[3 * x + 1];
                dst[2] = row[3 * x];
            } else if (bits == 32) {
                uint32_t v = le32(row + 4 * x);
                dst[0] = (uint8_t)(v >> rs);
                dst[1] = (uint8_t)(v >> gs);
                dst[2] = (uint8_t)(v >> bs);
            } else {
                uint64_t bit = x * bits;
                unsigned idx = (row[bit >> 3] >> (8u - bits - (unsigned)(bit & 7u))) & ((1u << bits) - 1u);
                if (idx >= npal) {
                    face_image_free(&img);
                    return face_codec_fail(err, FACE_EFORMAT,
                                           "BMP: pixel (%llu,%llu) has palette index %u, the "
                                           "palette has %u entries",
                                           (unsigned long long)x, (unsigned long long)y, idx, npal);
                }
                dst[0] = pal[idx][0];
                if (ch == 3) {
                    dst[1] = pal[idx][1];
                    dst[2] = pal[idx][2];
                }
            }
        }
    }
    *out = img;
    return FACE_OK;
}
