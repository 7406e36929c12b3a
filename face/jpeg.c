/*
 * jpeg.c - JPEG decoder (ITU-T T.81 / JFIF / EXIF orientation).
 *
 * Supported: baseline and extended sequential (SOF0, SOF1) and progressive
 * (SOF2) Huffman-coded JPEG, 8-bit samples, 1 component (gray out) or
 * 3 components (YCbCr, or RGB when an Adobe APP14 marker says transform 0,
 * RGB out), any integer ratio of sampling factors (4:4:4, 4:2:2, 4:2:0,
 * 4:4:0, 4:1:1, ...), restart intervals, EXIF orientation (APP1 "Exif",
 * tag 0x0112, both byte orders) applied to the output.
 * Refused with FACE_EUNSUPPORTED and a reason: arithmetic coding (SOF9..15),
 * lossless and hierarchical modes (SOF3, SOF5..7), 12-bit samples,
 * 2- and 4-component images (CMYK/YCCK), fractional sampling ratios, DNL.
 *
 * Pixel fidelity: the goal is to give the same pixels as libjpeg-turbo's
 * default path (what PIL and most viewers use):
 *   - IDCT: the accurate integer Loeffler-Ligtenberg-Moschytz factorisation
 *     with 13-bit constants and 2 extra bits kept between the passes, with
 *     round-half-up descaling (the "islow" method of the IJG library);
 *   - chroma upsampling: the triangle ("fancy") filter for 2:1 ratios
 *     (3/4 near sample + 1/4 far sample, with libjpeg's alternating
 *     rounding biases), edge samples replicated; box replication for other
 *     ratios, as libjpeg does;
 *   - YCbCr->RGB: JFIF full-range equations in 16-bit fixed point, rounded
 *     half up, clamped to 0..255.
 *
 * Bad input: every marker length, table, index and size is checked; a
 * message names the marker, its byte offset, the value seen and the rule.
 * Truncated or corrupt entropy-coded data is an error (FACE_EFORMAT), not a
 * silently padded image: libjpeg would pad with zero bits and only warn, and
 * we have no warning channel. A missing EOI marker is accepted only for a
 * sequential file whose every component was fully decoded; a progressive
 * file without EOI is an error, since its later scans may be missing. Malformed EXIF data is ignored (orientation taken as 1): it is
 * metadata, the picture itself is intact.
 *
 * Ranges (to keep every intermediate inside int32): dequantised
 * coefficients are clamped to +-16383 and the IDCT's first-pass outputs to
 * +-16383. Valid 8-bit JPEG data stays far inside both (coefficients of an
 * 8-bit block are within +-1024 plus half a quantiser step), so the clamps
 * change nothing for valid files and only bound garbage.
 *
 * Implementation-defined behaviour relied on: >> of a negative int is an
 * arithmetic shift (checked below at compile time); every compiler for
 * the targets we build on (gcc, clang, MSVC) does this.
 */
#include "face/face.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert((-1 >> 1) == -1, "jpeg.c needs >> of negative ints to be arithmetic");

/* Smaller caps for fuzzing so that a 30-byte header cannot ask for gigabytes. */
#ifdef FACENET_FUZZ
#define JPEG_MAX_PIXELS (1u << 22)
#else
#define JPEG_MAX_PIXELS FACE_IMAGE_MAX_PIXELS
#endif

#define HUFF_FAST_BITS 9 /* codes up to this length decode with one table look-up */

/* Row loops run in chunks of ROW_CHUNK samples with a fixed trip count, so
 * that compilers vectorise them even at -O2 (no remainder loop needed);
 * planes and row buffers have ROW_PAD bytes of zeroed slack so the last chunk
 * may overhang the width (the overhang's results are never used). */
#define ROW_CHUNK 16
#define ROW_PAD 64

/* Zigzag scan position -> natural (row-major) index inside an 8x8 block.
 * 16 extra entries point at 63 so that a corrupt run cannot index outside. */
static const uint8_t jpeg_zigzag[64 + 16] = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6,  7,  14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63};

typedef struct jpeg_huff {
    int present;
    /* fast[next HUFF_FAST_BITS bits] = (code length << 8) | symbol, or 0 when
     * the code is longer than HUFF_FAST_BITS. */
    uint16_t fast[1 << HUFF_FAST_BITS];
    /* fast_ac[next bits]: for AC tables, when code length + value bits fit in
     * HUFF_FAST_BITS: (value << 16) | (run << 8) | total bits; else 0. */
    int32_t fast_ac[1 << HUFF_FAST_BITS];
    /* limit[length]: a 16-bit window whose first `length` bits are a code of
     * that length is below limit[length] (largest code + 1, shifted to 16
     * bits; 0 if none); [17] is a sentinel above every window */
    int32_t limit[18];
    int32_t valoff[17];  /* [length] index into vals of a code minus the code */
    uint8_t vals[256];   /* symbols in code order */
} jpeg_huff;

typedef struct jpeg_comp {
    int id;       /* component identifier from SOF */
    int hs, vs;   /* sampling factors, 1..4 */
    int tq;       /* quantisation table index, 0..3 */
    int td, ta;   /* DC/AC Huffman table index of the current scan */
    int w, h;     /* size in samples: ceil(image size * factor / max factor) */
    int bw, bh;   /* blocks in the plane, padded to whole MCUs */
    int nbw, nbh; /* blocks that cover w x h (a non-interleaved scan's extent) */
    int dc_pred;  /* DC predictor of the current scan */
    size_t stride;  /* bytes per plane row: bw * 8 */
    uint8_t *plane; /* [bh * 8][stride] decoded samples */
    int16_t *coef;  /* progressive only: [bh][bw][64] coefficients, natural order */
} jpeg_comp;

typedef struct jpeg_bits {
    const uint8_t *data;
    size_t len, pos; /* pos: next byte not yet in acc */
    uint64_t acc;    /* bits, most significant first */
    int nbits;       /* valid bits in acc */
    int pad;         /* zero bits fed after a marker or the end of data */
    int at_marker;   /* the fill stopped at a marker (or the end of data) */
} jpeg_bits;

typedef struct jpeg_dec {
    const uint8_t *data;
    size_t len;
    face_err *err;
    uint16_t qt[4][64]; /* [table][natural index] quantiser values */
    int qt_present[4];
    jpeg_huff dc[4], ac[4];
    int restart_interval;
    int frame_seen;
    int progressive;
    int w, h, ncomp;
    int hmax, vmax;
    int mcux, mcuy; /* MCUs of an interleaved scan */
    jpeg_comp comp[3];
    int scans_done;
    int comp_scanned[3]; /* sequential: component i had its scan */
    int adobe_seen, adobe_transform;
    int jfif_seen;
    int orientation; /* EXIF 1..8, 1 when absent */
    /* the current scan */
    int scan_ncomp;
    int scan_comp[3]; /* indices into comp[] */
    int ss, se, ah, al;
    int eobrun;
    jpeg_bits br;
    /* sequential: a block kept all zero between blocks; after each IDCT only
     * the entries listed in blk_nz are cleared again (cheaper than zeroing
     * 64 entries per block) */
    int32_t blk[64];   /* dequantised coefficients, natural order */
    uint8_t blk_nz[64]; /* natural indices written in the current block */
    /* output. A sequential file whose first scan holds every component is
     * converted MCU row by MCU row right after decoding (one MCU row behind,
     * for the vertical chroma filter), while those plane rows are still in
     * cache; other files are converted after the last scan. */
    uint8_t *px;    /* [h][w][channels] the image being produced */
    uint8_t *rows;  /* [3][w + ROW_PAD] upsampled components of one row */
    uint16_t *tmp;  /* [w + ROW_PAD] column sums */
    int rgb;        /* the components are R, G, B: no colour transform */
    int rows_out;   /* output rows converted so far */
    int stream_out; /* convert during the scan (see above) */
} jpeg_dec;

static void output_rows(jpeg_dec *d, int y1);

