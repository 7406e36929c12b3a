/*
 * convplan.c - planned convolution: kernel choice, weight repacking, task
 * splitting. The inner loops are the active ISA's (simd_internal.h); this
 * file is plain C and the same for every ISA.
 *
 * Kernels:
 * - wino43: Winograd F(4x4, 3x3) for 3x3, stride 1, dilation 1, one group,
 *   channel counts multiples of the vector width. 36 multiplies per 4x4
 *   output tile and channel pair instead of 144. Weights packed as
 *   U[36][co_blk][c_in][nr], U = G g G^T computed in double.
 *   A task is a block of tiles times a group of output-channel blocks: it
 *   transforms its tiles' input into its scratch (V[36][nt][c_in]), runs 36
 *   small GEMMs into scratch (M[36][nt][group width]) and transforms the
 *   result into y with bias, residual and activation fused.
 * - wino23: Winograd F(2x2, 3x3), the same scheme with 4x4 input patches,
 *   16 points, U[16][co_blk][c_in][nr]: for middle-sized maps.
 * - direct: any kernel size, stride and padding, dilation 1, one group.
 *   Weights packed as [co_blk][kh][kw*c_in][nr] (zero-padded past c_out).
 *   A task is a band of output rows times a group of output-channel blocks:
 *   it copies the input rows the band reads, zero-padded, into its scratch,
 *   so the kernel's reads along one kernel row (kw*c_in floats) are
 *   contiguous and need no bounds checks. With stride_h == 1 the pixels of a
 *   tile run on across row ends (the copy's rows are the padded width long;
 *   the outputs of the columns past ow are computed and dropped), so tiles
 *   stay full on narrow images.
 * - ref: the scalar reference ops_conv2d_f32, one task per image. Used for
 *   the scalar ISA and for dilation or groups > 1.
 * - blas (make BLAS=openblas, OPS_CONV_BLAS only): im2col of one image into
 *   the scratch, then cblas_sgemm against the OHWI weights as they are, then
 *   bias, residual and activation in a pass; one task per image. A yardstick
 *   for bench/, never chosen by AUTO.
 */
#if defined(__linux__)
#define _DEFAULT_SOURCE 1 /* madvise, for huge pages under the packed weights */
#endif
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif
#if defined(FACENET_HAVE_OPENBLAS)
#include <cblas.h>
#endif

#include "ops/ops.h"
#include "ops/simd_internal.h"

enum plan_kind { KIND_REF, KIND_DIRECT, KIND_WINO, KIND_WINO23, KIND_BLAS };

enum { TASKS_WANTED = 8 }; /* enough for 2-4 threads to balance; fixed, so y never depends on threads */

struct ops_conv2d_plan {
    ops_conv2d_params p;
    ops_nhwc in;
    int c_out, oh, ow;
    enum plan_kind kind;
    const ops_simd_kernels *k;   /* NULL for ref */
    const float *w_ref;          /* [c_out][kh][kw][in.c/groups], caller's */
    const float *bias_ref;       /* [c_out] or NULL, caller's */
    float *packed;               /* direct: [n_coblk][kh][kw*in.c][nr]; wino: [36][n_coblk][in.c][nr] */
    size_t packed_bytes;
    float *bias_pad;             /* [n_coblk*nr] zero-padded, or NULL */
    int nr, n_coblk;             /* output channels per block, blocks */
    int n_cogrp, coblk_per_grp;  /* groups of blocks (tasks split along c_out) */
    /* direct */
    int band_rows, bands_img;    /* output rows per band, bands per image */
    int wp;                      /* padded width of the scratch copy (multiple of stride_w) */
    /* wino */
    int wm, npos;                /* output tile m (4 or 2), transformed points (m+2)^2 */
    int tiles_h, tiles_w, n_tiles, tblk, n_tblk;
    int ntasks;
    size_t scratch;              /* bytes per task */
    double macs;
    char variant[32];
};

