/*
 * png.c - PNG decoder and encoder (our own inflate/deflate, face/inflate.c
 * and face/deflate.c).
 *
 * Decoder: every colour type and bit depth of PNG 1.2 (gray 1/2/4/8/16,
 * RGB 8/16, palette 1/2/4/8, gray+alpha 8/16, RGBA 8/16), Adam7 interlace,
 * all five row filters. The CRC-32 of every chunk is checked (ancillary
 * ones too) and the zlib Adler-32; a missing IEND is reported as truncation.
 * Unknown ancillary chunks are skipped, unknown critical ones refused.
 *
 * Output rules (these match what PIL gives after convert("RGB"/"L"), which
 * is what tests/compare_images.py checks against):
 *   - alpha is DROPPED, not composited: RGBA -> RGB, gray+alpha -> gray,
 *     and tRNS is ignored. Colour values under transparent pixels are kept
 *     as stored.
 *   - 16-bit samples keep their HIGH byte (v >> 8), as PIL does for RGB;16B
 *     (for 16-bit gray PIL gives mode I, and the tool takes v >> 8 too).
 *   - gray below 8 bits is scaled exactly to 0..255 (x255, x85, x17).
 *   - palette images give RGB (channels 3), except when every palette entry
 *     is gray (r == g == b): then channels 1. A pixel index past the end of
 *     the palette is an error.
 *   - gray and gray+alpha give channels 1, everything else channels 3.
 *
 * Encoder: 8-bit gray or RGB, no interlace; each row gets the filter whose
 * output has the smallest sum of absolute values (as signed bytes), the
 * usual heuristic, then the whole is deflated with dynamic Huffman codes.
 */
#include "face/image_internal.h"

#include <stdlib.h>
#include <string.h>

/* Fuzz builds (make fuzz defines FACENET_FUZZ) skip the chunk CRCs so that
 * mutated inputs get past them to the parsers behind; see tests/fuzz/. */
#ifdef FACENET_FUZZ
#define PNG_CHECK_CRC 0
#else
#define PNG_CHECK_CRC 1
#endif

static const uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};