#if defined(__GNUC__) /* calls checked against the format; clang -Wformat-nonliteral */
__attribute__((format(printf, 3, 4)))
#endif
static face_status jpeg_fail(jpeg_dec *d, face_status s, const char *fmt, ...)
{
    if (d->err) {
        va_list ap;
        int n = snprintf(d->err->msg, sizeof d->err->msg, "JPEG: ");
        va_start(ap, fmt);
        vsnprintf(d->err->msg + n, sizeof d->err->msg - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return s;
}

static unsigned rd16be(const uint8_t *p)
{
    return ((unsigned)p[0] << 8) | p[1];
}

/* ==== tables ============================================================== */

static face_status jpeg_read_dqt(jpeg_dec *d, size_t off, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        int pq = p[i] >> 4, tq = p[i] & 15;
        size_t need = pq ? 128 : 64;
        if (pq > 1)
            return jpeg_fail(d, FACE_EFORMAT, "DQT at offset %zu: precision %d, must be 0 (8-bit) or 1 (16-bit)", off,
                             pq);
        if (tq > 3)
            return jpeg_fail(d, FACE_EFORMAT, "DQT at offset %zu: table index %d, must be 0..3", off, tq);
        if (n - i - 1 < need)
            return jpeg_fail(d, FACE_EFORMAT, "DQT at offset %zu: table %d needs %zu bytes, segment has %zu", off, tq,
                             need, n - i - 1);
        i++;
        for (int k = 0; k < 64; k++) {
            unsigned q = pq ? rd16be(p + i + 2 * (size_t)k) : p[i + (size_t)k];
            /* a zero quantiser is invalid; libjpeg tolerates it (that frequency becomes 0), so do we */
            d->qt[tq][jpeg_zigzag[k]] = (uint16_t)q;
        }
        d->qt_present[tq] = 1;
        i += need;
    }
    return FACE_OK;
}

static face_status jpeg_build_huff(jpeg_dec *d, size_t off, jpeg_huff *t, int is_ac, const uint8_t *counts,
                                   const uint8_t *symbols, int nsym)
{
    int code = 0, k = 0;
    memset(t, 0, sizeof *t);
    memcpy(t->vals, symbols, (size_t)nsym);
    for (int len = 1; len <= 16; len++) {
        int c = counts[len - 1];
        t->valoff[len] = k - code;
        if (c == 0) {
            t->limit[len] = 0;
        } else {
            for (int j = 0; j < c; j++, k++, code++) {
                if (len <= HUFF_FAST_BITS && code < (1 << len)) {
                    int shift = HUFF_FAST_BITS - len;
                    int first = code << shift;
                    for (int f = 0; f < (1 << shift); f++)
                        t->fast[first + f] = (uint16_t)((len << 8) | t->vals[k]);
                }
            }
            t->limit[len] = (int32_t)code << (16 - len);
        }
        /* Kraft: the codes of each length must fit in that many bits */
        if (code > (1 << len))
            return jpeg_fail(d, FACE_EFORMAT, "DHT at offset %zu: code lengths overflow at length %d (bad Huffman table)",
                             off, len);
        code <<= 1;
    }
    t->limit[17] = INT32_MAX; /* sentinel: the slow path always stops */
    if (is_ac) {
        for (int i = 0; i < (1 << HUFF_FAST_BITS); i++) {
            int e = t->fast[i];
            if (!e) continue;
            int len = e >> 8, rs = e & 255, run = rs >> 4, s = rs & 15;
            if (s == 0 || len + s > HUFF_FAST_BITS) continue;
            int v = (i >> (HUFF_FAST_BITS - len - s)) & ((1 << s) - 1);
            if (v < (1 << (s - 1))) v -= (1 << s) - 1;
            t->fast_ac[i] = (int32_t)((uint32_t)v << 16) | (run << 8) | (len + s);
        }
    }
    t->present = 1;
    return FACE_OK;
}

static face_status jpeg_read_dht(jpeg_dec *d, size_t off, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (n - i < 17)
            return jpeg_fail(d, FACE_EFORMAT, "DHT at offset %zu: table header needs 17 bytes, %zu left", off, n - i);
        int tc = p[i] >> 4, th = p[i] & 15;
        if (tc > 1 || th > 3)
            return jpeg_fail(d, FACE_EFORMAT, "DHT at offset %zu: class %d / index %d, must be 0..1 / 0..3", off, tc,
                             th);
        int total = 0;
        for (int k = 0; k < 16; k++) total += p[i + 1 + (size_t)k];
        if (total > 256)
            return jpeg_fail(d, FACE_EFORMAT, "DHT at offset %zu: %d symbols, at most 256", off, total);
        if (n - i - 17 < (size_t)total)
            return jpeg_fail(d, FACE_EFORMAT, "DHT at offset %zu: %d symbols but %zu bytes left", off, total,
                             n - i - 17);
        face_status s = jpeg_build_huff(d, off, tc ? &d->ac[th] : &d->dc[th], tc, p + i + 1, p + i + 17, total);
        if (s) return s;
        i += 17 + (size_t)total;
    }
    return FACE_OK;
}

/* ==== APP markers: EXIF orientation ======================================= */

static unsigned exif_u16(const uint8_t *p, int be)
{
    return be ? ((unsigned)p[0] << 8) | p[1] : ((unsigned)p[1] << 8) | p[0];
}

static uint32_t exif_u32(const uint8_t *p, int be)
{
    return be ? ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]
              : ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
}

/* Orientation (1..8) from an APP1 payload; 0 when absent or malformed. */
static int exif_orientation(const uint8_t *p, size_t n)
{
    if (n < 14 || memcmp(p, "Exif\0\0", 6) != 0) return 0;
    const uint8_t *t = p + 6; /* TIFF header; IFD offsets are relative to it */
    size_t tn = n - 6;
    int be;
    if (t[0] == 'I' && t[1] == 'I') be = 0;
    else if (t[0] == 'M' && t[1] == 'M') be = 1;
    else return 0;
    if (exif_u16(t + 2, be) != 42) return 0;
    uint32_t ifd = exif_u32(t + 4, be);
    if (ifd > tn || tn - ifd < 2) return 0;
    unsigned count = exif_u16(t + ifd, be);
    for (unsigned i = 0; i < count; i++) {
        size_t e = (size_t)ifd + 2 + (size_t)i * 12;
        if (e > tn || tn - e < 12) return 0;
        if (exif_u16(t + e, be) != 0x0112) continue;
        unsigned type = exif_u16(t + e + 2, be);
        uint32_t cnt = exif_u32(t + e + 4, be);
        if (type != 3 || cnt < 1) return 0; /* must be SHORT; the value sits in the entry itself */
        unsigned v = exif_u16(t + e + 8, be);
        return (v >= 1 && v <= 8) ? (int)v : 0;
    }
    return 0;
}

/* ==== frame ================================================================ */

static face_status jpeg_read_sof(jpeg_dec *d, int marker, size_t off, const uint8_t *p, size_t n)
{
    int sof = marker - 0xC0;
    if (d->frame_seen)
        return jpeg_fail(d, FACE_EFORMAT, "second SOF marker at offset %zu (only one frame allowed)", off);
    if (n < 6) return jpeg_fail(d, FACE_EFORMAT, "SOF%d at offset %zu: length %zu, need at least 8", sof, off, n + 2);
    int prec = p[0];
    if (prec != 8)
        return jpeg_fail(d, FACE_EUNSUPPORTED, "SOF%d at offset %zu: %d-bit samples (only 8-bit is supported)", sof,
                         off, prec);
    d->h = (int)rd16be(p + 1);
    d->w = (int)rd16be(p + 3);
    d->ncomp = p[5];
    if (d->h == 0)
        return jpeg_fail(d, FACE_EUNSUPPORTED,
                         "SOF%d at offset %zu: height 0 (height defined by a DNL marker is unsupported)", sof, off);
    if (d->w == 0) return jpeg_fail(d, FACE_EFORMAT, "SOF%d at offset %zu: width 0", sof, off);
    if (d->ncomp == 4 || d->ncomp == 2)
        return jpeg_fail(d, FACE_EUNSUPPORTED,
                         "SOF%d at offset %zu: %d components (%s) unsupported; only gray and YCbCr/RGB", sof, off,
                         d->ncomp, d->ncomp == 4 ? "CMYK/YCCK, Adobe" : "two-channel");
    if (d->ncomp != 1 && d->ncomp != 3)
        return jpeg_fail(d, FACE_EFORMAT, "SOF%d at offset %zu: %d components, must be 1..4", sof, off, d->ncomp);
    if ((size_t)6 + 3 * (size_t)d->ncomp != n)
        return jpeg_fail(d, FACE_EFORMAT, "SOF%d at offset %zu: length %zu, %d components need %d", sof, off, n + 2,
                         d->ncomp, 8 + 3 * d->ncomp);
    if (d->w > FACE_IMAGE_MAX_DIM || d->h > FACE_IMAGE_MAX_DIM)
        return jpeg_fail(d, FACE_ELIMIT, "SOF%d at offset %zu: %dx%d exceeds the %d-pixel dimension cap", sof, off,
                         d->w, d->h, FACE_IMAGE_MAX_DIM);
    if ((uint64_t)d->w * (uint64_t)d->h > JPEG_MAX_PIXELS)
        return jpeg_fail(d, FACE_ELIMIT, "SOF%d at offset %zu: %dx%d exceeds the %u-pixel cap", sof, off, d->w, d->h,
                         (unsigned)JPEG_MAX_PIXELS);
    d->hmax = d->vmax = 1;
    for (int i = 0; i < d->ncomp; i++) {
        jpeg_comp *c = &d->comp[i];
        const uint8_t *q = p + 6 + 3 * i;
        c->id = q[0];
        c->hs = q[1] >> 4;
        c->vs = q[1] & 15;
        c->tq = q[2];
        if (c->hs < 1 || c->hs > 4 || c->vs < 1 || c->vs > 4)
            return jpeg_fail(d, FACE_EFORMAT, "SOF%d at offset %zu: component %d sampling %dx%d, must be 1..4", sof,
                             off, c->id, c->hs, c->vs);
        if (c->tq > 3)
            return jpeg_fail(d, FACE_EFORMAT, "SOF%d at offset %zu: component %d quantisation table %d, must be 0..3",
                             sof, off, c->id, c->tq);
        for (int j = 0; j < i; j++)
            if (d->comp[j].id == c->id)
                return jpeg_fail(d, FACE_EFORMAT, "SOF%d at offset %zu: component id %d appears twice", sof, off, c->id);
        if (c->hs > d->hmax) d->hmax = c->hs;
        if (c->vs > d->vmax) d->vmax = c->vs;
    }
    if (d->ncomp == 1) {
        /* A single component is one block per MCU whatever its factors say (T.81 A.2.2). */
        d->comp[0].hs = d->comp[0].vs = 1;
        d->hmax = d->vmax = 1;
    }
    for (int i = 0; i < d->ncomp; i++) {
        jpeg_comp *c = &d->comp[i];
        if (d->hmax % c->hs || d->vmax % c->vs)
            return jpeg_fail(d, FACE_EUNSUPPORTED,
                             "SOF%d at offset %zu: component %d sampling %dx%d is not an integer fraction of %dx%d", sof,
                             off, c->id, c->hs, c->vs, d->hmax, d->vmax);
    }
    d->mcux = (d->w + 8 * d->hmax - 1) / (8 * d->hmax);
    d->mcuy = (d->h + 8 * d->vmax - 1) / (8 * d->vmax);
    for (int i = 0; i < d->ncomp; i++) {
        jpeg_comp *c = &d->comp[i];
        c->w = (d->w * c->hs + d->hmax - 1) / d->hmax;
        c->h = (d->h * c->vs + d->vmax - 1) / d->vmax;
        c->nbw = (c->w + 7) / 8;
        c->nbh = (c->h + 7) / 8;
        c->bw = d->mcux * c->hs;
        c->bh = d->mcuy * c->vs;
        c->stride = (size_t)c->bw * 8;
    }
    d->progressive = (marker == 0xC2);
    d->frame_seen = 1;
    return FACE_OK;
}