static int ceil_div(int a, int b) { return (a + b - 1) / b; }
static size_t round64(size_t n) { return (n + 63) & ~(size_t)63; }

/* 64-byte aligned. Blocks of 2 MB and more are 2 MB aligned and, on Linux,
 * their whole 2 MB pages are asked for transparent huge pages (the tail
 * keeps 4 KB pages, so nothing is wasted): the kernels' weight streams then
 * miss the TLB far less (bench: about 12% off a ResNet-29 run at batch 1)
 * and packing takes fewer page faults. */
static void *alloc64(size_t bytes)
{
    const size_t huge = (size_t)2 << 20;
    void *ptr = NULL;
    if (bytes >= huge) {
        if (posix_memalign(&ptr, huge, bytes) != 0) return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        madvise(ptr, bytes / huge * huge, MADV_HUGEPAGE); /* a hint: failure changes nothing */
#endif
        return ptr;
    }
    if (posix_memalign(&ptr, 64, bytes ? bytes : 64) != 0) return NULL;
    return ptr;
}

/* Split n_coblk blocks into groups so that `tasks` * groups reaches the target. */
static void split_co(ops_conv2d_plan *pl, int tasks)
{
    int groups = 1;
    if (tasks < TASKS_WANTED) groups = ceil_div(TASKS_WANTED, tasks);
    if (groups > pl->n_coblk) groups = pl->n_coblk;
    pl->coblk_per_grp = ceil_div(pl->n_coblk, groups);
    pl->n_cogrp = ceil_div(pl->n_coblk, pl->coblk_per_grp);
}

static int pack_bias(ops_conv2d_plan *pl)
{
    const size_t n = (size_t)pl->n_coblk * pl->nr;
    pl->bias_pad = alloc64(n * sizeof(float));
    if (!pl->bias_pad) return -1;
    for (size_t i = 0; i < n; i++)
        pl->bias_pad[i] = (pl->bias_ref && i < (size_t)pl->c_out) ? pl->bias_ref[i] : 0.0f;
    return 0;
}

/* The range [*lo, *hi] of kernel taps along one axis that read a real input
 * element for at least one output; the others only ever see zero padding. */
static void used_taps(int in, int out, int k, int stride, int pad, int *lo, int *hi)
{
    *lo = k;
    *hi = -1;
    for (int t = 0; t < k; t++)
        for (int o = 0; o < out; o++) {
            const int i = o * stride - pad + t;
            if (i >= 0 && i < in) {
                if (t < *lo) *lo = t;
                if (t > *hi) *hi = t;
                break;
            }
        }
}