/* Adam7 passes: start x, start y, step x, step y. */
static const uint8_t adam7[7][4] = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4},
                                    {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

typedef struct png_info {
    uint32_t w, h;
    unsigned depth;    /* bits per sample: 1 2 4 8 16 */
    unsigned ctype;    /* colour type: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA */
    unsigned interlace;
    unsigned samples;  /* samples per pixel: 1 2 3 4 */
    unsigned npal;     /* palette entries */
    uint8_t pal[256][3]; /* [npal][r g b] */
    int pal_gray;      /* every palette entry has r == g == b */
} png_info;

/* Pixels of an Adam7 pass along one axis of `size` pixels: ceil((size - start) / step). */
static uint32_t pass_extent(uint32_t size, uint32_t start, uint32_t step)
{
    return size > start ? (size - start + step - 1) / step : 0;
}

/* Bytes of one filtered row of width w (without the filter byte). */
static uint64_t row_bytes(const png_info *pi, uint64_t w)
{
    return (w * pi->samples * pi->depth + 7) / 8;
}

static int paeth(int a, int b, int c)
{
    int p = a + b - c;
    int pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    if (pa <= pb && pa <= pc) return a;
    if (pb <= pc) return b;
    return c;
}

/* Undo the filter of one row in place; prev is the unfiltered previous row
 * of the same pass or NULL for the first. bpp: bytes per complete pixel,
 * at least 1. */
static int unfilter_row(uint8_t *row, const uint8_t *prev, size_t n, unsigned filter, size_t bpp)
{
    switch (filter) {
    case 0: break;
    case 1:
        for (size_t i = bpp; i < n; i++) row[i] = (uint8_t)(row[i] + row[i - bpp]);
        break;
    case 2:
        if (prev)
            for (size_t i = 0; i < n; i++) row[i] = (uint8_t)(row[i] + prev[i]);
        break;
    case 3:
        for (size_t i = 0; i < n; i++) {
            unsigned a = i >= bpp ? row[i - bpp] : 0, b = prev ? prev[i] : 0;
            row[i] = (uint8_t)(row[i] + ((a + b) >> 1));
        }
        break;
    case 4:
        for (size_t i = 0; i < n; i++) {
            int a = i >= bpp ? row[i - bpp] : 0, b = prev ? prev[i] : 0;
            int c = (i >= bpp && prev) ? prev[i - bpp] : 0;
            row[i] = (uint8_t)(row[i] + paeth(a, b, c));
        }
        break;
    default: return -1;
    }
    return 0;
}

/* Sample i of an unfiltered row, as stored (0..2^depth-1; 16-bit: full value). */
static unsigned get_sample(const uint8_t *row, size_t i, unsigned depth)
{
    switch (depth) {
    case 8: return row[i];
    case 16: return ((unsigned)row[2 * i] << 8) | row[2 * i + 1];
    default: {
        size_t bit = i * depth;
        unsigned shift = 8u - depth - (unsigned)(bit & 7u);
        return (row[bit >> 3] >> shift) & ((1u << depth) - 1u);
    }
    }
}

/* Gray sample of `depth` bits to 8 bits (16-bit: high byte). */
static uint8_t gray8(unsigned v, unsigned depth)
{
    switch (depth) {
    case 1: return (uint8_t)(v * 255u);
    case 2: return (uint8_t)(v * 85u);
    case 4: return (uint8_t)(v * 17u);
    case 8: return (uint8_t)v;
    default: return (uint8_t)(v >> 8);
    }
}

/* Write one unfiltered row of a pass into the image: pixels x0, x0+dx, ... of line y. */
static face_status emit_row(const png_info *pi, const uint8_t *row, uint32_t pw, face_image *img,
                            uint32_t x0, uint32_t dx, uint32_t y, face_err *err)
{
    int ch = img->channels;
    uint8_t *line = img->px + (size_t)y * (size_t)img->w * (size_t)ch;
    unsigned s = pi->samples;
    for (uint32_t i = 0; i < pw; i++) {
        /* Indexed afresh each time: stepping a pointer by dx could leave the buffer. */
        uint8_t *dst = line + ((size_t)x0 + (size_t)i * dx) * (size_t)ch;
        if (pi->ctype == 3) {
            unsigned idx = get_sample(row, i, pi->depth);
            if (idx >= pi->npal)
                return face_codec_fail(err, FACE_EFORMAT,
                                       "PNG: pixel (%u,%u) has palette index %u, the PLTE has "
                                       "only %u entries",
                                       (unsigned)(x0 + i * dx), (unsigned)y, idx, pi->npal);
            if (ch == 1) {
                dst[0] = pi->pal[idx][0];
            } else {
                dst[0] = pi->pal[idx][0];
                dst[1] = pi->pal[idx][1];
                dst[2] = pi->pal[idx][2];
            }
        } else if (ch == 1) {
            /* gray or gray+alpha: sample 0 of each pixel */
            dst[0] = gray8(get_sample(row, (size_t)i * s, pi->depth), pi->depth);
        } else {
            /* RGB or RGBA, depth 8 or 16 */
            for (int c = 0; c < 3; c++)
                dst[c] = gray8(get_sample(row, (size_t)i * s + (size_t)c, pi->depth), pi->depth);
        }
    }
    return FACE_OK;
}

static face_status parse_ihdr(png_info *pi, const uint8_t *d, uint32_t n, face_err *err)
{
    if (n != 13)
        return face_codec_fail(err, FACE_EFORMAT, "PNG: IHDR is %u bytes long (must be 13)",
                               (unsigned)n);
    pi->w = be32(d);
    pi->h = be32(d + 4);
    pi->depth = d[8];
    pi->ctype = d[9];
    pi->interlace = d[12];
    if (pi->w == 0 || pi->h == 0 || pi->w > 0x7FFFFFFFu || pi->h > 0x7FFFFFFFu)
        return face_codec_fail(err, FACE_EFORMAT,
                               "PNG: IHDR size %ux%u (each must be 1..2^31-1)", (unsigned)pi->w,
                               (unsigned)pi->h);
    int ok;
    switch (pi->ctype) {
    case 0:
        pi->samples = 1;
        ok = pi->depth == 1 || pi->depth == 2 || pi->depth == 4 || pi->depth == 8 || pi->depth == 16;
        break;
    case 3:
        pi->samples = 1;
        ok = pi->depth == 1 || pi->depth == 2 || pi->depth == 4 || pi->depth == 8;
        break;
    case 2: pi->samples = 3; ok = pi->depth == 8 || pi->depth == 16; break;
    case 4: pi->samples = 2; ok = pi->depth == 8 || pi->depth == 16; break;
    case 6: pi->samples = 4; ok = pi->depth == 8 || pi->depth == 16; break;
    default:
        return face_codec_fail(err, FACE_EFORMAT,
                               "PNG: IHDR colour type %u (must be 0, 2, 3, 4 or 6)", pi->ctype);
    }
    if (!ok)
        return face_codec_fail(err, FACE_EFORMAT,
                               "PNG: IHDR bit depth %u is not allowed for colour type %u",
                               pi->depth, pi->ctype);
    if (d[10] != 0 || d[11] != 0)
        return face_codec_fail(err, FACE_EFORMAT,
                               "PNG: IHDR compression method %u / filter method %u (both must "
                               "be 0)",
                               (unsigned)d[10], (unsigned)d[11]);
    if (pi->interlace > 1)
        return face_codec_fail(err, FACE_EFORMAT, "PNG: IHDR interlace method %u (must be 0 or 1)",
                               pi->interlace);
    return face_image_check_size(pi->w, pi->h, "PNG", err);
}

static face_status parse_plte(png_info *pi, const uint8_t *d, uint32_t n, face_err *err)
{
    if (n == 0 || n % 3 != 0 || n / 3 > 256)
        return face_codec_fail(err, FACE_EFORMAT,
                               "PNG: PLTE is %u bytes (must be 3 x 1..256 entries)", (unsigned)n);
    if (pi->ctype == 3 && n / 3 > (1u << pi->depth))
        return face_codec_fail(err, FACE_EFORMAT,
                               "PNG: PLTE has %u entries, more than bit depth %u allows",
                               (unsigned)(n / 3), pi->depth);
    pi->npal = n / 3;
    pi->pal_gray = 1;
    for (unsigned i = 0; i < pi->npal; i++) {
        pi->pal[i][0] = d[3 * i];
        pi->pal[i][1] = d[3 * i + 1];
        pi->pal[i][2] = d[3 * i + 2];
        if (d[3 * i] != d[3 * i + 1] || d[3 * i] != d[3 * i + 2]) pi->pal_gray = 0;
    }
    return FACE_OK;
}

/* Total bytes of the decompressed image data (filter bytes included). */
static uint64_t raw_size(const png_info *pi)
{
    if (!pi->interlace) return (uint64_t)pi->h * (1 + row_bytes(pi, pi->w));
    uint64_t total = 0;
    for (int p = 0; p < 7; p++) {
        uint64_t pw = pass_extent(pi->w, adam7[p][0], adam7[p][2]);
        uint64_t ph = pass_extent(pi->h, adam7[p][1], adam7[p][3]);
        if (pw && ph) total += ph * (1 + row_bytes(pi, pw));
    }
    return total;
}

static face_status unfilter_all(const png_info *pi, uint8_t *raw, face_image *img, face_err *err)
{
    size_t bpp = (pi->samples * pi->depth + 7) / 8;
    int passes = pi->interlace ? 7 : 1;
    size_t off = 0;
    for (int p = 0; p < passes; p++) {
        uint32_t x0 = 0, y0 = 0, dx = 1, dy = 1, pw = pi->w, ph = pi->h;
        if (pi->interlace) {
            x0 = adam7[p][0];
            y0 = adam7[p][1];
            dx = adam7[p][2];
            dy = adam7[p][3];
            pw = pass_extent(pi->w, x0, dx);
            ph = pass_extent(pi->h, y0, dy);
            if (!pw || !ph) continue;
        }
        size_t n = (size_t)row_bytes(pi, pw);
        const uint8_t *prev = NULL;
        for (uint32_t r = 0; r < ph; r++) {
            unsigned filter = raw[off];
            uint8_t *row = raw + off + 1;
            if (unfilter_row(row, prev, n, filter, bpp) != 0)
                return face_codec_fail(err, FACE_EFORMAT,
                                       "PNG: row %u%s has filter type %u (must be 0..4)",
                                       (unsigned)r, pi->interlace ? " of an Adam7 pass" : "",
                                       filter);
            face_status st = emit_row(pi, row, pw, img, x0, dx, y0 + r * dy, err);
            if (st != FACE_OK) return st;
            prev = row;
            off += n + 1;
        }
    }
    return FACE_OK;
}

face_status face_png_decode(const uint8_t *data, size_t len, face_image *out, face_err *err)
{
    if (!data || !out) return face_codec_fail(err, FACE_EINVAL, "face_png_decode: NULL argument");
    if (len < 8 || memcmp(data, png_signature, 8) != 0)
        return face_codec_fail(err, FACE_EFORMAT, "PNG: no PNG signature at offset 0");

    png_info pi;
    memset(&pi, 0, sizeof pi);
    int have_ihdr = 0, have_iend = 0, idat_done = 0;
    uint8_t *z = NULL; /* [zlen] the IDAT chunks' data, concatenated */
    size_t zlen = 0, zcap = 0;
    face_status st = FACE_OK;
    size_t pos = 8;

    while (!have_iend) {
        if (len - pos < 12) {
            st = face_codec_fail(err, FACE_EFORMAT,
                                 "PNG: truncated at offset %zu: no IEND chunk (%zu bytes left, a "
                                 "chunk needs at least 12)",
                                 pos, len - pos);
            goto fail;
        }
        uint32_t n = be32(data + pos);
        const uint8_t *type = data + pos + 4;
        char name[5];
        for (int i = 0; i < 4; i++) {
            uint8_t c = type[i];
            name[i] = ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) ? (char)c : '?';
        }
        name[4] = '\0';
        if (strchr(name, '?')) {
            st = face_codec_fail(err, FACE_EFORMAT,
                                 "PNG: chunk at offset %zu has an invalid type %02X %02X %02X %02X",
                                 pos, (unsigned)type[0], (unsigned)type[1], (unsigned)type[2],
                                 (unsigned)type[3]);
            goto fail;
        }
        if (n > 0x7FFFFFFFu || n > len - pos - 12) {
            st = face_codec_fail(err, FACE_EFORMAT,
                                 "PNG: chunk %s at offset %zu declares %u bytes, only %zu remain "
                                 "(truncated file?)",
                                 name, pos, (unsigned)n, len - pos - 12);
            goto fail;
        }
        const uint8_t *d = data + pos + 8;
        uint32_t stored = be32(d + n), crc = face_crc32(0, type, (size_t)n + 4);
        if (PNG_CHECK_CRC && stored != crc) {
            st = face_codec_fail(err, FACE_EFORMAT,
                                 "PNG: CRC mismatch in chunk %s at offset %zu: stored 0x%08X, "
                                 "computed 0x%08X",
                                 name, pos, (unsigned)stored, (unsigned)crc);
            goto fail;
        }
        if (!have_ihdr && strcmp(name, "IHDR") != 0) {
            st = face_codec_fail(err, FACE_EFORMAT,
                                 "PNG: first chunk is %s at offset %zu (must be IHDR)", name, pos);
            goto fail;
        }
        if (!strcmp(name, "IHDR")) {
            if (have_ihdr) {
                st = face_codec_fail(err, FACE_EFORMAT, "PNG: second IHDR at offset %zu", pos);
                goto fail;
            }
            if ((st = parse_ihdr(&pi, d, n, err)) != FACE_OK) goto fail;
            have_ihdr = 1;
        } else if (!strcmp(name, "PLTE")) {
            if (zlen || idat_done) {
                st = face_codec_fail(err, FACE_EFORMAT, "PNG: PLTE after IDAT at offset %zu", pos);
                goto fail;
            }
            if ((st = parse_plte(&pi, d, n, err)) != FACE_OK) goto fail;
        } else if (!strcmp(name, "IDAT")) {
            if (idat_done) {
                st = face_codec_fail(err, FACE_EFORMAT,
                                     "PNG: IDAT at offset %zu after another chunk ended the "
                                     "image data (IDATs must be consecutive)",
                                     pos);
                goto fail;
            }
            if (n > zcap - zlen) {
                /* Grow geometrically; the total is bounded by the file size. */
                size_t want = zlen + n, ncap = zcap ? zcap : 1 << 16;
                while (ncap < want) ncap = ncap > SIZE_MAX / 2 ? want : ncap * 2;
                uint8_t *nz = realloc(z, ncap);
                if (!nz) {
                    st = face_codec_fail(err, FACE_ENOMEM, "PNG: cannot allocate %zu bytes for "
                                                           "IDAT data",
                                         ncap);
                    goto fail;
                }
                z = nz;
                zcap = ncap;
            }
            memcpy(z + zlen, d, n);
            zlen += n;
        } else if (!strcmp(name, "IEND")) {
            have_iend = 1;
        } else if (!(type[0] & 0x20u)) {
            st = face_codec_fail(err, FACE_EUNSUPPORTED,
                                 "PNG: unknown critical chunk %s at offset %zu", name, pos);
            goto fail;
        }
        if (zlen && strcmp(name, "IDAT") != 0) idat_done = 1;
        pos += (size_t)n + 12;
    }

    if (!zlen) {
        st = face_codec_fail(err, FACE_EFORMAT, "PNG: no IDAT chunk (no image data)");
        goto fail;
    }
    if (pi.ctype == 3 && pi.npal == 0) {
        st = face_codec_fail(err, FACE_EFORMAT, "PNG: palette image (colour type 3) without PLTE");
        goto fail;
    }

    {
        uint64_t need = raw_size(&pi); /* w, h <= 2^15 here: no overflow */
        if (need > SIZE_MAX) {
            st = face_codec_fail(err, FACE_ELIMIT, "PNG: %llu bytes of image data do not fit",
                                 (unsigned long long)need);
            goto fail;
        }
        /* Deflate expands at most about 1032:1; refuse before allocating if
         * the IDAT data cannot possibly hold the image. */
        if (need / 1032 > zlen + 64) {
            st = face_codec_fail(err, FACE_EFORMAT,
                                 "PNG: %zu bytes of IDAT data cannot hold the %llu bytes a "
                                 "%ux%u image needs (truncated?)",
                                 zlen, (unsigned long long)need, (unsigned)pi.w, (unsigned)pi.h);
            goto fail;
        }
        uint8_t *raw = malloc((size_t)need);
        if (!raw) {
            st = face_codec_fail(err, FACE_ENOMEM, "PNG: cannot allocate %llu bytes",
                                 (unsigned long long)need);
            goto fail;
        }
        size_t got = 0;
        st = face_zlib_inflate(z, zlen, raw, (size_t)need, &got, err);
        if (st == FACE_OK && got != need)
            st = face_codec_fail(err, FACE_EFORMAT,
                                 "PNG: image data decompresses to %zu bytes, a %ux%u image needs "
                                 "%llu",
                                 got, (unsigned)pi.w, (unsigned)pi.h, (unsigned long long)need);
        if (st != FACE_OK) {
            if (err) {
                char inner[sizeof err->msg];
                memcpy(inner, err->msg, sizeof inner);
                face_codec_fail(err, st, "PNG: IDAT data: %s", inner);
            }
            free(raw);
            goto fail;
        }
        int channels = (pi.ctype == 0 || pi.ctype == 4 || (pi.ctype == 3 && pi.pal_gray)) ? 1 : 3;
        face_image img = {0};
        st = face_image_alloc(&img, pi.w, pi.h, channels, "PNG", err);
        if (st == FACE_OK) st = unfilter_all(&pi, raw, &img, err);
        free(raw);
        if (st != FACE_OK) {
            face_image_free(&img);
            goto fail;
        }
        free(z);
        *out = img;
        return FACE_OK;
    }

fail:
    free(z);
    return st;
}