/* Planes (and coefficients for progressive) once we know a scan follows.
 * At most 32768/8 + 1 MCUs of up to 4 blocks a side, so (bw*8)*(bh*8) < 2^37:
 * computed in 64 bits and checked against SIZE_MAX before the cast. */
static face_status jpeg_alloc(jpeg_dec *d)
{
    for (int i = 0; i < d->ncomp; i++) {
        jpeg_comp *c = &d->comp[i];
        uint64_t samples = (uint64_t)c->bw * 64u * (uint64_t)c->bh;
        if (samples > SIZE_MAX / sizeof(int16_t))
            return jpeg_fail(d, FACE_ELIMIT, "component %d: %llu samples do not fit in memory", c->id,
                             (unsigned long long)samples);
        c->plane = calloc((size_t)samples + ROW_PAD, 1);
        if (!c->plane)
            return jpeg_fail(d, FACE_ENOMEM, "component %d: cannot allocate %llu bytes", c->id,
                             (unsigned long long)samples);
        if (d->progressive) {
            c->coef = calloc((size_t)samples, sizeof(int16_t));
            if (!c->coef)
                return jpeg_fail(d, FACE_ENOMEM, "component %d: cannot allocate %llu coefficients", c->id,
                                 (unsigned long long)samples);
        }
    }
    return FACE_OK;
}

/* ==== entropy-coded data: bits and Huffman codes ========================== */

/* Fill acc to at least 57 bits. Stuffed 0xFF00 becomes 0xFF; at a marker or
 * the end of the data, zero bits are fed and counted in pad so that using
 * them is detected (bits_overrun). */
static void bits_fill(jpeg_bits *b)
{
    while (b->nbits <= 56) {
        unsigned byte = 0;
        if (!b->at_marker && b->pos < b->len) {
            byte = b->data[b->pos];
            if (byte == 0xFF) {
                if (b->pos + 1 < b->len && b->data[b->pos + 1] == 0x00) {
                    b->pos += 2;
                } else {
                    b->at_marker = 1; /* a marker (or fill bytes before one): stop here */
                    byte = 0;
                    b->pad += 8;
                }
            } else {
                b->pos++;
            }
        } else {
            b->at_marker = 1;
            b->pad += 8;
        }
        b->acc |= (uint64_t)byte << (56 - b->nbits);
        b->nbits += 8;
    }
}

/* True when the decoder consumed bits that were not in the data. */
static int bits_overrun(const jpeg_bits *b)
{
    return b->pad > b->nbits;
}

static inline unsigned bits_peek(const jpeg_bits *b, int n)
{
    return (unsigned)(b->acc >> (64 - n));
}

static inline void bits_skip(jpeg_bits *b, int n)
{
    b->acc <<= n;
    b->nbits -= n;
}

static inline unsigned bits_get(jpeg_bits *b, int n)
{
    if (b->nbits < n) bits_fill(b);
    unsigned v = bits_peek(b, n);
    bits_skip(b, n);
    return v;
}

static inline int bits_get1(jpeg_bits *b)
{
    if (b->nbits < 1) bits_fill(b);
    int v = (int)(b->acc >> 63);
    bits_skip(b, 1);
    return v;
}

/* n (1..16) bits as a signed value, T.81 F.2.2.1 EXTEND. */
static inline int bits_extend(jpeg_bits *b, int n)
{
    int v = (int)bits_get(b, n);
    if (v < (1 << (n - 1))) v -= (1 << n) - 1;
    return v;
}

/* Next Huffman symbol, or -1 for a code not in the table. */
static inline int huff_decode(jpeg_bits *b, const jpeg_huff *t)
{
    if (b->nbits < 16) bits_fill(b);
    int e = t->fast[bits_peek(b, HUFF_FAST_BITS)];
    if (e) {
        bits_skip(b, e >> 8);
        return e & 255;
    }
    int32_t code = (int32_t)bits_peek(b, 16);
    int len = HUFF_FAST_BITS + 1;
    while (code >= t->limit[len]) len++;
    if (len > 16) return -1;
    bits_skip(b, len);
    return t->vals[((code >> (16 - len)) + t->valoff[len]) & 255];
}

/* ==== IDCT =================================================================
 * The accurate integer 8x8 inverse DCT (LL&M factorisation, 13-bit
 * constants, PASS1 extra bits between the passes). in[64] holds dequantised
 * coefficients in natural order, clamped to +-16383 by the caller. */

#define IDCT_CONST_BITS 13
#define IDCT_PASS1_BITS 2
#define IDCT_FIX_0_298631336 2446 /* round(x * 2^13) */
#define IDCT_FIX_0_390180644 3196
#define IDCT_FIX_0_541196100 4433
#define IDCT_FIX_0_765366865 6270
#define IDCT_FIX_0_899976223 7373
#define IDCT_FIX_1_175875602 9633
#define IDCT_FIX_1_501321110 12299
#define IDCT_FIX_1_847759065 15137
#define IDCT_FIX_1_961570560 16069
#define IDCT_FIX_2_053119869 16819
#define IDCT_FIX_2_562915447 20995
#define IDCT_FIX_3_072711026 25172
#define IDCT_WS_MAX 16383 /* first-pass output clamp, see the head comment */

static inline uint8_t clamp_u8(int v)
{
    /* one compare for the common in-range case (cheaper than two cmovs) */
    if ((unsigned)v > 255u) v = v < 0 ? 0 : 255;
    return (uint8_t)v;
}

/* 8 equal bytes at q: a fixed-size memcpy becomes one store (a memset of
 * 8 bytes may stay a library call) */
static inline void fill8(uint8_t *q, uint8_t v)
{
    const uint8_t row[8] = {v, v, v, v, v, v, v, v};
    memcpy(q, row, 8);
}

static inline int32_t clamp_ws(int32_t v)
{
    return v < -IDCT_WS_MAX ? -IDCT_WS_MAX : v > IDCT_WS_MAX ? IDCT_WS_MAX : v;
}

static inline int32_t clamp_coef(int32_t v)
{
    return v < -16383 ? -16383 : v > 16383 ? 16383 : v;
}

