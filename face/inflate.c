/*
 * inflate.c - zlib stream decoder (RFC 1950 wrapper around RFC 1951 deflate)
 * for PNG, plus the Adler-32 and CRC-32 checksums.
 *
 * Output goes into a buffer of a size the caller already knows (PNG: rows x
 * bytes per row), so hostile data can never make us grow memory; writing
 * past it is an error. All three block types are handled: stored, fixed
 * Huffman and dynamic Huffman.
 *
 * Huffman decoding: a 2^FAST_BITS-entry table indexed by the next input bits
 * resolves every code up to FAST_BITS long in one look-up; longer codes
 * (rare) are resolved canonically bit by bit from the per-length counts.
 * Bits are read LSB first from a 64-bit buffer; past the end of the input
 * the buffer is padded with zero bits that are counted, and consuming any of
 * them is reported as truncation.
 */
#include "face/image_internal.h"

#include <string.h>

/* Fuzz builds (make fuzz defines FACENET_FUZZ) skip the Adler-32 check so
 * that mutated inputs reach everything after the inflater; see tests/fuzz/. */
#ifdef FACENET_FUZZ
#define ZLIB_CHECK_ADLER 0
#else
#define ZLIB_CHECK_ADLER 1
#endif

#define MAX_CODE_BITS 15
#define FAST_BITS 10
#define NUM_LITLEN 288 /* 286 used, 2 reserved in the fixed code */
#define NUM_DIST 32    /* 30 used */

typedef struct huff {
    uint16_t fast[1 << FAST_BITS]; /* [next FAST_BITS input bits] -> sym | len << 9, 0 = slow path */
    uint16_t count[MAX_CODE_BITS + 1]; /* [code length] number of symbols with that length */
    uint16_t sym[NUM_LITLEN];          /* symbols ordered by (length, value): canonical order */
} huff;

typedef struct inflater {
    const uint8_t *in; /* [in_len] */
    size_t in_len, pos;
    uint64_t bits;  /* unread bits, next bit in bit 0 */
    unsigned nbits; /* valid bits in `bits` (including padding) */
    unsigned pad;   /* zero bits appended past the end of input */
    uint8_t *out;   /* [out_cap] */
    size_t out_cap, out_len;
    face_err *err;
} inflater;

