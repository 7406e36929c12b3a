/*
 * deflate.c - zlib stream encoder (RFC 1950/1951) for the PNG writer.
 *
 * LZ77: a 3-byte hash indexes chains of earlier positions in the 32 KiB
 * window (head/prev arrays); each position takes the longest match found in
 * at most MAX_CHAIN steps, with one step of lazy evaluation (if the next
 * position has a longer match, emit a literal first). Matches are 3..258
 * bytes at distances 1..32768.
 *
 * Blocks: tokens are gathered BLOCK_TOKENS at a time; for each block a
 * length-limited Huffman code (15 bits, 7 for the code-length code) is built
 * from the symbol counts, and the block is written as dynamic, fixed or
 * stored, whichever is smallest. Length limits are met by halving the
 * counts (keeping them >= 1) and rebuilding: simple and always ends, since
 * equal counts give depth <= 9 for our alphabets.
 */
#include "face/image_internal.h"

#include <stdlib.h>
#include <string.h>

#define WSIZE 32768u
#define WMASK (WSIZE - 1u)
#define HASH_BITS 15
#define HASH_SIZE (1u << HASH_BITS)
#define MIN_MATCH 3
#define MAX_MATCH 258
#define MAX_CHAIN 128
#define GOOD_ENOUGH 128 /* stop searching once a match this long is found */
#define BLOCK_TOKENS 32768
#define NO_POS 0xFFFFFFFFu

typedef struct token {
    uint16_t len;  /* 0: literal, else match length 3..258 */
    uint16_t dist; /* match distance 1..32768 minus 1, or the literal byte */
} token;

typedef struct bitwriter {
    uint8_t *buf; /* [cap] growing output */
    size_t len, cap;
    uint64_t bits;  /* pending bits, LSB first */
    unsigned nbits; /* < 8 after every flush */
    int failed;     /* an allocation failed: everything after is dropped */
} bitwriter;

static void bw_reserve(bitwriter *bw, size_t extra)
{
    if (bw->failed || bw->cap - bw->len >= extra) return;
    size_t ncap = bw->cap ? bw->cap : 4096;
    while (ncap - bw->len < extra) {
        if (ncap > SIZE_MAX / 2) {
            bw->failed = 1;
            return;
        }
        ncap *= 2;
    }
    uint8_t *nb = realloc(bw->buf, ncap);
    if (!nb) {
        bw->failed = 1;
        return;
    }
    bw->buf = nb;
    bw->cap = ncap;
}

/* Append n bits (n <= 32) of v, LSB first. */
static void bw_put(bitwriter *bw, uint32_t v, unsigned n)
{
    bw->bits |= (uint64_t)v << bw->nbits;
    bw->nbits += n;
    if (bw->nbits >= 32) {
        bw_reserve(bw, 4);
        if (!bw->failed) {
            for (int i = 0; i < 4; i++) bw->buf[bw->len++] = (uint8_t)(bw->bits >> (8 * i));
        }
        bw->bits >>= 32;
        bw->nbits -= 32;
    }
}

/* Pad to a byte boundary with zero bits and write out the pending bytes. */
static void bw_align(bitwriter *bw)
{
    bw_reserve(bw, 8);
    while (bw->nbits > 0 && !bw->failed) {
        bw->buf[bw->len++] = (uint8_t)bw->bits;
        bw->bits >>= 8;
        bw->nbits = bw->nbits >= 8 ? bw->nbits - 8 : 0;
    }
    bw->bits = 0;
    bw->nbits = 0;
}