static int plan_direct(ops_conv2d_plan *pl)
{
    ops_conv2d_params *p = &pl->p;
    const int cin = pl->in.c, nr = pl->nr;
    const int kh0 = p->kh, kw0 = p->kw;
    /* Drop taps that only read padding (a 3x3 SAME conv on a 1x1 input is a
     * 1x1 conv): fewer weights to stream, same result. */
    int ky0, ky1, kx0, kx1;
    used_taps(pl->in.h, pl->oh, p->kh, p->stride_h, p->pad_top, &ky0, &ky1);
    used_taps(pl->in.w, pl->ow, p->kw, p->stride_w, p->pad_left, &kx0, &kx1);
    if (ky1 >= ky0 && kx1 >= kx0 && p->pad_top >= ky0 && p->pad_left >= kx0 &&
        p->pad_bottom >= kh0 - 1 - ky1 && p->pad_right >= kw0 - 1 - kx1) {
        p->pad_top -= ky0;
        p->pad_bottom -= kh0 - 1 - ky1;
        p->pad_left -= kx0;
        p->pad_right -= kw0 - 1 - kx1;
        p->kh = ky1 - ky0 + 1;
        p->kw = kx1 - kx0 + 1;
    } else {
        ky0 = kx0 = 0;
    }
    const size_t klen = (size_t)p->kw * cin;
    pl->packed_bytes = (size_t)pl->n_coblk * p->kh * klen * nr * sizeof(float);
    pl->packed = alloc64(pl->packed_bytes);
    if (!pl->packed) return -1;
    /* A transpose of each block's [nr][klen] rows into [klen][nr], done in
     * 16-column pieces so that reads and writes both stay in L1: packing
     * runs near memory speed (it is most of the model's load time). */
    enum { PIECE = 16 };
    for (int cb = 0; cb < pl->n_coblk; cb++)
        for (int ky = 0; ky < p->kh; ky++) {
            float *blk = pl->packed + ((size_t)cb * p->kh + ky) * klen * nr;
            for (size_t k0 = 0; k0 < klen; k0 += PIECE) {
                const size_t k1 = k0 + PIECE < klen ? k0 + PIECE : klen;
                for (int o = 0; o < nr; o++) {
                    const int co = cb * nr + o;
                    if (co >= pl->c_out) {
                        for (size_t kk = k0; kk < k1; kk++) blk[kk * nr + o] = 0.0f;
                        continue;
                    }
                    const float *src =
                        pl->w_ref + (((size_t)co * kh0 + ky + ky0) * kw0 + kx0) * cin;
                    for (size_t kk = k0; kk < k1; kk++) blk[kk * nr + o] = src[kk];
                }
            }
        }
    /* bands: about TASKS_WANTED per batch, but keep several tiles per band */
    const int px_img = pl->oh * pl->ow;
    int bands = px_img / (4 * pl->k->nb_max);
    if (bands > TASKS_WANTED) bands = TASKS_WANTED;
    if (bands > pl->oh) bands = pl->oh;
    if (bands < 1) bands = 1;
    pl->band_rows = ceil_div(pl->oh, bands);
    pl->bands_img = ceil_div(pl->oh, pl->band_rows);
    split_co(pl, pl->in.n * pl->bands_img);
    pl->ntasks = pl->in.n * pl->bands_img * pl->n_cogrp;
    const int sw = p->stride_w;
    pl->wp = ceil_div(pl->in.w + p->pad_left + p->pad_right, sw) * sw;
    const size_t in_rows = (size_t)(pl->band_rows - 1) * p->stride_h + p->kh;
    pl->scratch = round64(in_rows * pl->wp * cin * sizeof(float));
    return 0;
}

/* G (6x3) of F(4x4, 3x3) for the points 0, 1, -1, 2, -2, infinity. */
static const double wino_g[6][3] = {
    {1.0 / 4, 0, 0},
    {-1.0 / 6, -1.0 / 6, -1.0 / 6},
    {-1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6},
    {1.0 / 24, -1.0 / 12, 1.0 / 6},
    {0, 0, 1},
};

/* G (4x3) of F(2x2, 3x3) for the points 0, 1, -1, infinity. */
static const double wino23_g[4][3] = {
    {1, 0, 0},
    {0.5, 0.5, 0.5},
    {0.5, -0.5, 0.5},
    {0, 0, 1},
};