static const uint16_t len_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                      31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t dist_base[30] = {1,    2,    3,    4,    5,    7,     9,     13,    17,  25,
                                       33,   49,   65,   97,   129,  193,   257,   385,   513, 769,
                                       1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

/* Top the bit buffer up to at least 57 bits (padding with zeros at the end). */
static void refill(inflater *z)
{
    while (z->nbits <= 56) {
        uint64_t byte = 0;
        if (z->pos < z->in_len)
            byte = z->in[z->pos++];
        else
            z->pad += 8;
        z->bits |= byte << z->nbits;
        z->nbits += 8;
    }
}

/* Consume n bits (n <= 32); refill first. Over-read shows up as nbits < pad. */
static uint32_t get_bits(inflater *z, unsigned n)
{
    if (z->nbits < n) refill(z);
    uint32_t v = (uint32_t)(z->bits & ((1ull << n) - 1));
    z->bits >>= n;
    z->nbits -= n;
    return v;
}

static int overran(const inflater *z)
{
    return z->nbits < z->pad;
}

/* Offset of the next unread input byte, for messages. */
static size_t in_offset(const inflater *z)
{
    size_t buffered = (z->nbits - (z->nbits < z->pad ? z->nbits : z->pad)) / 8;
    return z->pos - (z->pos < buffered ? z->pos : buffered);
}

static face_status truncated(inflater *z)
{
    return face_codec_fail(z->err, FACE_EFORMAT,
                           "zlib: compressed data ends early (input %zu bytes, %zu bytes "
                           "decompressed so far)",
                           z->in_len, z->out_len);
}

/* Build a decoder from code lengths lens[0..n). Over-subscribed sets are
 * rejected; incomplete ones are accepted (an unused code is an error only if
 * it ever appears in the data). which names the table for messages. */
static face_status huff_build(huff *h, const uint8_t *lens, int n, const char *which, face_err *err)
{
    uint16_t offs[MAX_CODE_BITS + 2];
    memset(h->count, 0, sizeof h->count);
    memset(h->fast, 0, sizeof h->fast);
    for (int i = 0; i < n; i++) h->count[lens[i]]++;
    h->count[0] = 0;
    int left = 1;
    for (int len = 1; len <= MAX_CODE_BITS; len++) {
        left <<= 1;
        left -= h->count[len];
        if (left < 0)
            return face_codec_fail(err, FACE_EFORMAT,
                                   "deflate: %s code lengths are over-subscribed at length %d",
                                   which, len);
    }
    offs[1] = 0;
    for (int len = 1; len <= MAX_CODE_BITS; len++)
        offs[len + 1] = (uint16_t)(offs[len] + h->count[len]);
    for (int i = 0; i < n; i++)
        if (lens[i]) h->sym[offs[lens[i]]++] = (uint16_t)i;

    /* Canonical codes in (length, symbol) order; fill the fast table with the
     * bit-reversed code, replicated over the unused high bits. */
    unsigned code = 0;
    int k = 0;
    for (int len = 1; len <= MAX_CODE_BITS; len++) {
        for (int j = 0; j < h->count[len]; j++, k++, code++) {
            if (len > FAST_BITS) continue;
            unsigned rev = 0;
            for (int b = 0; b < len; b++) rev |= ((code >> b) & 1u) << (len - 1 - b);
            uint16_t entry = (uint16_t)(h->sym[k] | (len << 9));
            for (unsigned i = rev; i < (1u << FAST_BITS); i += 1u << len) h->fast[i] = entry;
        }
        code <<= 1;
    }
    return FACE_OK;
}

/* Decode one symbol; -1 on a code not in the table. */
static int huff_decode(inflater *z, const huff *h)
{
    if (z->nbits < MAX_CODE_BITS) refill(z);
    uint16_t e = h->fast[z->bits & ((1u << FAST_BITS) - 1)];
    if (e) {
        unsigned len = e >> 9;
        z->bits >>= len;
        z->nbits -= len;
        return e & 511;
    }
    /* Slow path: walk the canonical code one bit at a time. */
    int code = 0, first = 0, index = 0;
    for (int len = 1; len <= MAX_CODE_BITS; len++) {
        code |= (int)((z->bits >> (len - 1)) & 1u);
        int count = h->count[len];
        if (code - first < count) {
            z->bits >>= len;
            z->nbits -= (unsigned)len;
            return h->sym[index + code - first];
        }
        index += count;
        first += count;
        first <<= 1;
        code <<= 1;
    }
    return -1;
}

static face_status inflate_stored(inflater *z)
{
    /* Skip to a byte boundary, then LEN and its complement NLEN. */
    get_bits(z, z->nbits & 7u);
    uint32_t len = get_bits(z, 16), nlen = get_bits(z, 16);
    if (overran(z)) return truncated(z);
    if ((len ^ 0xFFFFu) != nlen)
        return face_codec_fail(z->err, FACE_EFORMAT,
                               "deflate: stored block near input offset %zu: LEN %u and NLEN %u "
                               "are not complements",
                               in_offset(z), (unsigned)len, (unsigned)nlen);
    if (len > z->out_cap - z->out_len)
        return face_codec_fail(z->err, FACE_EFORMAT,
                               "deflate: stored block of %u bytes overflows the expected %zu "
                               "bytes of output",
                               (unsigned)len, z->out_cap);
    /* Drain whole bytes still in the bit buffer, then copy from the input. */
    while (len && z->nbits >= 8 && z->nbits - 8 >= z->pad) {
        z->out[z->out_len++] = (uint8_t)get_bits(z, 8);
        len--;
    }
    if (len) {
        /* The buffer is empty of real bytes here (only padding, if any). */
        if (len > z->in_len - z->pos) return truncated(z);
        memcpy(z->out + z->out_len, z->in + z->pos, len);
        z->out_len += len;
        z->pos += len;
        z->bits = 0;
        z->nbits = 0;
        z->pad = 0;
    }
    return FACE_OK;
}

static face_status inflate_codes(inflater *z, const huff *lit, const huff *dist)
{
    for (;;) {
        int sym = huff_decode(z, lit);
        if (overran(z)) return truncated(z);
        if (sym < 0)
            return face_codec_fail(z->err, FACE_EFORMAT,
                                   "deflate: invalid literal/length code near input offset %zu",
                                   in_offset(z));
        if (sym < 256) {
            if (z->out_len >= z->out_cap)
                return face_codec_fail(z->err, FACE_EFORMAT,
                                       "deflate: more data than the expected %zu bytes",
                                       z->out_cap);
            z->out[z->out_len++] = (uint8_t)sym;
            continue;
        }
        if (sym == 256) return FACE_OK;
        sym -= 257;
        if (sym >= 29)
            return face_codec_fail(z->err, FACE_EFORMAT,
                                   "deflate: length symbol %d (only 257..285) near input offset %zu",
                                   sym + 257, in_offset(z));
        size_t len = len_base[sym] + get_bits(z, len_extra[sym]);
        int dsym = huff_decode(z, dist);
        if (overran(z)) return truncated(z);
        if (dsym < 0 || dsym >= 30)
            return face_codec_fail(z->err, FACE_EFORMAT,
                                   "deflate: invalid distance code %d near input offset %zu", dsym,
                                   in_offset(z));
        size_t d = dist_base[dsym] + get_bits(z, dist_extra[dsym]);
        if (overran(z)) return truncated(z);
        if (d > z->out_len)
            return face_codec_fail(z->err, FACE_EFORMAT,
                                   "deflate: distance %zu reaches before the start of the output "
                                   "(%zu bytes so far)",
                                   d, z->out_len);
        if (len > z->out_cap - z->out_len)
            return face_codec_fail(z->err, FACE_EFORMAT,
                                   "deflate: more data than the expected %zu bytes", z->out_cap);
        /* Byte by byte: the source may overlap what is being written (d < len). */
        uint8_t *o = z->out + z->out_len;
        const uint8_t *src = o - d;
        for (size_t i = 0; i < len; i++) o[i] = src[i];
        z->out_len += len;
    }
}

static face_status inflate_fixed(inflater *z, huff *lit, huff *dist)
{
    uint8_t lens[NUM_LITLEN];
    int i = 0;
    for (; i < 144; i++) lens[i] = 8;
    for (; i < 256; i++) lens[i] = 9;
    for (; i < 280; i++) lens[i] = 7;
    for (; i < 288; i++) lens[i] = 8;
    face_status st = huff_build(lit, lens, NUM_LITLEN, "fixed literal/length", z->err);
    if (st != FACE_OK) return st;
    for (i = 0; i < NUM_DIST; i++) lens[i] = 5;
    st = huff_build(dist, lens, NUM_DIST, "fixed distance", z->err);
    if (st != FACE_OK) return st;
    return inflate_codes(z, lit, dist);
}

static face_status inflate_dynamic(inflater *z, huff *lit, huff *dist)
{
    static const uint8_t order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    unsigned nlit = get_bits(z, 5) + 257, ndist = get_bits(z, 5) + 1, ncode = get_bits(z, 4) + 4;
    if (overran(z)) return truncated(z);
    if (nlit > 286 || ndist > 30)
        return face_codec_fail(z->err, FACE_EFORMAT,
                               "deflate: dynamic block header: %u literal/length codes (max 286) "
                               "and %u distance codes (max 30)",
                               nlit, ndist);
    uint8_t lens[NUM_LITLEN + NUM_DIST];
    memset(lens, 0, 19);
    for (unsigned i = 0; i < ncode; i++) lens[order[i]] = (uint8_t)get_bits(z, 3);
    if (overran(z)) return truncated(z);
    face_status st = huff_build(lit, lens, 19, "code-length", z->err);
    if (st != FACE_OK) return st;

    unsigned n = 0;
    while (n < nlit + ndist) {
        int sym = huff_decode(z, lit);
        if (overran(z)) return truncated(z);
        if (sym < 0)
            return face_codec_fail(z->err, FACE_EFORMAT,
                                   "deflate: invalid code-length code near input offset %zu",
                                   in_offset(z));
        if (sym < 16) {
            lens[n++] = (uint8_t)sym;
            continue;
        }
        uint8_t value = 0;
        unsigned rep;
        if (sym == 16) {
            if (n == 0)
                return face_codec_fail(z->err, FACE_EFORMAT,
                                       "deflate: code-length repeat (16) with no previous length");
            value = lens[n - 1];
            rep = 3 + get_bits(z, 2);
        } else if (sym == 17) {
            rep = 3 + get_bits(z, 3);
        } else {
            rep = 11 + get_bits(z, 7);
        }
        if (overran(z)) return truncated(z);
        if (n + rep > nlit + ndist)
            return face_codec_fail(z->err, FACE_EFORMAT,
                                   "deflate: code-length repeat runs past the %u lengths declared",
                                   nlit + ndist);
        while (rep--) lens[n++] = value;
    }
    if (lens[256] == 0)
        return face_codec_fail(z->err, FACE_EFORMAT,
                               "deflate: dynamic block has no end-of-block code");
    st = huff_build(lit, lens, (int)nlit, "literal/length", z->err);
    if (st != FACE_OK) return st;
    st = huff_build(dist, lens + nlit, (int)ndist, "distance", z->err);
    if (st != FACE_OK) return st;
    return inflate_codes(z, lit, dist);
}

face_status face_zlib_inflate(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                              size_t *out_len, face_err *err)
{
    if (in_len < 2)
        return face_codec_fail(err, FACE_EFORMAT, "zlib: stream of %zu bytes has no header",
                               in_len);
    unsigned cmf = in[0], flg = in[1];
    if ((cmf & 15u) != 8 || (cmf >> 4) > 7)
        return face_codec_fail(err, FACE_EFORMAT,
                               "zlib: header byte CMF 0x%02X: method %u (must be 8, deflate), "
                               "window 2^%u (max 2^15)",
                               cmf, cmf & 15u, (cmf >> 4) + 8);
    if ((cmf * 256u + flg) % 31u != 0)
        return face_codec_fail(err, FACE_EFORMAT,
                               "zlib: header check failed (CMF 0x%02X FLG 0x%02X not a multiple "
                               "of 31)",
                               cmf, flg);
    if (flg & 0x20u)
        return face_codec_fail(err, FACE_EUNSUPPORTED, "zlib: preset dictionary (FDICT) is not "
                                                       "supported");

    inflater z = {in, in_len, 2, 0, 0, 0, out, out_cap, 0, err};
    huff lit, dist; /* rebuilt for every Huffman block, about 2.7 KB each */
    face_status st = FACE_OK;
    unsigned final = 0;
    while (!final) {
        final = get_bits(&z, 1);
        unsigned type = get_bits(&z, 2);
        if (overran(&z)) return truncated(&z);
        if (type == 0)
            st = inflate_stored(&z);
        else if (type == 1)
            st = inflate_fixed(&z, &lit, &dist);
        else if (type == 2)
            st = inflate_dynamic(&z, &lit, &dist);
        else
            st = face_codec_fail(err, FACE_EFORMAT,
                                 "deflate: block type 3 (reserved) near input offset %zu",
                                 in_offset(&z));
        if (st != FACE_OK) return st;
    }
    /* The Adler-32 trailer, big-endian, after the byte boundary. */
    get_bits(&z, z.nbits & 7u);
    uint32_t a = 0;
    for (int i = 0; i < 4; i++) a = (a << 8) | get_bits(&z, 8);
    if (overran(&z))
        return face_codec_fail(err, FACE_EFORMAT,
                               "zlib: stream ends before its Adler-32 checksum (%zu bytes "
                               "decompressed)",
                               z.out_len);
    uint32_t want = face_adler32(1, out, z.out_len);
    if (ZLIB_CHECK_ADLER && a != want)
        return face_codec_fail(err, FACE_EFORMAT,
                               "zlib: Adler-32 mismatch: stored 0x%08X, computed 0x%08X over %zu "
                               "bytes",
                               (unsigned)a, (unsigned)want, z.out_len);
    *out_len = z.out_len;
    return FACE_OK;
}

uint32_t face_adler32(uint32_t adler, const uint8_t *data, size_t len)
{
    /* 5552 is the largest n for which the sums cannot overflow 32 bits
     * before the modulo (RFC 1950's NMAX). */
    uint32_t a = adler & 0xFFFFu, b = adler >> 16;
    while (len) {
        size_t n = len < 5552 ? len : 5552;
        len -= n;
        while (n--) {
            a += *data++;
            b += a;
        }
        a %= 65521u;
        b %= 65521u;
    }
    return (b << 16) | a;
}

uint32_t face_crc32(uint32_t crc, const uint8_t *data, size_t len)
{
    /* Reflected polynomial 0xEDB88320, four bits at a time from a 16-entry
     * table: small, constant, no start-up step. */
    static const uint32_t nibble[16] = {
        0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
        0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
        0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= data[i];
        crc = (crc >> 4) ^ nibble[crc & 15u];
        crc = (crc >> 4) ^ nibble[crc & 15u];
    }
    return ~crc;
}