/* One 1-D pass over x0..x7: the 8 outputs, scaled by 2^CONST_BITS, in o[]. */
static inline void idct_1d(int32_t x0, int32_t x1, int32_t x2, int32_t x3, int32_t x4, int32_t x5, int32_t x6,
                           int32_t x7, int32_t o[8])
{
    /* even part: x0, x2, x4, x6 */
    int32_t z1 = (x2 + x6) * IDCT_FIX_0_541196100;
    int32_t t2 = z1 - x6 * IDCT_FIX_1_847759065;
    int32_t t3 = z1 + x2 * IDCT_FIX_0_765366865;
    int32_t t0 = (x0 + x4) * (1 << IDCT_CONST_BITS);
    int32_t t1 = (x0 - x4) * (1 << IDCT_CONST_BITS);
    int32_t t10 = t0 + t3, t13 = t0 - t3, t11 = t1 + t2, t12 = t1 - t2;
    /* odd part: x7, x5, x3, x1 */
    int32_t a0 = x7, a1 = x5, a2 = x3, a3 = x1;
    int32_t s1 = a0 + a3, s2 = a1 + a2, s3 = a0 + a2, s4 = a1 + a3;
    int32_t z5 = (s3 + s4) * IDCT_FIX_1_175875602;
    a0 *= IDCT_FIX_0_298631336;
    a1 *= IDCT_FIX_2_053119869;
    a2 *= IDCT_FIX_3_072711026;
    a3 *= IDCT_FIX_1_501321110;
    s1 *= -IDCT_FIX_0_899976223;
    s2 *= -IDCT_FIX_2_562915447;
    s3 = s3 * -IDCT_FIX_1_961570560 + z5;
    s4 = s4 * -IDCT_FIX_0_390180644 + z5;
    a0 += s1 + s3;
    a1 += s2 + s4;
    a2 += s2 + s3;
    a3 += s1 + s4;
    o[0] = t10 + a3;
    o[7] = t10 - a3;
    o[1] = t11 + a2;
    o[6] = t11 - a2;
    o[2] = t12 + a1;
    o[5] = t12 - a1;
    o[3] = t13 + a0;
    o[4] = t13 - a0;
}

static void idct_8x8(const int32_t *in, uint8_t *out, size_t stride)
{
    int32_t ws[64]; /* [row][col] first-pass output */
    /* pass 1: columns. One branch-free loop over the 8 columns, so that the
     * compiler can run the columns side by side in vector lanes (each row of
     * in[] and ws[] is contiguous). A column with only a DC term gives the
     * same result through the full formula, so it needs no shortcut. */
    for (int c = 0; c < 8; c++) {
        int32_t o[8];
        idct_1d(in[c], in[8 + c], in[16 + c], in[24 + c], in[32 + c], in[40 + c], in[48 + c], in[56 + c], o);
        const int sh = IDCT_CONST_BITS - IDCT_PASS1_BITS;
        const int32_t bias = 1 << (sh - 1);
        ws[c] = clamp_ws((o[0] + bias) >> sh);
        ws[8 + c] = clamp_ws((o[1] + bias) >> sh);
        ws[16 + c] = clamp_ws((o[2] + bias) >> sh);
        ws[24 + c] = clamp_ws((o[3] + bias) >> sh);
        ws[32 + c] = clamp_ws((o[4] + bias) >> sh);
        ws[40 + c] = clamp_ws((o[5] + bias) >> sh);
        ws[48 + c] = clamp_ws((o[6] + bias) >> sh);
        ws[56 + c] = clamp_ws((o[7] + bias) >> sh);
    }
    /* pass 2: rows, scalar; the descale also removes the 8x gain of the 2-D
     * transform, and 128 re-centres the samples */
    for (int r = 0; r < 8; r++) {
        const int32_t *p = ws + r * 8;
        uint8_t *q = out + (size_t)r * stride;
        if ((p[1] | p[2] | p[3] | p[4] | p[5] | p[6] | p[7]) == 0) {
            const int sh = IDCT_PASS1_BITS + 3;
            fill8(q, clamp_u8(((p[0] + (1 << (sh - 1))) >> sh) + 128));
            continue;
        }
        int32_t o[8];
        idct_1d(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], o);
        const int sh = IDCT_CONST_BITS + IDCT_PASS1_BITS + 3;
        const int32_t bias = (1 << (sh - 1)) + (128 << sh);
        q[0] = clamp_u8((o[0] + bias) >> sh);
        q[1] = clamp_u8((o[1] + bias) >> sh);
        q[2] = clamp_u8((o[2] + bias) >> sh);
        q[3] = clamp_u8((o[3] + bias) >> sh);
        q[4] = clamp_u8((o[4] + bias) >> sh);
        q[5] = clamp_u8((o[5] + bias) >> sh);
        q[6] = clamp_u8((o[6] + bias) >> sh);
        q[7] = clamp_u8((o[7] + bias) >> sh);
    }
}

/* idct_8x8 for a block whose non-zero coefficients all lie in rows 0..3
 * and columns 0..3 (half the blocks of a typical photo): the same
 * arithmetic with the zero terms left out, so the same result. */
static void idct_8x8_low4(const int32_t *in, uint8_t *out, size_t stride)
{
    int32_t ws[64]; /* [row][col] first-pass output; columns 4..7 stay 0 */
    for (int c = 0; c < 4; c++) {
        int32_t o[8];
        idct_1d(in[c], in[8 + c], in[16 + c], in[24 + c], 0, 0, 0, 0, o);
        const int sh = IDCT_CONST_BITS - IDCT_PASS1_BITS;
        const int32_t bias = 1 << (sh - 1);
        ws[c] = clamp_ws((o[0] + bias) >> sh);
        ws[8 + c] = clamp_ws((o[1] + bias) >> sh);
        ws[16 + c] = clamp_ws((o[2] + bias) >> sh);
        ws[24 + c] = clamp_ws((o[3] + bias) >> sh);
        ws[32 + c] = clamp_ws((o[4] + bias) >> sh);
        ws[40 + c] = clamp_ws((o[5] + bias) >> sh);
        ws[48 + c] = clamp_ws((o[6] + bias) >> sh);
        ws[56 + c] = clamp_ws((o[7] + bias) >> sh);
    }
    for (int r = 0; r < 8; r++) {
        const int32_t *p = ws + r * 8;
        uint8_t *q = out + (size_t)r * stride;
        if ((p[1] | p[2] | p[3]) == 0) {
            const int sh = IDCT_PASS1_BITS + 3;
            fill8(q, clamp_u8(((p[0] + (1 << (sh - 1))) >> sh) + 128));
            continue;
        }
        int32_t o[8];
        idct_1d(p[0], p[1], p[2], p[3], 0, 0, 0, 0, o);
        const int sh = IDCT_CONST_BITS + IDCT_PASS1_BITS + 3;
        const int32_t bias = (1 << (sh - 1)) + (128 << sh);
        q[0] = clamp_u8((o[0] + bias) >> sh);
        q[1] = clamp_u8((o[1] + bias) >> sh);
        q[2] = clamp_u8((o[2] + bias) >> sh);
        q[3] = clamp_u8((o[3] + bias) >> sh);
        q[4] = clamp_u8((o[4] + bias) >> sh);
        q[5] = clamp_u8((o[5] + bias) >> sh);
        q[6] = clamp_u8((o[6] + bias) >> sh);
        q[7] = clamp_u8((o[7] + bias) >> sh);
    }
}

/* A block whose only non-zero coefficient is the DC is flat; same
 * arithmetic as idct_8x8's two shortcuts. */
static void idct_dc_only(int32_t dc, uint8_t *out, size_t stride)
{
    const int sh = IDCT_PASS1_BITS + 3;
    int32_t ws = clamp_ws(dc * (1 << IDCT_PASS1_BITS));
    uint8_t v = clamp_u8(((ws + (1 << (sh - 1))) >> sh) + 128);
    for (int r = 0; r < 8; r++) fill8(out + (size_t)r * stride, v);
}

/* ==== scans ================================================================ */