/* m: output tile 4 (F(4x4, 3x3)) or 2 (F(2x2, 3x3)). */
static int plan_wino(ops_conv2d_plan *pl, int m)
{
    const int cin = pl->in.c, nr = pl->nr, alpha = m + 2;
    const double(*gm)[3] = m == 4 ? wino_g : wino23_g;
    pl->wm = m;
    pl->npos = alpha * alpha;
    pl->packed_bytes = (size_t)pl->npos * pl->n_coblk * cin * nr * sizeof(float);
    pl->packed = alloc64(pl->packed_bytes);
    if (!pl->packed) return -1;
    for (int cb = 0; cb < pl->n_coblk; cb++)
        for (int o = 0; o < nr; o++) {
            const int co = cb * nr + o;
            for (int ci = 0; ci < cin; ci++) {
                double g[3][3], gg[6][3];
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++)
                        g[ky][kx] = co < pl->c_out
                                        ? pl->w_ref[(((size_t)co * 3 + ky) * 3 + kx) * cin + ci]
                                        : 0.0;
                for (int i = 0; i < alpha; i++)
                    for (int kx = 0; kx < 3; kx++)
                        gg[i][kx] = gm[i][0] * g[0][kx] + gm[i][1] * g[1][kx] + gm[i][2] * g[2][kx];
                for (int i = 0; i < alpha; i++)
                    for (int jj = 0; jj < alpha; jj++) {
                        const double u =
                            gg[i][0] * gm[jj][0] + gg[i][1] * gm[jj][1] + gg[i][2] * gm[jj][2];
                        const size_t dst =
                            ((((size_t)(i * alpha + jj) * pl->n_coblk + cb) * cin + ci) * nr) + o;
                        pl->packed[dst] = (float)u;
                    }
            }
        }
    pl->tiles_h = ceil_div(pl->oh, m);
    pl->tiles_w = ceil_div(pl->ow, m);
    pl->n_tiles = pl->in.n * pl->tiles_h * pl->tiles_w;
    /* Blocks of about 2 register tiles. Every block reads all of U (4x the
     * direct weights), so few tiles are not cut into more blocks: the
     * output channels are split instead (split_co), each task then reading
     * only its part of U. */
    const int nblk = ceil_div(pl->n_tiles, 2 * pl->k->nb_max);
    pl->tblk = ceil_div(pl->n_tiles, nblk);
    pl->n_tblk = ceil_div(pl->n_tiles, pl->tblk);
    split_co(pl, pl->n_tblk);
    pl->ntasks = pl->n_tblk * pl->n_cogrp;
    const size_t grp_w = (size_t)pl->coblk_per_grp * nr;
    pl->scratch = round64((size_t)pl->npos * pl->tblk * cin * sizeof(float)) +
                  round64((size_t)pl->npos * pl->tblk * grp_w * sizeof(float));
    return 0;
}

static int wino_fits(const ops_conv2d_params *p, ops_nhwc in, int c_out, int vl)
{
    return p->kh == 3 && p->kw == 3 && p->stride_h == 1 && p->stride_w == 1 && p->dil_h == 1 &&
           p->dil_w == 1 && p->groups == 1 && in.c % vl == 0 && c_out % vl == 0;
}