static const uint16_t len_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                      31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t dist_base[30] = {1,    2,    3,    4,    5,    7,     9,     13,    17,  25,
                                       33,   49,   65,   97,   129,  193,   257,   385,   513, 769,
                                       1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

static unsigned len_code(unsigned len) /* 3..258 -> 0..28 (symbol - 257) */
{
    unsigned c = 0;
    while (c < 28 && len_base[c + 1] <= len) c++;
    return c;
}

static unsigned dist_code(unsigned dist) /* 1..32768 -> 0..29 */
{
    unsigned c = 0;
    while (c < 29 && dist_base[c + 1] <= dist) c++;
    return c;
}

/* Huffman code lengths for freq[0..n) with no length over limit; symbols
 * with freq 0 get length 0. At least two symbols must have freq > 0. */
static void huff_lengths(const uint32_t *freq_in, int n, unsigned limit, uint8_t *lens)
{
    uint32_t freq[288];
    int parent[2 * 288]; /* [node] parent node; leaves are 0..n-1, internal nodes n.. */
    uint64_t weight[2 * 288];
    int alive[2 * 288];
    memcpy(freq, freq_in, (size_t)n * sizeof freq[0]);
    for (;;) {
        int nodes = n, active = 0;
        for (int i = 0; i < n; i++) {
            weight[i] = freq[i];
            alive[i] = freq[i] > 0;
            parent[i] = -1;
            active += alive[i];
        }
        /* Merge the two lightest live nodes until one is left: O(n^2), n <= 288. */
        while (active > 1) {
            int a = -1, b = -1;
            for (int i = 0; i < nodes; i++) {
                if (!alive[i]) continue;
                if (a < 0 || weight[i] < weight[a]) {
                    b = a;
                    a = i;
                } else if (b < 0 || weight[i] < weight[b]) {
                    b = i;
                }
            }
            weight[nodes] = weight[a] + weight[b];
            alive[nodes] = 1;
            parent[nodes] = -1;
            alive[a] = alive[b] = 0;
            parent[a] = parent[b] = nodes;
            nodes++;
            active--;
        }
        unsigned maxlen = 0;
        for (int i = 0; i < n; i++) {
            unsigned d = 0;
            if (freq[i])
                for (int p = parent[i]; p >= 0; p = parent[p]) d++;
            lens[i] = (uint8_t)d;
            if (d > maxlen) maxlen = d;
        }
        if (maxlen <= limit) return;
        for (int i = 0; i < n; i++)
            if (freq[i]) freq[i] = (freq[i] + 1) / 2;
    }
}

/* Canonical codes from lengths, bit-reversed for LSB-first output. */
static void huff_codes(const uint8_t *lens, int n, uint16_t *codes)
{
    unsigned count[16] = {0}, next[16];
    for (int i = 0; i < n; i++) count[lens[i]]++;
    count[0] = 0;
    unsigned code = 0;
    for (int l = 1; l < 16; l++) {
        code = (code + count[l - 1]) << 1;
        next[l] = code;
    }
    for (int i = 0; i < n; i++) {
        unsigned l = lens[i];
        if (!l) continue;
        unsigned c = next[l]++, rev = 0;
        for (unsigned b = 0; b < l; b++) rev |= ((c >> b) & 1u) << (l - 1 - b);
        codes[i] = (uint16_t)rev;
    }
}

/* Make sure at least two symbols are used, as zlib's inflate expects of
 * every code but the single-distance case; harmless extra codes. */
static void at_least_two(uint32_t *freq, int n)
{
    int used = 0;
    for (int i = 0; i < n; i++) used += freq[i] > 0;
    for (int i = 0; i < n && used < 2; i++)
        if (!freq[i]) {
            freq[i] = 1;
            used++;
        }
}

typedef struct block_code {
    uint8_t litlen_len[288];   /* [literal/length symbol] code length, 0 = unused */
    uint16_t litlen_code[288]; /* [literal/length symbol] code, bit-reversed for LSB-first output */
    uint8_t dist_len[30];      /* [distance symbol] code length */
    uint16_t dist_code[30];    /* [distance symbol] code, bit-reversed */
} block_code;

/* Bits to code the tokens with a given code (header excluded). */
static uint64_t body_bits(const block_code *bc, const uint32_t *lf, const uint32_t *df)
{
    uint64_t bits = 0;
    for (int i = 0; i < 286; i++)
        bits += (uint64_t)lf[i] * (bc->litlen_len[i] + (i >= 257 ? len_extra[i - 257] : 0));
    for (int i = 0; i < 30; i++) bits += (uint64_t)df[i] * (bc->dist_len[i] + dist_extra[i]);
    return bits;
}

static void write_tokens(bitwriter *bw, const block_code *bc, const token *t, size_t nt)
{
    for (size_t i = 0; i < nt; i++) {
        if (!t[i].len) {
            bw_put(bw, bc->litlen_code[t[i].dist], bc->litlen_len[t[i].dist]);
            continue;
        }
        unsigned lc = len_code(t[i].len), d = t[i].dist + 1u, dc = dist_code(d);
        bw_put(bw, bc->litlen_code[257 + lc], bc->litlen_len[257 + lc]);
        bw_put(bw, t[i].len - len_base[lc], len_extra[lc]);
        bw_put(bw, bc->dist_code[dc], bc->dist_len[dc]);
        bw_put(bw, d - dist_base[dc], dist_extra[dc]);
    }
    bw_put(bw, bc->litlen_code[256], bc->litlen_len[256]);
}

/* Run-length code the concatenated code lengths with symbols 0..18. */
static size_t rle_lengths(const uint8_t *lens, size_t n, uint8_t *sym, uint8_t *extra)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t run = 1;
        while (i + run < n && lens[i + run] == lens[i]) run++;
        if (lens[i] == 0 && run >= 3) {
            size_t r = run > 138 ? 138 : run;
            if (r >= 11) {
                sym[k] = 18;
                extra[k++] = (uint8_t)(r - 11);
            } else {
                sym[k] = 17;
                extra[k++] = (uint8_t)(r - 3);
            }
            i += r;
        } else if (lens[i] != 0 && run >= 4) {
            sym[k] = lens[i];
            extra[k++] = 0;
            size_t r = run - 1 > 6 ? 6 : run - 1;
            sym[k] = 16;
            extra[k++] = (uint8_t)(r - 3);
            i += 1 + r;
        } else {
            sym[k] = lens[i];
            extra[k++] = 0;
            i++;
        }
    }
    return k;
}

