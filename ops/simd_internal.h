/*
 * simd_internal.h - what ops/dispatch.c and ops/convplan.c share with the
 * per-ISA kernel files in ops/x86/ and ops/arm/ (nothing outside ops/
 * includes this).
 *
 * The division of work: the ISA files hold only the inner loops (a
 * register-blocked convolution/GEMM tile, the Winograd transforms). Task
 * splitting, zero-padded input copies and weight repacking are plain C in
 * ops/convplan.c and are the same for every ISA; so the packed layouts below
 * are parameterised by the ISA's tile sizes (nr, nb_max) and nothing else.
 */
#ifndef OPS_SIMD_INTERNAL_H
#define OPS_SIMD_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ops/ops.h"

/* One register tile of a convolution (or of a Winograd GEMM):
 *   out[j][o] = act(sum_s sum_k a[j*a_px + s*a_seg + k] * b[(s*k_len + k)*nr + o]
 *                   + bias[o] + res[j][o])
 * for pixels j < nb and output channels o < nco. The sum runs s outer, k
 * inner, each term one fused multiply-add, so a given output element is
 * computed the same way whatever tile or thread it falls in. */
typedef struct ops_tile_args {
    const float *a;          /* first pixel, segment 0 */
    ptrdiff_t a_px;          /* floats from one pixel to the next */
    ptrdiff_t a_seg;         /* floats from one segment (kernel row) to the next */
    int nseg;                /* segments, >= 1 */
    int k_len;               /* contiguous floats per segment, >= 1 */
    const float *b;          /* [nseg][k_len][nr] packed weights, 64-byte aligned */
    int nb;                  /* pixels, 1..nb_max */
    int nco;                 /* valid output channels, 1..nr */
    float *const *y;         /* [nb] where pixel j's nco outputs go; NULL entries skipped */
    const float *const *res; /* [nb] residual of pixel j (nco floats), or NULL (no residual) */
    const float *bias;       /* [nr] zero-padded, or NULL */
    ops_act act;
} ops_tile_args;

/* Winograd F(m x m, 3x3), m = 4 or 2, stride 1, dilation 1, alpha = m + 2.
 * Tile t (0 <= t < n*tiles_h*tiles_w) covers outputs oy = ty*m .. ty*m+m-1,
 * ox = tx*m .. of image n and reads the alpha x alpha input patch at
 * iy = ty*m - pad_top, ix = tx*m - pad_left (zeros outside the image).
 * Channel counts are multiples of the ISA's vector width. */
typedef struct ops_wino_args {
    ops_nhwc in;             /* input dims (in.c % vl == 0) */
    int pad_top, pad_left;
    int oh, ow;              /* output dims */
    int tiles_h, tiles_w;
    int t0, nt;              /* tiles t0 .. t0+nt-1 */
    /* input transform */
    const float *x;          /* [in.n][in.h][in.w][in.c] */
    float *v;                /* [alpha^2][nt][in.c] transformed input */
    /* output transform */
    const float *m;          /* [alpha^2][nt][m_stride] GEMM result, channels co0.. */
    int m_stride;            /* floats per tile row of m */
    int c_out, co0, nco;     /* channels co0 .. co0+nco-1 of y (nco % vl == 0) */
    const float *bias;       /* [c_out] or NULL */
    const float *res;        /* [in.n][oh][ow][c_out] or NULL */
    float *y;                /* [in.n][oh][ow][c_out] */
    ops_act act;
} ops_wino_args;

/* The kernels of one ISA. */
typedef struct ops_simd_kernels {
    ops_isa isa;
    int vl;      /* floats per vector register */
    int nr;      /* output channels per tile (multiple of vl) */
    int nb_max;  /* pixels per tile */
    void (*tile)(const ops_tile_args *t);
    void (*wino_input)(const ops_wino_args *w);
    void (*wino_output)(const ops_wino_args *w);
    /* iters rounds of independent FMA chains on vl-wide vectors (see
     * ops_fma_burn); returns a sum that depends on every one, *flops the
     * operations done. */
    float (*fma_burn)(long iters, double *flops);
    void (*wino23_input)(const ops_wino_args *w);  /* F(2x2, 3x3); NULL if the ISA has none */
    void (*wino23_output)(const ops_wino_args *w);
} ops_simd_kernels;

/* The table for the active ISA, or NULL when it is scalar. */
const ops_simd_kernels *ops_simd_active(void);

#if defined(FACENET_HAVE_X86)
extern const ops_simd_kernels ops_kernels_avx2;
extern const ops_simd_kernels ops_kernels_avx512;
/* CRC-32 by PCLMULQDQ folding (ops/x86/crc_avx2.c): see ops_crc32_prefix. */
size_t ops_crc32_clmul_avx2(uint32_t *state, const uint8_t *p, size_t len);
#endif
#if defined(FACENET_HAVE_NEON)
extern const ops_simd_kernels ops_kernels_neon;
#endif

/* Apply a scalar activation to n floats in place (used by the kernels for
 * sigmoid/tanh, which have no vector form here). */
void ops_simd_act_tail(ops_act act, float *y, int n);

#endif