ops_plan_status ops_conv2d_plan_create_algo(const ops_conv2d_params *p, ops_nhwc in,
                                            const float *w, const float *bias, int c_out,
                                            ops_conv_algo algo, ops_conv2d_plan **out)
{
    *out = NULL;
    if (in.n < 1 || in.h < 1 || in.w < 1 || in.c < 1 || c_out < 1 || p->kh < 1 || p->kw < 1 ||
        p->stride_h < 1 || p->stride_w < 1 || p->dil_h < 1 || p->dil_w < 1 || p->groups < 1 ||
        in.c % p->groups != 0 || c_out % p->groups != 0 || p->pad_top < 0 || p->pad_bottom < 0 ||
        p->pad_left < 0 || p->pad_right < 0)
        return OPS_PLAN_BADARG;
    const int oh = ops_out_len(in.h, p->kh, p->stride_h, p->dil_h, p->pad_top, p->pad_bottom);
    const int ow = ops_out_len(in.w, p->kw, p->stride_w, p->dil_w, p->pad_left, p->pad_right);
    if (oh < 1 || ow < 1) return OPS_PLAN_BADARG;

    ops_conv2d_plan *pl = calloc(1, sizeof *pl);
    if (!pl) return OPS_PLAN_NOMEM;
    pl->p = *p;
    pl->in = in;
    pl->c_out = c_out;
    pl->oh = oh;
    pl->ow = ow;
    pl->w_ref = w;
    pl->bias_ref = bias;
    pl->macs = (double)in.n * oh * ow * c_out * p->kh * p->kw * (in.c / p->groups);
    pl->k = ops_simd_active();

    const int simd_ok = pl->k && p->groups == 1 && p->dil_h == 1 && p->dil_w == 1;
    enum plan_kind kind = KIND_REF;
    if (simd_ok && algo != OPS_CONV_REF) {
        kind = KIND_DIRECT;
        const int wino_ok = wino_fits(p, in, c_out, pl->k->vl);
        /* Winograd saves 9*P - 36*T multiplies per channel pair (P output
         * pixels, T 4x4 tiles, whole batch) but streams 27 more weights per
         * channel pair (its U is 36 per pair, the direct kernel's 9). At
         * batch 1 in the whole network the weights come from memory, not
         * L2, and bench/bench_model measured Winograd ahead on 35x35 maps
         * (saving 8109) and behind on 17x17 (1701) and 8x8 (432): so it is
         * used when the saving reaches 4096, which at batch 8 takes in the
         * 17x17 layers too. Measured again by process CPU time (facenet-run
         * bench, real model, 1 thread, batch 1, 7 alternating pairs),
         * Winograd on the 17x17x64 layers was faster (min 3.97 vs 4.17 ms
         * per face, 5 pairs of 7) but plan_wino's double-precision weight
         * transform of their 8 x 4096 channel pairs added ~10 ms CPU to the
         * model load (20 -> 30 ms): worth taking once that transform is
         * cheap. */
        const double px = (double)in.n * oh * ow;
        const double saving = 9.0 * px - 36.0 * in.n * ceil_div(oh, 4) * ceil_div(ow, 4);
        const double saving23 = 9.0 * px - 16.0 * in.n * ceil_div(oh, 2) * ceil_div(ow, 2);
        const int has23 = pl->k->wino23_input != NULL;
        /* F(2x2, 3x3) streams only 7 more weights per channel pair than the
         * direct kernel (16 vs 9) for a bit over half the multiplies. Alone
         * (weights in L2, bench/bench_simd) it beats the direct kernel by
         * 20-30% on the 17x17 and 8x8 maps, but in the whole network at
         * batch 1 (bench/bench_model) it tied on 17x17 and lost badly on
         * 8x8, for reasons not yet understood: so AUTO does not pick it
         * (saving23 is kept for when it does). */
        (void)saving23;
        if (wino_ok && (algo == OPS_CONV_WINOGRAD || (algo == OPS_CONV_AUTO && saving >= 4096)))
            kind = KIND_WINO;
        else if (wino_ok && has23 && algo == OPS_CONV_WINOGRAD2)
            kind = KIND_WINO23;
    }
#if defined(FACENET_HAVE_OPENBLAS)
    if (algo == OPS_CONV_BLAS && p->groups == 1 && p->dil_h == 1 && p->dil_w == 1) kind = KIND_BLAS;
#endif
    pl->kind = kind;
    const char *isa = ops_isa_name(pl->k ? pl->k->isa : OPS_ISA_SCALAR);
    int rc = 0;
    if (kind == KIND_BLAS) {
        pl->k = NULL;
        pl->ntasks = in.n;
        pl->scratch = round64((size_t)oh * ow * p->kh * p->kw * in.c * sizeof(float));
        strcpy(pl->variant, "im2col_openblas");
    } else if (kind == KIND_REF) {
        pl->k = NULL;
        pl->ntasks = in.n;
        pl->scratch = 0;
        strcpy(pl->variant, "ref_scalar");
    } else {
        pl->nr = pl->k->nr;
        pl->n_coblk = ceil_div(c_out, pl->nr);
        rc = pack_bias(pl);
        if (rc == 0)
            rc = kind == KIND_WINO ? plan_wino(pl, 4) : kind == KIND_WINO23 ? plan_wino(pl, 2)
                                                                            : plan_direct(pl);
        strcpy(pl->variant, kind == KIND_WINO ? "wino43_" : kind == KIND_WINO23 ? "wino23_" : "direct_");
        strcat(pl->variant, isa);
    }
    if (rc != 0) {
        ops_conv2d_plan_destroy(pl);
        return OPS_PLAN_NOMEM;
    }
    *out = pl;
    return OPS_PLAN_OK;
}