static void write_block(bitwriter *bw, const token *t, size_t nt, const uint8_t *raw, size_t raw_len,
                        int final)
{
    static const uint8_t order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    uint32_t lf[288] = {0}, df[30] = {0};
    for (size_t i = 0; i < nt; i++) {
        if (!t[i].len) {
            lf[t[i].dist]++;
        } else {
            lf[257 + len_code(t[i].len)]++;
            df[dist_code(t[i].dist + 1u)]++;
        }
    }
    lf[256] = 1;

    /* Fixed code. */
    block_code fixed;
    for (int i = 0; i < 288; i++) fixed.litlen_len[i] = (uint8_t)(i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8);
    for (int i = 0; i < 30; i++) fixed.dist_len[i] = 5;
    huff_codes(fixed.litlen_len, 288, fixed.litlen_code);
    huff_codes(fixed.dist_len, 30, fixed.dist_code);
    uint64_t fixed_bits = 3 + body_bits(&fixed, lf, df);

    /* Dynamic code. */
    block_code dyn;
    memset(&dyn, 0, sizeof dyn);
    uint32_t lf2[288], df2[30];
    memcpy(lf2, lf, sizeof lf2);
    memcpy(df2, df, sizeof df2);
    at_least_two(lf2, 286);
    at_least_two(df2, 30);
    huff_lengths(lf2, 286, 15, dyn.litlen_len);
    huff_lengths(df2, 30, 15, dyn.dist_len);
    huff_codes(dyn.litlen_len, 286, dyn.litlen_code);
    huff_codes(dyn.dist_len, 30, dyn.dist_code);
    unsigned nlit = 286, ndist = 30;
    while (nlit > 257 && !dyn.litlen_len[nlit - 1]) nlit--;
    while (ndist > 1 && !dyn.dist_len[ndist - 1]) ndist--;
    uint8_t all[286 + 30], sym[286 + 30], extra[286 + 30];
    memcpy(all, dyn.litlen_len, nlit);
    memcpy(all + nlit, dyn.dist_len, ndist);
    size_t nsym = rle_lengths(all, nlit + ndist, sym, extra);
    uint32_t cf[19] = {0};
    for (size_t i = 0; i < nsym; i++) cf[sym[i]]++;
    at_least_two(cf, 19);
    uint8_t clen[19];
    uint16_t ccode[19];
    huff_lengths(cf, 19, 7, clen);
    huff_codes(clen, 19, ccode);
    unsigned ncl = 19;
    while (ncl > 4 && !clen[order[ncl - 1]]) ncl--;
    uint64_t dyn_bits = 3 + 14 + 3 * (uint64_t)ncl + body_bits(&dyn, lf, df);
    for (size_t i = 0; i < nsym; i++)
        dyn_bits += clen[sym[i]] + (sym[i] == 16 ? 2 : sym[i] == 17 ? 3 : sym[i] == 18 ? 7 : 0);

    /* Stored: 5 bytes of header per 65535 bytes, plus alignment. */
    uint64_t stored_bits = (uint64_t)raw_len * 8 + 40 * (raw_len / 65535 + 1) + 7;

    if (stored_bits < dyn_bits && stored_bits < fixed_bits) {
        size_t off = 0;
        do {
            size_t m = raw_len - off > 65535 ? 65535 : raw_len - off;
            int last = off + m == raw_len;
            bw_put(bw, (uint32_t)(final && last), 1);
            bw_put(bw, 0, 2);
            bw_align(bw);
            bw_put(bw, (uint32_t)m, 16);
            bw_put(bw, (uint32_t)m ^ 0xFFFFu, 16);
            bw_reserve(bw, m);
            if (!bw->failed) {
                memcpy(bw->buf + bw->len, raw + off, m);
                bw->len += m;
            }
            off += m;
        } while (off < raw_len);
    } else if (fixed_bits <= dyn_bits) {
        bw_put(bw, (uint32_t)final, 1);
        bw_put(bw, 1, 2);
        write_tokens(bw, &fixed, t, nt);
    } else {
        bw_put(bw, (uint32_t)final, 1);
        bw_put(bw, 2, 2);
        bw_put(bw, nlit - 257, 5);
        bw_put(bw, ndist - 1, 5);
        bw_put(bw, ncl - 4, 4);
        for (unsigned i = 0; i < ncl; i++) bw_put(bw, clen[order[i]], 3);
        for (size_t i = 0; i < nsym; i++) {
            bw_put(bw, ccode[sym[i]], clen[sym[i]]);
            if (sym[i] == 16) bw_put(bw, extra[i], 2);
            if (sym[i] == 17) bw_put(bw, extra[i], 3);
            if (sym[i] == 18) bw_put(bw, extra[i], 7);
        }
        write_tokens(bw, &dyn, t, nt);
    }
}