static face_status jpeg_read_sos(jpeg_dec *d, size_t off, const uint8_t *p, size_t n)
{
    if (!d->frame_seen) return jpeg_fail(d, FACE_EFORMAT, "SOS at offset %zu before any SOF marker", off);
    if (n < 1) return jpeg_fail(d, FACE_EFORMAT, "SOS at offset %zu: empty segment", off);
    int ns = p[0];
    if (ns < 1 || ns > d->ncomp)
        return jpeg_fail(d, FACE_EFORMAT, "SOS at offset %zu: %d components, frame has %d", off, ns, d->ncomp);
    if (n != 4 + 2 * (size_t)ns)
        return jpeg_fail(d, FACE_EFORMAT, "SOS at offset %zu: length %zu, %d components need %d", off, n + 2, ns,
                         6 + 2 * ns);
    d->scan_ncomp = ns;
    int blocks = 0;
    for (int i = 0; i < ns; i++) {
        int id = p[1 + 2 * i], tables = p[2 + 2 * i], k;
        for (k = 0; k < d->ncomp; k++)
            if (d->comp[k].id == id) break;
        if (k == d->ncomp)
            return jpeg_fail(d, FACE_EFORMAT, "SOS at offset %zu: component id %d is not in the frame", off, id);
        for (int j = 0; j < i; j++)
            if (d->scan_comp[j] == k)
                return jpeg_fail(d, FACE_EFORMAT, "SOS at offset %zu: component id %d listed twice", off, id);
        d->scan_comp[i] = k;
        d->comp[k].td = tables >> 4;
        d->comp[k].ta = tables & 15;
        if (d->comp[k].td > 3 || d->comp[k].ta > 3)
            return jpeg_fail(d, FACE_EFORMAT, "SOS at offset %zu: component %d Huffman tables %d/%d, must be 0..3", off,
                             id, d->comp[k].td, d->comp[k].ta);
        blocks += d->comp[k].hs * d->comp[k].vs;
    }
    if (ns > 1 && blocks > 10)
        return jpeg_fail(d, FACE_EFORMAT, "SOS at offset %zu: %d blocks per MCU, at most 10", off, blocks);
    d->ss = p[1 + 2 * ns];
    d->se = p[2 + 2 * ns];
    d->ah = p[3 + 2 * ns] >> 4;
    d->al = p[3 + 2 * ns] & 15;
    if (d->progressive) {
        if (d->ss > 63 || d->se > 63 || d->ss > d->se || d->ah > 13 || d->al > 13)
            return jpeg_fail(d, FACE_EFORMAT, "SOS at offset %zu: Ss=%d Se=%d Ah=%d Al=%d out of range for progressive",
                             off, d->ss, d->se, d->ah, d->al);
        if (d->ss == 0 && d->se != 0)
            return jpeg_fail(d, FACE_EFORMAT, "SOS at offset %zu: progressive scan mixes DC and AC (Ss=0, Se=%d)", off,
                             d->se);
        if (d->ss > 0 && ns != 1)
            return jpeg_fail(d, FACE_EFORMAT, "SOS at offset %zu: progressive AC scan with %d components (must be 1)",
                             off, ns);
        if (d->ah != 0 && d->ah != d->al + 1)
            return jpeg_fail(d, FACE_EFORMAT, "SOS at offset %zu: successive approximation Ah=%d Al=%d (need Ah=Al+1)",
                             off, d->ah, d->al);
    } else {
        /* sequential: Ss/Se/Ah/Al are fixed by the standard; libjpeg ignores other values, so do we */
        d->ss = 0;
        d->se = 63;
        d->ah = d->al = 0;
    }
    for (int i = 0; i < ns; i++) {
        jpeg_comp *c = &d->comp[d->scan_comp[i]];
        int need_dc = d->ss == 0 && !(d->progressive && d->ah); /* DC refinement reads raw bits */
        int need_ac = !d->progressive || d->ss > 0;
        if (need_dc && !d->dc[c->td].present)
            return jpeg_fail(d, FACE_EFORMAT, "SOS at offset %zu: component %d uses DC Huffman table %d, never defined",
                             off, c->id, c->td);
        if (need_ac && !d->ac[c->ta].present)
            return jpeg_fail(d, FACE_EFORMAT, "SOS at offset %zu: component %d uses AC Huffman table %d, never defined",
                             off, c->id, c->ta);
        if (!d->qt_present[c->tq])
            return jpeg_fail(d, FACE_EFORMAT,
                             "SOS at offset %zu: component %d uses quantisation table %d, never defined", off, c->id,
                             c->tq);
    }
    return FACE_OK;
}