ops_plan_status ops_conv2d_plan_create(const ops_conv2d_params *p, ops_nhwc in, const float *w,
                                       const float *bias, int c_out, ops_conv2d_plan **out)
{
    return ops_conv2d_plan_create_algo(p, in, w, bias, c_out, OPS_CONV_AUTO, out);
}

void ops_conv2d_plan_destroy(ops_conv2d_plan *plan)
{
    if (!plan) return;
    free(plan->packed);
    free(plan->bias_pad);
    free(plan);
}

int ops_conv2d_plan_tasks(const ops_conv2d_plan *plan) { return plan->ntasks; }
size_t ops_conv2d_plan_scratch(const ops_conv2d_plan *plan) { return plan->scratch; }
size_t ops_conv2d_plan_packed_bytes(const ops_conv2d_plan *plan) { return plan->packed_bytes; }
const char *ops_conv2d_plan_variant(const ops_conv2d_plan *plan) { return plan->variant; }
double ops_conv2d_plan_macs(const ops_conv2d_plan *plan) { return plan->macs; }

static void run_ref(const ops_conv2d_plan *pl, const float *x, const float *res, float *y, int n)
{
    ops_nhwc one = pl->in;
    one.n = 1;
    const size_t in_img = (size_t)one.h * one.w * one.c;
    const size_t out_img = (size_t)pl->oh * pl->ow * pl->c_out;
    ops_conv2d_f32(&pl->p, x + n * in_img, one, pl->w_ref, pl->bias_ref, pl->c_out,
                   res ? res + n * out_img : NULL, y + n * out_img);
}

#if defined(FACENET_HAVE_OPENBLAS)
static void run_blas(const ops_conv2d_plan *pl, const float *x, const float *res, float *y,
                     float *a, int n)
{
    const ops_conv2d_params *p = &pl->p;
    const int cin = pl->in.c, K = p->kh * p->kw * cin, P = pl->oh * pl->ow;
    for (int oy = 0; oy < pl->oh; oy++)
        for (int ox = 0; ox < pl->ow; ox++) {
            float *row = a + ((size_t)oy * pl->ow + ox) * K;
            for (int ky = 0; ky < p->kh; ky++)
                for (int kx = 0; kx < p->kw; kx++) {
                    const int iy = oy * p->stride_h - p->pad_top + ky;
                    const int ix = ox * p->stride_w - p->pad_left + kx;
                    float *dst = row + ((size_t)ky * p->kw + kx) * cin;
                    if (iy < 0 || iy >= pl->in.h || ix < 0 || ix >= pl->in.w)
                        memset(dst, 0, (size_t)cin * sizeof(float));
                    else
                        memcpy(dst, x + (((size_t)n * pl->in.h + iy) * pl->in.w + ix) * cin,
                               (size_t)cin * sizeof(float));
                }
        }
    float *yn = y + (size_t)n * P * pl->c_out;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, P, pl->c_out, K, 1.0f, a, K, pl->w_ref,
                K, 0.0f, yn, pl->c_out);
    const float *rn = res ? res + (size_t)n * P * pl->c_out : NULL;
    for (int i = 0; i < P; i++) {
        float *yp = yn + (size_t)i * pl->c_out;
        for (int o = 0; o < pl->c_out; o++) {
            if (pl->bias_ref) yp[o] += pl->bias_ref[o];
            if (rn) yp[o] += rn[(size_t)i * pl->c_out + o];
        }
    }
    ops_act_f32(p->act, yn, (size_t)P * pl->c_out, yn);
}
#endif