typedef struct matcher {
    const uint8_t *in; /* [n] */
    size_t n;
    uint32_t *head; /* [HASH_SIZE] latest position with that hash, NO_POS if none */
    uint32_t *prev; /* [WSIZE] previous position in the chain, by position & WMASK */
} matcher;

static unsigned hash3(const uint8_t *p)
{
    uint32_t v = ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
    return (v * 2654435761u) >> (32 - HASH_BITS);
}

static void insert_pos(matcher *m, size_t pos)
{
    if (pos + MIN_MATCH > m->n) return;
    unsigned h = hash3(m->in + pos);
    m->prev[pos & WMASK] = m->head[h];
    m->head[h] = (uint32_t)pos;
}

/* Longest match for pos among the chain (pos must not be inserted yet). */
static unsigned longest_match(const matcher *m, size_t pos, unsigned *dist)
{
    if (pos + MIN_MATCH > m->n) return 0;
    size_t maxlen = m->n - pos < MAX_MATCH ? m->n - pos : MAX_MATCH;
    const uint8_t *cur = m->in + pos;
    unsigned best = 0;
    uint32_t cand = m->head[hash3(cur)];
    for (int chain = 0; chain < MAX_CHAIN && cand != NO_POS; chain++) {
        if (pos - cand > WSIZE || cand >= pos) break;
        const uint8_t *c = m->in + cand;
        if (c[best] == cur[best] && c[0] == cur[0]) {
            unsigned l = 0;
            while (l < maxlen && c[l] == cur[l]) l++;
            if (l > best) {
                best = l;
                *dist = (unsigned)(pos - cand);
                if (l >= GOOD_ENOUGH || l == maxlen) break;
            }
        }
        uint32_t next = m->prev[cand & WMASK];
        if (next != NO_POS && next >= cand) break; /* slot reused by a newer position */
        cand = next;
    }
    return best >= MIN_MATCH ? best : 0;
}