/* ---- encoder ---- */

/* Append one chunk (length, type, data, CRC) at buf[*pos]; room is the caller's. */
static void put_chunk(uint8_t *buf, size_t *pos, const char *type, const uint8_t *d, size_t n)
{
    uint8_t *p = buf + *pos;
    put_be32(p, (uint32_t)n);
    memcpy(p + 4, type, 4);
    if (n) memcpy(p + 8, d, n);
    put_be32(p + 8 + n, face_crc32(0, p + 4, n + 4));
    *pos += n + 12;
}

/* Filter one row with type f into dst (n bytes); returns the sum of |byte as signed|. */
static uint64_t filter_row(uint8_t *dst, const uint8_t *row, const uint8_t *prev, size_t n,
                           size_t bpp, unsigned f)
{
    uint64_t cost = 0;
    for (size_t i = 0; i < n; i++) {
        int a = i >= bpp ? row[i - bpp] : 0, b = prev ? prev[i] : 0;
        int c = (i >= bpp && prev) ? prev[i - bpp] : 0;
        int pred = 0;
        switch (f) {
        case 1: pred = a; break;
        case 2: pred = b; break;
        case 3: pred = (a + b) >> 1; break;
        case 4: pred = paeth(a, b, c); break;
        default: pred = 0; break;
        }
        uint8_t v = (uint8_t)(row[i] - pred);
        dst[i] = v;
        cost += v < 128 ? v : 256u - v;
    }
    return cost;
}