static void run_direct(const ops_conv2d_plan *pl, const float *x, const float *res, float *y,
                       float *xs, int task)
{
    const ops_conv2d_params *p = &pl->p;
    const ops_simd_kernels *k = pl->k;
    const int grp = task % pl->n_cogrp;
    const int band = task / pl->n_cogrp;
    const int n = band / pl->bands_img;
    const int oy0 = (band % pl->bands_img) * pl->band_rows;
    const int rows = pl->oh - oy0 < pl->band_rows ? pl->oh - oy0 : pl->band_rows;
    const int cin = pl->in.c, sh = p->stride_h, sw = p->stride_w, wp = pl->wp;
    const int in_rows = (rows - 1) * sh + p->kh;

    /* zero-padded copy of input rows oy0*sh - pad_top .. + in_rows - 1 */
    const size_t row_floats = (size_t)wp * cin;
    for (int r = 0; r < in_rows; r++) {
        float *dst = xs + r * row_floats;
        const int iy = oy0 * sh - p->pad_top + r;
        if (iy < 0 || iy >= pl->in.h) {
            memset(dst, 0, row_floats * sizeof(float));
            continue;
        }
        const size_t left = (size_t)p->pad_left * cin, mid = (size_t)pl->in.w * cin;
        memset(dst, 0, left * sizeof(float));
        memcpy(dst + left, x + (((size_t)n * pl->in.h + iy) * pl->in.w) * cin, mid * sizeof(float));
        memset(dst + left + mid, 0, (row_floats - left - mid) * sizeof(float));
    }

    const int wv = wp / sw;              /* virtual output columns per copied row */
    const int linear = sh == 1;          /* pixels of a tile may cross rows */
    const size_t klen = (size_t)p->kw * cin;
    const size_t blk_floats = (size_t)p->kh * klen * pl->nr;
    const int cb0 = grp * pl->coblk_per_grp;
    const int cb1 = cb0 + pl->coblk_per_grp < pl->n_coblk ? cb0 + pl->coblk_per_grp : pl->n_coblk;
    float *yptr[32];
    const float *rptr[32];
    ops_tile_args t;
    t.a_px = (ptrdiff_t)sw * cin;
    t.a_seg = (ptrdiff_t)row_floats;
    t.nseg = p->kh;
    t.k_len = (int)klen;
    t.act = p->act;
    t.y = yptr;
    t.res = res ? rptr : NULL;

    /* virtual pixel q = r*wv + c (r: band row, c: column, c < ow real) */
    const int q_end = linear ? (rows - 1) * wv + pl->ow : rows * wv;
    int q = 0;
    while (q < q_end) {
        int nb = q_end - q;
        if (!linear) {
            const int c = q % wv;
            if (c >= pl->ow) { /* skip the dropped columns of row mode */
                q += wv - c;
                continue;
            }
            if (nb > pl->ow - c) nb = pl->ow - c;
        }
        /* balanced tiles: 72 pixels as 6 x 12, not 5 x 14 + 2 */
        if (nb > k->nb_max) nb = ceil_div(nb, ceil_div(nb, k->nb_max));
        t.a = xs + (size_t)(q / wv) * sh * row_floats + (size_t)(q % wv) * sw * cin;
        t.nb = nb;
        for (int cb = cb0; cb < cb1; cb++) {
            const int co = cb * pl->nr;
            for (int j = 0; j < nb; j++) {
                const int r = (q + j) / wv, c = (q + j) % wv;
                const size_t pix = ((size_t)n * pl->oh + oy0 + r) * pl->ow + c;
                yptr[j] = c < pl->ow ? y + pix * pl->c_out + co : NULL;
                rptr[j] = res && c < pl->ow ? res + pix * pl->c_out + co : NULL;
            }
            t.b = pl->packed + cb * blk_floats;
            t.nco = pl->c_out - co < pl->nr ? pl->c_out - co : pl->nr;
            t.bias = pl->bias_pad + co;
            k->tile(&t);
        }
        q += nb;
    }
}