face_status face_zlib_deflate(const uint8_t *in, size_t in_len, uint8_t **out, size_t *out_len,
                              face_err *err)
{
    if (in_len >= 0x7FFFFFFFu)
        return face_codec_fail(err, FACE_ELIMIT, "deflate: input of %zu bytes is over 2 GiB",
                               in_len);
    matcher m = {in, in_len, malloc(HASH_SIZE * sizeof(uint32_t)), malloc(WSIZE * sizeof(uint32_t))};
    token *toks = malloc(BLOCK_TOKENS * sizeof(token));
    bitwriter bw = {0};
    if (!m.head || !m.prev || !toks) {
        free(m.head);
        free(m.prev);
        free(toks);
        return face_codec_fail(err, FACE_ENOMEM, "deflate: cannot allocate the match tables");
    }
    memset(m.head, 0xFF, HASH_SIZE * sizeof(uint32_t));
    memset(m.prev, 0xFF, WSIZE * sizeof(uint32_t));

    bw_reserve(&bw, 2);
    if (!bw.failed) {
        bw.buf[bw.len++] = 0x78; /* deflate, 32 KiB window */
        bw.buf[bw.len++] = 0x9C; /* default level; (0x789C % 31) == 0 */
    }

    size_t pos = 0, block_start = 0, nt = 0;
    unsigned dist = 0, len = in_len ? longest_match(&m, 0, &dist) : 0;
    while (pos < in_len) {
        /* Lazy evaluation: if the next position matches longer, take a literal now. */
        if (len) {
            insert_pos(&m, pos);
            unsigned dist2 = 0, len2 = len < GOOD_ENOUGH ? longest_match(&m, pos + 1, &dist2) : 0;
            if (len2 > len) {
                toks[nt].len = 0;
                toks[nt++].dist = in[pos];
                pos++;
                len = len2;
                dist = dist2;
            } else {
                toks[nt].len = (uint16_t)len;
                toks[nt++].dist = (uint16_t)(dist - 1);
                for (size_t i = 1; i < len; i++) insert_pos(&m, pos + i);
                pos += len;
                len = pos < in_len ? longest_match(&m, pos, &dist) : 0;
            }
        } else {
            toks[nt].len = 0;
            toks[nt++].dist = in[pos];
            insert_pos(&m, pos);
            pos++;
            len = pos < in_len ? longest_match(&m, pos, &dist) : 0;
        }
        if (nt == BLOCK_TOKENS) {
            /* A pending lazy match (len) starts at pos, inside the next block: fine. */
            write_block(&bw, toks, nt, in + block_start, pos - block_start, 0);
            nt = 0;
            block_start = pos;
        }
    }
    write_block(&bw, toks, nt, in + block_start, pos - block_start, 1);
    bw_align(&bw);
    uint32_t a = face_adler32(1, in, in_len);
    bw_reserve(&bw, 4);
    if (!bw.failed)
        for (int i = 3; i >= 0; i--) bw.buf[bw.len++] = (uint8_t)(a >> (8 * i));

    free(m.head);
    free(m.prev);
    free(toks);
    if (bw.failed) {
        free(bw.buf);
        return face_codec_fail(err, FACE_ENOMEM, "deflate: cannot grow the output buffer");
    }
    *out = bw.buf;
    *out_len = bw.len;
    return FACE_OK;
}