face_status face_png_encode(const face_image *img, uint8_t **out, size_t *out_len, face_err *err)
{
    if (!img || !img->px || !out || !out_len || (img->channels != 1 && img->channels != 3))
        return face_codec_fail(err, FACE_EINVAL, "face_png_encode: bad argument");
    face_status st = face_image_check_size(img->w > 0 ? (uint64_t)img->w : 0,
                                           img->h > 0 ? (uint64_t)img->h : 0, "PNG encode", err);
    if (st != FACE_OK) return st;

    size_t w = (size_t)img->w, h = (size_t)img->h, bpp = (size_t)img->channels;
    size_t n = w * bpp;
    size_t raw_len = h * (n + 1);
    uint8_t *raw = malloc(raw_len);
    uint8_t *trial = malloc(n);
    if (!raw || !trial) {
        free(raw);
        free(trial);
        return face_codec_fail(err, FACE_ENOMEM, "PNG encode: cannot allocate %zu bytes", raw_len);
    }
    for (size_t y = 0; y < h; y++) {
        const uint8_t *row = img->px + y * n, *prev = y ? row - n : NULL;
        uint8_t *dst = raw + y * (n + 1);
        uint64_t best = UINT64_MAX;
        for (unsigned f = 0; f < 5; f++) {
            uint64_t cost = filter_row(trial, row, prev, n, bpp, f);
            if (cost < best) {
                best = cost;
                dst[0] = (uint8_t)f;
                memcpy(dst + 1, trial, n);
            }
        }
    }
    free(trial);

    uint8_t *z = NULL;
    size_t zlen = 0;
    st = face_zlib_deflate(raw, raw_len, &z, &zlen, err);
    free(raw);
    if (st != FACE_OK) return st;

    /* IDAT chunks of at most 1 MiB each. */
    const size_t max_idat = (size_t)1 << 20;
    size_t nidat = zlen / max_idat + 1;
    size_t total = 8 + (13 + 12) + zlen + 12 * nidat + 12;
    uint8_t *buf = malloc(total);
    if (!buf) {
        free(z);
        return face_codec_fail(err, FACE_ENOMEM, "PNG encode: cannot allocate %zu bytes", total);
    }
    size_t pos = 0;
    memcpy(buf, png_signature, 8);
    pos = 8;
    uint8_t ihdr[13];
    put_be32(ihdr, (uint32_t)w);
    put_be32(ihdr + 4, (uint32_t)h);
    ihdr[8] = 8;
    ihdr[9] = img->channels == 3 ? 2 : 0;
    ihdr[10] = ihdr[11] = ihdr[12] = 0;
    put_chunk(buf, &pos, "IHDR", ihdr, 13);
    for (size_t off = 0; off < zlen || off == 0; off += max_idat) {
        size_t m = zlen - off < max_idat ? zlen - off : max_idat;
        put_chunk(buf, &pos, "IDAT", z + off, m);
        if (zlen == 0) break;
    }
    put_chunk(buf, &pos, "IEND", NULL, 0);
    free(z);
    *out = buf;
    *out_len = pos;
    return FACE_OK;
}
