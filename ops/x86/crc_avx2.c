/*
 * crc_avx2.c - CRC-32 (zlib's polynomial) by carry-less multiplication.
 *
 * The model file's 22 MB of weights are checksummed on every load; the
 * table-driven slice-by-8 in weights/common.c (the reference) needs ~11 ms
 * for them, PCLMULQDQ folding under 1 ms.
 *
 * How folding works. CRC-32 is the remainder of the message polynomial
 * modulo P = x^32 + 0x04C11DB7, with bits reflected (bit 0 of byte 0 is the
 * highest power). A 16-byte lane X loaded little-endian holds, at bit i, the
 * coefficient of x^(127-i) counted from the lane's end; its low qword H is
 * the high half, its high qword L the low half: X = H x^64 + L. Moving X
 * forward past D more bits multiplies it by x^D, and modulo P
 *   X x^D == H (x^(D+63) mod P) x + L (x^(D-1) mod P) x.
 * A carry-less multiply of two reflected qwords yields their product times x
 * in the lane convention (bit k holds x^(126-k), read as x^(127-k)), so each
 * term is one PCLMULQDQ with a 32-bit constant; the sum has degree < 96 and
 * is XORed into the lane D bits further on. Four lanes fold 64 bytes per
 * step (D = 512) to keep four multiplies in flight; then they are folded
 * into one (D = 128). The last lane is congruent to everything before it,
 * so its CRC from a zero register is the CRC of the whole prefix.
 *
 * The incoming register (zlib's inverted state) enters as XOR into the first
 * four bytes, which is what the byte-wise algorithm does with it.
 *
 * Built with the AVX2 flags; PCLMULQDQ is enabled here per function, and the
 * dispatcher calls this only when CPUID reports it.
 */
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ops/simd_internal.h"

#define CRC_TARGET __attribute__((target("pclmul,avx2")))

/* x^n mod P, coefficient of x^d at bit d (normal, not reflected). */
static uint32_t xpow_mod(int n)
{
    uint32_t r = 1;
    for (int i = 0; i < n; i++) {
        const uint32_t top = r & 0x80000000u;
        r <<= 1;
        if (top) r ^= 0x04C11DB7u;
    }
    return r;
}

/* x^n mod P as a reflected qword multiplier: coefficient of x^d at bit 63-d. */
static uint64_t fold_const(int n)
{
    const uint32_t r = xpow_mod(n);
    uint64_t q = 0;
    for (int d = 0; d < 32; d++)
        if ((r >> d) & 1u) q |= (uint64_t)1 << (63 - d);
    return q;
}

/* X moved forward by D bits, reduced to under 96 bits; k = {H's, L's} constant. */
CRC_TARGET static __m128i fold(__m128i x, __m128i k)
{
    const __m128i hi = _mm_clmulepi64_si128(x, k, 0x00); /* H times k's low qword */
    const __m128i lo = _mm_clmulepi64_si128(x, k, 0x11); /* L times k's high qword */
    return _mm_xor_si128(hi, lo);
}

static __m128i fold_consts(int d_bits)
{
    return _mm_set_epi64x((long long)fold_const(d_bits - 1), (long long)fold_const(d_bits + 63));
}

CRC_TARGET size_t ops_crc32_clmul_avx2(uint32_t *state, const uint8_t *p, size_t len)
{
    if (len < 128) return 0;
    const size_t n = len & ~(size_t)63; /* whole 64-byte steps */
    __m128i x0 = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
    __m128i x2 = _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(const void *)(p + 48));
    x0 = _mm_xor_si128(x0, _mm_cvtsi32_si128((int)*state));
    const __m128i k512 = fold_consts(512);
    for (size_t off = 64; off < n; off += 64) {
        const uint8_t *q = p + off;
        x0 = _mm_xor_si128(fold(x0, k512), _mm_loadu_si128((const __m128i *)(const void *)q));
        x1 = _mm_xor_si128(fold(x1, k512),
                           _mm_loadu_si128((const __m128i *)(const void *)(q + 16)));
        x2 = _mm_xor_si128(fold(x2, k512),
                           _mm_loadu_si128((const __m128i *)(const void *)(q + 32)));
        x3 = _mm_xor_si128(fold(x3, k512),
                           _mm_loadu_si128((const __m128i *)(const void *)(q + 48)));
    }
    const __m128i k128 = fold_consts(128);
    __m128i x = _mm_xor_si128(fold(x0, k128), x1);
    x = _mm_xor_si128(fold(x, k128), x2);
    x = _mm_xor_si128(fold(x, k128), x3);

    uint8_t last[16];
    _mm_storeu_si128((__m128i *)(void *)last, x);
    /* The 16 bytes' CRC from a zero register, bit by bit (128 steps). */
    uint32_t crc = 0;
    for (int i = 0; i < 16; i++) {
        crc ^= last[i];
        for (int b = 0; b < 8; b++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    *state = crc;
    return n;
}