static inline int clamp_pred(int v)
{
    return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

/* Sequential: one block, dequantised and IDCT'd straight into the plane. */
static face_status decode_block_seq(jpeg_dec *d, jpeg_comp *c, int bx, int by)
{
    jpeg_bits *b = &d->br;
    const jpeg_huff *act = &d->ac[c->ta];
    const uint16_t *q = d->qt[c->tq];
    int32_t *blk = d->blk;
    int nnz = 0, high = 0; /* high: some coefficient outside rows/columns 0..3 */

    int s = huff_decode(b, &d->dc[c->td]);
    if (s < 0 || s > 11) return FACE_EFORMAT;
    if (s) c->dc_pred = clamp_pred(c->dc_pred + bits_extend(b, s));
    int32_t dc = clamp_coef(c->dc_pred * (int32_t)q[0]);
    uint8_t *out = c->plane + (size_t)by * 8 * c->stride + (size_t)bx * 8;

    int k = 1;
    while (k < 64) {
        if (b->nbits < 16) bits_fill(b);
        int32_t f = act->fast_ac[bits_peek(b, HUFF_FAST_BITS)];
        int r, v;
        if (f) {
            bits_skip(b, f & 255);
            r = (f >> 8) & 15;
            v = f >> 16;
        } else {
            int rs = huff_decode(b, act);
            if (rs < 0) return FACE_EFORMAT;
            r = rs >> 4;
            s = rs & 15;
            if (s == 0) {
                if (r != 15) break; /* EOB */
                k += 16;            /* ZRL: 16 zeros */
                continue;
            }
            v = bits_extend(b, s);
        }
        k += r;
        if (k > 63) return FACE_EFORMAT; /* ends the whole decode, so blk needs no cleaning */
        int z = jpeg_zigzag[k];
        blk[z] = clamp_coef(v * (int32_t)q[z]);
        d->blk_nz[nnz++] = (uint8_t)z;
        high |= z & 0x24; /* column bit 4 or row bit 4 of the natural index */
        k++;
    }
    if (nnz == 0) {
        idct_dc_only(dc, out, c->stride);
    } else {
        blk[0] = dc;
        if (high) idct_8x8(blk, out, c->stride);
        else idct_8x8_low4(blk, out, c->stride);
        blk[0] = 0;
        for (int i = 0; i < nnz; i++) blk[d->blk_nz[i]] = 0;
    }
    return FACE_OK;
}

static inline int16_t sat16(int32_t v)
{
    return (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
}

/* Progressive: one block of coefficients (natural order, not dequantised). */
static face_status decode_block_prog(jpeg_dec *d, jpeg_comp *c, int16_t *blk)
{
    jpeg_bits *b = &d->br;
    if (d->ss == 0) {
        if (d->ah == 0) {
            int s = huff_decode(b, &d->dc[c->td]);
            if (s < 0 || s > 11) return FACE_EFORMAT;
            if (s) c->dc_pred = clamp_pred(c->dc_pred + bits_extend(b, s));
            blk[0] = sat16(c->dc_pred * (int32_t)(1 << d->al));
        } else if (bits_get1(b)) {
            blk[0] = (int16_t)(blk[0] | (1 << d->al));
        }
        return FACE_OK;
    }
    if (d->ah == 0) {
        if (d->eobrun > 0) {
            d->eobrun--;
            return FACE_OK;
        }
        for (int k = d->ss; k <= d->se; k++) {
            int rs = huff_decode(b, &d->ac[c->ta]);
            if (rs < 0) return FACE_EFORMAT;
            int r = rs >> 4, s = rs & 15;
            if (s == 0) {
                if (r < 15) { /* EOBr: this block and 2^r - 1 + more ones end here */
                    d->eobrun = (1 << r) - 1;
                    if (r) d->eobrun += (int)bits_get(b, r);
                    break;
                }
                k += 15; /* ZRL */
                continue;
            }
            k += r;
            if (k > d->se) return FACE_EFORMAT;
            blk[jpeg_zigzag[k]] = sat16(bits_extend(b, s) * (int32_t)(1 << d->al));
        }
        return FACE_OK;
    }
    /* AC refinement (T.81 G.1.2.3): one more bit of every already non-zero
     * coefficient, and new coefficients of magnitude 1 << Al. */
    int p1 = 1 << d->al;
    int k = d->ss;
    if (d->eobrun == 0) {
        for (; k <= d->se; k++) {
            int rs = huff_decode(b, &d->ac[c->ta]);
            if (rs < 0) return FACE_EFORMAT;
            int r = rs >> 4, s = rs & 15, v = 0;
            if (s) {
                if (s != 1) return FACE_EFORMAT;
                v = bits_get1(b) ? p1 : -p1;
            } else if (r != 15) {
                d->eobrun = 1 << r;
                if (r) d->eobrun += (int)bits_get(b, r);
                break;
            }
            /* skip r zero coefficients, refining the non-zero ones on the way */
            for (; k <= d->se; k++) {
                int16_t *cf = &blk[jpeg_zigzag[k]];
                if (*cf) {
                    if (bits_get1(b) && (abs(*cf) & p1) == 0) *cf = sat16(*cf >= 0 ? *cf + p1 : *cf - p1);
                } else {
                    if (r == 0) break;
                    r--;
                }
            }
            if (s) {
                if (k > d->se) return FACE_EFORMAT;
                blk[jpeg_zigzag[k]] = (int16_t)v;
            }
        }
    }
    if (d->eobrun > 0) {
        for (; k <= d->se; k++) {
            int16_t *cf = &blk[jpeg_zigzag[k]];
            if (*cf && bits_get1(b) && (abs(*cf) & p1) == 0) *cf = sat16(*cf >= 0 ? *cf + p1 : *cf - p1);
        }
        d->eobrun--;
    }
    return FACE_OK;
}

/* Position of the next marker at or after pos (the 0xFF of it), skipping
 * entropy-coded bytes and fill bytes; len when there is none. */
static size_t find_marker(const uint8_t *p, size_t len, size_t pos)
{
    while (pos + 1 < len) {
        if (p[pos] == 0xFF && p[pos + 1] != 0x00 && p[pos + 1] != 0xFF) return pos;
        pos++;
    }
    return len;
}

static void bits_reset(jpeg_bits *b, const uint8_t *data, size_t len, size_t pos)
{
    b->data = data;
    b->len = len;
    b->pos = pos;
    b->acc = 0;
    b->nbits = 0;
    b->pad = 0;
    b->at_marker = 0;
}

static face_status decode_one(jpeg_dec *d, jpeg_comp *c, int bx, int by)
{
    if (d->progressive) return decode_block_prog(d, c, c->coef + ((size_t)by * (size_t)c->bw + (size_t)bx) * 64);
    return decode_block_seq(d, c, bx, by);
}

/* Decode the entropy-coded segment(s) of the current scan starting at *pos;
 * on return *pos is at the marker that ends the scan. */
static face_status jpeg_decode_scan(jpeg_dec *d, size_t *pos)
{
    int ns = d->scan_ncomp;
    int nx, ny; /* MCUs of this scan */
    if (ns == 1) {
        nx = d->comp[d->scan_comp[0]].nbw;
        ny = d->comp[d->scan_comp[0]].nbh;
    } else {
        nx = d->mcux;
        ny = d->mcuy;
    }
    for (int i = 0; i < ns; i++) d->comp[d->scan_comp[i]].dc_pred = 0;
    d->eobrun = 0;
    bits_reset(&d->br, d->data, d->len, *pos);
    long long total = (long long)nx * ny, done = 0;
    int ri = d->restart_interval;
    int next_rst = 0;
    size_t seg_start = *pos;
    for (int my = 0; my < ny; my++) {
        if (d->stream_out && my > 0) {
            int y1 = my * 8 * d->vmax - 8 * d->vmax; /* one MCU row behind */
            output_rows(d, y1 < d->h ? y1 : d->h);
        }
        for (int mx = 0; mx < nx; mx++) {
            if (ns == 1) {
                if (decode_one(d, &d->comp[d->scan_comp[0]], mx, my)) goto corrupt;
            } else {
                for (int i = 0; i < ns; i++) {
                    jpeg_comp *c = &d->comp[d->scan_comp[i]];
                    for (int v = 0; v < c->vs; v++)
                        for (int h = 0; h < c->hs; h++)
                            if (decode_one(d, c, mx * c->hs + h, my * c->vs + v)) goto corrupt;
                }
            }
            if (bits_overrun(&d->br)) goto truncated;
            done++;
            if (ri && done % ri == 0 && done < total) {
                /* restart: drop the partial byte, expect RSTn next, reset predictors */
                size_t m = find_marker(d->data, d->len, d->br.pos);
                if (m >= d->len) goto truncated;
                int code = d->data[m + 1];
                if (code != 0xD0 + next_rst)
                    return jpeg_fail(d, FACE_EFORMAT,
                                     "scan at offset %zu: expected RST%d after MCU %lld, found marker 0x%02X at offset %zu",
                                     seg_start, next_rst, done, code, m);
                next_rst = (next_rst + 1) & 7;
                bits_reset(&d->br, d->data, d->len, m + 2);
                for (int i = 0; i < ns; i++) d->comp[d->scan_comp[i]].dc_pred = 0;
                d->eobrun = 0;
            }
        }
    }
    *pos = find_marker(d->data, d->len, d->br.pos);
    return FACE_OK;
corrupt:
    if (bits_overrun(&d->br)) goto truncated;
    return jpeg_fail(d, FACE_EFORMAT, "scan at offset %zu: corrupt entropy-coded data in MCU %lld of %lld near offset %zu",
                     seg_start, done, total, d->br.pos);
truncated:
    return jpeg_fail(d, FACE_EFORMAT,
                     "scan at offset %zu: data ends (%s at offset %zu) in MCU %lld of %lld: truncated or corrupt file",
                     seg_start, d->br.pos < d->len ? "marker" : "end of file", d->br.pos, done, total);
}

/* Progressive: dequantise + IDCT every block once all scans are in. */
static void jpeg_finish_progressive(jpeg_dec *d)
{
    int32_t blk[64];
    for (int i = 0; i < d->ncomp; i++) {
        jpeg_comp *c = &d->comp[i];
        const uint16_t *q = d->qt[c->tq];
        for (int by = 0; by < c->bh; by++)
            for (int bx = 0; bx < c->bw; bx++) {
                const int16_t *cf = c->coef + ((size_t)by * (size_t)c->bw + (size_t)bx) * 64;
                uint8_t *out = c->plane + (size_t)by * 8 * c->stride + (size_t)bx * 8;
                int any = 0, high = 0;
                for (int k = 1; k < 64; k++) {
                    any |= cf[k];
                    if (cf[k]) high |= k & 0x24;
                }
                if (!any) {
                    idct_dc_only(clamp_coef(cf[0] * (int32_t)q[0]), out, c->stride);
                    continue;
                }
                for (int k = 0; k < 64; k++) blk[k] = clamp_coef(cf[k] * (int32_t)q[k]);
                if (high) idct_8x8(blk, out, c->stride);
                else idct_8x8_low4(blk, out, c->stride);
            }
    }
}

/* ==== upsampling and colour conversion ==================================== */

/* YCbCr->RGB in 16-bit fixed point (JFIF full range), rounded half up:
 *   R = Y + 1.402 (Cr-128), G = Y - 0.34414 (Cb-128) - 0.71414 (Cr-128),
 *   B = Y + 1.772 (Cb-128), with the constants x * 2^16 rounded:
 *   1.402 -> 91881, 0.34414 -> 22554, 0.71414 -> 46802, 1.772 -> 116130.
 * The constants over 2^15 are split into a multiple of 2^16 (an exact
 * integer term) and a remainder that fits in int16, so every product is
 * int16 x int16 -> int32 (cheap in SIMD units) and the result is the same:
 *   91881 = 65536 + 26345, 116130 = 131072 - 14942, 46802 = 65536 - 18734. */
#define YCC_R_CR_REM 26345
#define YCC_B_CB_REM (-14942)
#define YCC_G_CB (-22554)
#define YCC_G_CR_REM 18734

/* Y, Cb, Cr rows in, interleaved RGB out for w pixels (the chunk overhang
 * is computed into rgb_tmp, never into out). */
static void ycc_to_rgb_row(const uint8_t *restrict yr, const uint8_t *restrict cbr, const uint8_t *restrict crr,
                           uint8_t *restrict out, int w)
{
    const int32_t half = 1 << 15;
    uint8_t rr[ROW_CHUNK], gg[ROW_CHUNK], bb[ROW_CHUNK];
    for (int x0 = 0; x0 < w; x0 += ROW_CHUNK) {
        for (int k = 0; k < ROW_CHUNK; k++) {
            int16_t y = yr[x0 + k], cb = (int16_t)(cbr[x0 + k] - 128), cr = (int16_t)(crr[x0 + k] - 128);
            int16_t rt = (int16_t)((YCC_R_CR_REM * (int32_t)cr + half) >> 16);
            int16_t gt = (int16_t)((YCC_G_CB * (int32_t)cb + YCC_G_CR_REM * (int32_t)cr + half) >> 16);
            int16_t bt = (int16_t)((YCC_B_CB_REM * (int32_t)cb + half) >> 16);
            int16_t r = (int16_t)(y + cr + rt), g = (int16_t)(y - cr + gt), b = (int16_t)(y + 2 * cb + bt);
            rr[k] = (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
            gg[k] = (uint8_t)(g < 0 ? 0 : g > 255 ? 255 : g);
            bb[k] = (uint8_t)(b < 0 ? 0 : b > 255 ? 255 : b);
        }
        int n = w - x0 < ROW_CHUNK ? w - x0 : ROW_CHUNK;
        uint8_t *o = out + 3 * (size_t)x0;
        for (int k = 0; k < n; k++) {
            o[3 * k] = rr[k];
            o[3 * k + 1] = gg[k];
            o[3 * k + 2] = bb[k];
        }
    }
}

/* 2:1 horizontal triangle filter of one row of cw > 2 samples into 2 * cw
 * outputs: 3/4 nearer + 1/4 farther sample, rounding biases 1 and 2
 * alternating; the outermost outputs copy the edge sample. */
static void upsample_h2v1(const uint8_t *restrict in, uint8_t *restrict row, int cw)
{
    row[0] = in[0];
    row[1] = (uint8_t)((in[0] * 3 + in[1] + 2) >> 2);
    for (int i0 = 1; i0 < cw - 1; i0 += ROW_CHUNK)
        for (int k = 0; k < ROW_CHUNK; k++) {
            int i = i0 + k;
            row[2 * i] = (uint8_t)((in[i] * 3 + in[i - 1] + 1) >> 2);
            row[2 * i + 1] = (uint8_t)((in[i] * 3 + in[i + 1] + 2) >> 2);
        }
    row[2 * cw - 2] = (uint8_t)((in[cw - 1] * 3 + in[cw - 2] + 1) >> 2);
    row[2 * cw - 1] = in[cw - 1];
}

/* 2:1 both ways: vertical triangle (3/4 this row `in`, 1/4 the nearer
 * neighbour row `nb`) into column sums, then the horizontal triangle on
 * them with rounding biases 8 and 7 alternating. */
static void upsample_h2v2(const uint8_t *restrict in, const uint8_t *restrict nb, uint16_t *restrict tmp,
                          uint8_t *restrict row, int cw)
{
    for (int i0 = 0; i0 < cw; i0 += ROW_CHUNK)
        for (int k = 0; k < ROW_CHUNK; k++) tmp[i0 + k] = (uint16_t)(3 * in[i0 + k] + nb[i0 + k]);
    row[0] = (uint8_t)((tmp[0] * 4 + 8) >> 4);
    row[1] = (uint8_t)((tmp[0] * 3 + tmp[1] + 7) >> 4);
    for (int i0 = 1; i0 < cw - 1; i0 += ROW_CHUNK)
        for (int k = 0; k < ROW_CHUNK; k++) {
            int i = i0 + k;
            row[2 * i] = (uint8_t)((tmp[i] * 3 + tmp[i - 1] + 8) >> 4);
            row[2 * i + 1] = (uint8_t)((tmp[i] * 3 + tmp[i + 1] + 7) >> 4);
        }
    row[2 * cw - 2] = (uint8_t)((tmp[cw - 1] * 3 + tmp[cw - 2] + 8) >> 4);
    row[2 * cw - 1] = (uint8_t)((tmp[cw - 1] * 4 + 7) >> 4);
}

/* 1:2 vertical triangle; bias 1 for the upper output row, 2 for the lower. */
static void upsample_h1v2(const uint8_t *restrict in, const uint8_t *restrict nb, uint8_t *restrict row, int w,
                          int bias)
{
    for (int i0 = 0; i0 < w; i0 += ROW_CHUNK)
        for (int k = 0; k < ROW_CHUNK; k++) row[i0 + k] = (uint8_t)((3 * in[i0 + k] + nb[i0 + k] + bias) >> 2);
}

/* Component c's samples for output row y at full resolution: either a
 * pointer into the plane (no upsampling needed) or row[], filled. row has
 * room for w + ROW_PAD samples; tmp for c->w + ROW_PAD column sums. The
 * triangle filters are used for 2:1 ratios when the component is wider than
 * 2 samples, box replication otherwise, as libjpeg does. */
static const uint8_t *upsample_row(const jpeg_dec *d, const jpeg_comp *c, int y, uint8_t *row, uint16_t *tmp)
{
    int sx = d->hmax / c->hs, sy = d->vmax / c->vs;
    int cy = y / sy;
    const uint8_t *in = c->plane + (size_t)cy * c->stride;
    int cw = c->w, w = d->w;
    if (sx == 1 && sy == 1) return in;
    if (sy == 2 && (sx == 1 || (sx == 2 && cw > 2))) {
        int ny = (y & 1) ? cy + 1 : cy - 1; /* the nearer neighbour row, edge replicated */
        if (ny < 0) ny = 0;
        if (ny >= c->h) ny = c->h - 1;
        const uint8_t *nb = c->plane + (size_t)ny * c->stride;
        if (sx == 1) upsample_h1v2(in, nb, row, w, (y & 1) ? 2 : 1);
        else upsample_h2v2(in, nb, tmp, row, cw);
        return row;
    }
    if (sx == 2 && sy == 1 && cw > 2) {
        upsample_h2v1(in, row, cw);
        return row;
    }
    for (int x = 0; x < w; x++) row[x] = in[x / sx];
    return row;
}

static face_status output_begin(jpeg_dec *d)
{
    size_t w = (size_t)d->w, h = (size_t)d->h;
    int ch = d->ncomp == 1 ? 1 : 3;
    d->px = malloc(w * h * (size_t)ch); /* w*h <= 2^28 checked at SOF */
    if (!d->px) return jpeg_fail(d, FACE_ENOMEM, "cannot allocate the %zux%zu output image", w, h);
    if (ch == 3) {
        d->rows = calloc(3, w + ROW_PAD);
        d->tmp = calloc(w + ROW_PAD, sizeof(uint16_t));
        if (!d->rows || !d->tmp) return jpeg_fail(d, FACE_ENOMEM, "cannot allocate row buffers");
    }
    /* Like libjpeg: JFIF means YCbCr; else Adobe transform 0 means RGB as
     * stored; else component ids 'R','G','B' mean RGB. */
    d->rgb = d->ncomp == 3 && !d->jfif_seen &&
             ((d->adobe_seen && d->adobe_transform == 0) ||
              (!d->adobe_seen && d->comp[0].id == 'R' && d->comp[1].id == 'G' && d->comp[2].id == 'B'));
    d->rows_out = 0;
    return FACE_OK;
}

/* Convert output rows [d->rows_out, y1) from the planes into d->px. */
static void output_rows(jpeg_dec *d, int y1)
{
    size_t w = (size_t)d->w, rw = w + ROW_PAD;
    for (int y = d->rows_out; y < y1; y++) {
        if (d->ncomp == 1) {
            memcpy(d->px + (size_t)y * w, d->comp[0].plane + (size_t)y * d->comp[0].stride, w);
            continue;
        }
        const uint8_t *c0 = upsample_row(d, &d->comp[0], y, d->rows, d->tmp);
        const uint8_t *c1 = upsample_row(d, &d->comp[1], y, d->rows + rw, d->tmp);
        const uint8_t *c2 = upsample_row(d, &d->comp[2], y, d->rows + 2 * rw, d->tmp);
        uint8_t *o = d->px + (size_t)y * w * 3;
        if (!d->rgb) {
            ycc_to_rgb_row(c0, c1, c2, o, (int)w);
            continue;
        }
        for (size_t x = 0; x < w; x++) {
            o[3 * x] = c0[x];
            o[3 * x + 1] = c1[x];
            o[3 * x + 2] = c2[x];
        }
    }
    if (y1 > d->rows_out) d->rows_out = y1;
}

/* Apply EXIF orientation o (2..8) to img: a new buffer replaces img->px. */
static face_status jpeg_orient(jpeg_dec *d, face_image *img, int o)
{
    size_t w = (size_t)img->w, h = (size_t)img->h, ch = (size_t)img->channels;
    int swap = o >= 5;
    size_t ow = swap ? h : w, oh = swap ? w : h;
    uint8_t *dst = malloc(w * h * ch);
    if (!dst) return jpeg_fail(d, FACE_ENOMEM, "cannot allocate the rotated image");
    for (size_t y = 0; y < oh; y++) {
        for (size_t x = 0; x < ow; x++) {
            size_t sx, sy; /* source pixel of output (x, y) */
            switch (o) {
            case 2: sx = w - 1 - x; sy = y; break;         /* mirror left-right */
            case 3: sx = w - 1 - x; sy = h - 1 - y; break; /* rotate 180 */
            case 4: sx = x; sy = h - 1 - y; break;         /* mirror top-bottom */
            case 5: sx = y; sy = x; break;                 /* transpose */
            case 6: sx = y; sy = h - 1 - x; break;         /* rotate 90 clockwise */
            case 7: sx = w - 1 - y; sy = h - 1 - x; break; /* transverse */
            default: sx = w - 1 - y; sy = x; break;        /* 8: rotate 90 counter-clockwise */
            }
            memcpy(dst + (y * ow + x) * ch, img->px + (sy * w + sx) * ch, ch);
        }
    }
    free(img->px);
    img->px = dst;
    img->w = (int)ow;
    img->h = (int)oh;
    return FACE_OK;
}

/* ==== markers ============================================================== */

static const char *sof_unsupported(int m)
{
    switch (m) {
    case 0xC3: return "lossless (SOF3)";
    case 0xC5: return "hierarchical sequential (SOF5)";
    case 0xC6: return "hierarchical progressive (SOF6)";
    case 0xC7: return "hierarchical lossless (SOF7)";
    case 0xC9: return "arithmetic-coded sequential (SOF9)";
    case 0xCA: return "arithmetic-coded progressive (SOF10)";
    case 0xCB: return "arithmetic-coded lossless (SOF11)";
    case 0xCD: return "arithmetic-coded hierarchical (SOF13)";
    case 0xCE: return "arithmetic-coded hierarchical progressive (SOF14)";
    case 0xCF: return "arithmetic-coded hierarchical lossless (SOF15)";
    default: return NULL;
    }
}

static face_status jpeg_run(jpeg_dec *d, face_image *out)
{
    const uint8_t *p = d->data;
    size_t len = d->len;
    if (len < 2 || p[0] != 0xFF || p[1] != 0xD8)
        return jpeg_fail(d, FACE_EFORMAT, "no SOI marker at offset 0 (bytes %02X %02X): not a JPEG file",
                         len > 0 ? p[0] : 0, len > 1 ? p[1] : 0);
    size_t pos = 2;
    d->orientation = 1;
    for (;;) {
        if (pos + 1 >= len) {
            if (d->scans_done > 0 && !d->progressive) break; /* missing EOI: checked below */
            return jpeg_fail(d, FACE_EFORMAT, "data ends at offset %zu %s: truncated file", pos,
                             d->scans_done ? "without EOI after a progressive scan" : "before any scan");
        }
        if (p[pos] != 0xFF)
            return jpeg_fail(d, FACE_EFORMAT, "expected a marker at offset %zu, found byte 0x%02X", pos, p[pos]);
        if (p[pos + 1] == 0xFF) { /* fill byte */
            pos++;
            continue;
        }
        int m = p[pos + 1];
        size_t moff = pos;
        pos += 2;
        if (m == 0xD9) break;                 /* EOI */
        if (m >= 0xD0 && m <= 0xD7) continue; /* stray RSTn outside a scan: ignored, as libjpeg does */
        if (m == 0x01) continue;              /* TEM: no payload */
        if (m == 0xD8) return jpeg_fail(d, FACE_EFORMAT, "second SOI marker at offset %zu", moff);
        const char *unsup = sof_unsupported(m);
        if (unsup) return jpeg_fail(d, FACE_EUNSUPPORTED, "%s at offset %zu is unsupported", unsup, moff);
        if (m == 0xCC)
            return jpeg_fail(d, FACE_EUNSUPPORTED, "DAC marker at offset %zu: arithmetic coding is unsupported", moff);
        if (pos + 2 > len)
            return jpeg_fail(d, FACE_EFORMAT, "marker 0x%02X at offset %zu: length field cut off (truncated file)", m,
                             moff);
        size_t seglen = rd16be(p + pos);
        if (seglen < 2)
            return jpeg_fail(d, FACE_EFORMAT, "marker 0x%02X at offset %zu: length %zu, must be at least 2", m, moff,
                             seglen);
        if (seglen > len - pos)
            return jpeg_fail(d, FACE_EFORMAT,
                             "marker 0x%02X at offset %zu: length %zu runs past the end of the data (%zu bytes left): truncated file",
                             m, moff, seglen, len - pos);
        const uint8_t *seg = p + pos + 2;
        size_t n = seglen - 2;
        pos += seglen;
        face_status s = FACE_OK;
        switch (m) {
        case 0xC0:
        case 0xC1:
        case 0xC2: s = jpeg_read_sof(d, m, moff, seg, n); break;
        case 0xC4: s = jpeg_read_dht(d, moff, seg, n); break;
        case 0xDB: s = jpeg_read_dqt(d, moff, seg, n); break;
        case 0xDD:
            if (n != 2) return jpeg_fail(d, FACE_EFORMAT, "DRI at offset %zu: length %zu, must be 4", moff, n + 2);
            d->restart_interval = (int)rd16be(seg);
            break;
        case 0xDC: return jpeg_fail(d, FACE_EUNSUPPORTED, "DNL marker at offset %zu is unsupported", moff);
        case 0xE0:
            if (n >= 5 && memcmp(seg, "JFIF\0", 5) == 0) d->jfif_seen = 1;
            break;
        case 0xE1:
            if (d->orientation == 1 && d->scans_done == 0) {
                int o = exif_orientation(seg, n);
                if (o) d->orientation = o;
            }
            break;
        case 0xEE:
            if (n >= 12 && memcmp(seg, "Adobe", 5) == 0) {
                d->adobe_seen = 1;
                d->adobe_transform = seg[11];
            }
            break;
        case 0xDA:
            s = jpeg_read_sos(d, moff, seg, n);
            if (s) return s;
            if (d->scans_done == 0) {
                if (d->ncomp == 3 && d->adobe_seen && d->adobe_transform == 2)
                    return jpeg_fail(d, FACE_EUNSUPPORTED, "Adobe APP14 transform 2 (YCCK) is unsupported");
                /* Before allocating for the whole frame: every block of a
                 * sequential scan takes at least 2 bits (DC code, EOB), of a
                 * progressive DC scan at least 1, so a header promising more
                 * blocks than the rest of the file can hold is truncated. */
                if (d->ss == 0) {
                    uint64_t blocks = 0;
                    for (int i = 0; i < d->scan_ncomp; i++) {
                        const jpeg_comp *c = &d->comp[d->scan_comp[i]];
                        blocks += d->scan_ncomp == 1 ? (uint64_t)c->nbw * (uint64_t)c->nbh
                                                     : (uint64_t)c->bw * (uint64_t)c->bh;
                    }
                    uint64_t min_bits = blocks * (d->progressive ? 1u : 2u);
                    if (min_bits > (uint64_t)(len - pos) * 8u)
                        return jpeg_fail(d, FACE_EFORMAT,
                                         "SOS at offset %zu: %llu blocks need at least %llu bits, only %zu bytes follow: truncated file",
                                         moff, (unsigned long long)blocks, (unsigned long long)min_bits, len - pos);
                }
                s = jpeg_alloc(d);
                if (s) return s;
                s = output_begin(d);
                if (s) return s;
                d->stream_out = !d->progressive && d->scan_ncomp == d->ncomp;
            } else {
                /* a later scan may change rows already converted: redo all at the end */
                d->stream_out = 0;
                d->rows_out = 0;
            }
            s = jpeg_decode_scan(d, &pos);
            if (s) return s;
            for (int i = 0; i < d->scan_ncomp; i++) d->comp_scanned[d->scan_comp[i]] = 1;
            d->scans_done++;
            break;
        default: break; /* other APPn, COM, JPGn: skipped */
        }
        if (s) return s;
    }
    if (!d->frame_seen || d->scans_done == 0)
        return jpeg_fail(d, FACE_EFORMAT, "EOI reached without %s", d->frame_seen ? "any scan" : "a frame (SOF)");
    for (int i = 0; i < d->ncomp && !d->progressive; i++)
        if (!d->comp_scanned[i])
            return jpeg_fail(d, FACE_EFORMAT, "component %d never appears in a scan (truncated file?)", d->comp[i].id);
    if (d->progressive) jpeg_finish_progressive(d);
    output_rows(d, d->h);
    out->w = d->w;
    out->h = d->h;
    out->channels = d->ncomp == 1 ? 1 : 3;
    out->px = d->px;
    d->px = NULL; /* handed over */
    face_status s = FACE_OK;
    if (d->orientation != 1) {
        s = jpeg_orient(d, out, d->orientation);
        if (s) face_image_free(out);
    }
    return s;
}

face_status face_jpeg_decode(const uint8_t *data, size_t len, face_image *out, face_err *err)
{
    if (err) err->msg[0] = '\0';
    if (!data || !out) {
        if (err) snprintf(err->msg, sizeof err->msg, "JPEG: null argument");
        return FACE_EINVAL;
    }
    jpeg_dec *d = calloc(1, sizeof *d);
    if (!d) {
        if (err) snprintf(err->msg, sizeof err->msg, "JPEG: cannot allocate the decoder state");
        return FACE_ENOMEM;
    }
    d->data = data;
    d->len = len;
    d->err = err;
    face_image img = {0, 0, 0, NULL};
    face_status s = jpeg_run(d, &img);
    for (int i = 0; i < 3; i++) {
        free(d->comp[i].plane);
        free(d->comp[i].coef);
    }
    free(d->px);
    free(d->rows);
    free(d->tmp);
    free(d);
    if (s == FACE_OK) *out = img;
    return s;
}
