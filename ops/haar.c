/*
 * haar.c - Haar cascade window kernels, scalar reference and dispatch.
 *
 * Contract (ops/ops.h, "Haar cascade windows"): the arithmetic of OpenCV
 * 4.x's HaarEvaluator and predictOrdered[Stump], operation for operation, so
 * that a detector built on these makes the same accept/reject decision as
 * OpenCV for every window:
 *   rect sum     int32 (computed modulo 2^32: integral images of huge images
 *                wrap, window-sized differences do not)
 *   feature      float: t0 = w0*R0, t1 = w1*R1, v = t0 + t1, then v + w2*R2
 *                when w2 != 0; each statement separate so that no compiler
 *                fuses a multiply and an add (OpenCV's x86-64 build has no FMA)
 *   normalised   v * vnf in float, compared in float with the threshold
 *   stage sum    double, trees in order
 * Variance: the exact integer nf = area*q - s*s in double, 1/sqrt(nf)
 * rounded to double then to float, as OpenCV does.
 */
#include "ops/haar_internal.h"
#include "ops/haar_scalar.h"
#include "ops/ops.h"

void ops_haar_varnorm_ref(const int32_t *sum, const uint32_t *sqsum, const int32_t *win, int n,
                          const int32_t nofs[4], int area, float *vnf, uint8_t *ok)
{
    for (int i = 0; i < n; i++) {
        int32_t o = win ? win[i] : i;
        ops_haar_varnorm_one(sum + o, sqsum + o, nofs, (double)area, &vnf[i], &ok[i]);
    }
}

void ops_haar_stumps_ref(const int32_t *ii, const int32_t *win, int n, const ops_haar_feature *feat,
                         const ops_haar_stump *stumps, int n_stumps, const float *vnf, double *acc)
{
    for (int i = 0; i < n; i++)
        acc[i] = ops_haar_stumps_one(ii + (win ? win[i] : i), feat, stumps, n_stumps, vnf[i]);
}

void ops_haar_trees(const int32_t *ii, const int32_t *win, int n, const ops_haar_feature *feat,
                    const ops_haar_node *nodes, const float *leaves, const int32_t *tree_nodes,
                    int n_trees, const float *vnf, double *acc)
{
    for (int i = 0; i < n; i++) {
        const int32_t *p = ii + (win ? win[i] : i);
        const float nf = vnf[i];
        const ops_haar_node *root = nodes;
        const float *leaf = leaves;
        double sum = 0.0;
        for (int t = 0; t < n_trees; t++) {
            int32_t idx = 0;
            do {
                const ops_haar_node *nd = &root[idx];
                float v = ops_haar_feature_value(p, &feat[nd->feature]) * nf;
                idx = v < nd->threshold ? nd->left : nd->right;
            } while (idx > 0);
            sum += leaf[-idx];
            root += tree_nodes[t];
            leaf += tree_nodes[t] + 1;
        }
        acc[i] = sum;
    }
}

void ops_haar_varnorm(const int32_t *sum, const uint32_t *sqsum, const int32_t *win, int n,
                      const int32_t nofs[4], int area, float *vnf, uint8_t *ok)
{
#if defined(FACENET_HAVE_X86)
    switch (ops_isa_active()) {
    case OPS_ISA_AVX512: ops_haar_varnorm_avx512(sum, sqsum, win, n, nofs, area, vnf, ok); return;
    case OPS_ISA_AVX2: ops_haar_varnorm_avx2(sum, sqsum, win, n, nofs, area, vnf, ok); return;
    default: break;
    }
#endif
    ops_haar_varnorm_ref(sum, sqsum, win, n, nofs, area, vnf, ok);
}

void ops_haar_stumps(const int32_t *ii, const int32_t *win, int n, const ops_haar_feature *feat,
                     const ops_haar_stump *stumps, int n_stumps, const float *vnf, double *acc)
{
#if defined(FACENET_HAVE_X86)
    switch (ops_isa_active()) {
    case OPS_ISA_AVX512: ops_haar_stumps_avx512(ii, win, n, feat, stumps, n_stumps, vnf, acc); return;
    case OPS_ISA_AVX2: ops_haar_stumps_avx2(ii, win, n, feat, stumps, n_stumps, vnf, acc); return;
    default: break;
    }
#endif
    ops_haar_stumps_ref(ii, win, n, feat, stumps, n_stumps, vnf, acc);
}