static void run_wino(const ops_conv2d_plan *pl, const float *x, const float *res, float *y,
                     float *scratch, int task)
{
    const ops_simd_kernels *k = pl->k;
    const int grp = task % pl->n_cogrp;
    const int blk = task / pl->n_cogrp;
    const int cin = pl->in.c, nr = pl->nr;
    ops_wino_args w;
    memset(&w, 0, sizeof w);
    w.in = pl->in;
    w.pad_top = pl->p.pad_top;
    w.pad_left = pl->p.pad_left;
    w.oh = pl->oh;
    w.ow = pl->ow;
    w.tiles_h = pl->tiles_h;
    w.tiles_w = pl->tiles_w;
    w.t0 = blk * pl->tblk;
    w.nt = pl->n_tiles - w.t0 < pl->tblk ? pl->n_tiles - w.t0 : pl->tblk;
    w.x = x;
    w.v = scratch;
    float *m = scratch + round64((size_t)pl->npos * pl->tblk * cin * sizeof(float)) / sizeof(float);
    const int grp_w = pl->coblk_per_grp * nr;
    const int cb0 = grp * pl->coblk_per_grp;
    const int cb1 = cb0 + pl->coblk_per_grp < pl->n_coblk ? cb0 + pl->coblk_per_grp : pl->n_coblk;
    if (pl->wm == 4)
        k->wino_input(&w);
    else
        k->wino23_input(&w);

    float *yptr[32];
    ops_tile_args t;
    t.a_px = cin;
    t.a_seg = 0;
    t.nseg = 1;
    t.k_len = cin;
    t.y = yptr;
    t.res = NULL;
    t.bias = NULL;
    t.act = OPS_ACT_NONE;
    t.nco = nr;
    /* U's block for one point and channel block (c_in x nr floats) stays in
     * L1 while every tile chunk uses it; chunks balanced (16 as 8 + 8). */
    const int chunk = ceil_div(w.nt, ceil_div(w.nt, k->nb_max));
    for (int pos = 0; pos < pl->npos; pos++)
        for (int cb = cb0; cb < cb1; cb++) {
            t.b = pl->packed + (((size_t)pos * pl->n_coblk + cb) * cin) * nr;
            for (int j0 = 0; j0 < w.nt; j0 += chunk) {
                const int nb = w.nt - j0 < chunk ? w.nt - j0 : chunk;
                t.a = w.v + ((size_t)pos * w.nt + j0) * cin;
                t.nb = nb;
                for (int j = 0; j < nb; j++)
                    yptr[j] = m + ((size_t)pos * w.nt + j0 + j) * grp_w + (size_t)(cb - cb0) * nr;
                k->tile(&t);
            }
        }

    w.m = m;
    w.m_stride = grp_w;
    w.c_out = pl->c_out;
    w.co0 = cb0 * nr;
    w.nco = (cb1 - cb0) * nr;
    if (w.co0 + w.nco > pl->c_out) w.nco = pl->c_out - w.co0;
    w.bias = pl->bias_ref;
    w.res = res;
    w.y = y;
    w.act = pl->p.act;
    if (pl->wm == 4)
        k->wino_output(&w);
    else
        k->wino23_output(&w);
}

void ops_conv2d_plan_run(const ops_conv2d_plan *plan, const float *x, const float *residual,
                         float *y, void *scratch, int task)
{
    switch (plan->kind) {
    case KIND_REF: run_ref(plan, x, residual, y, task); break;
    case KIND_DIRECT: run_direct(plan, x, residual, y, scratch, task); break;
    case KIND_WINO:
    case KIND_WINO23: run_wino(plan, x, residual, y, scratch, task); break;
    case KIND_BLAS:
#if defined(FACENET_HAVE_OPENBLAS)
        run_blas(plan, x, residual, y, scratch, task);
#endif
        break;
    }
}
