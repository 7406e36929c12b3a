/*
 * haar_internal.h - the per-ISA twins of ops/haar.c's kernels (nothing
 * outside ops/ includes this). Same contracts as ops_haar_* in ops/ops.h.
 */
#ifndef OPS_HAAR_INTERNAL_H
#define OPS_HAAR_INTERNAL_H

#include "ops/ops.h"

#if defined(FACENET_HAVE_X86)
void ops_haar_varnorm_avx2(const int32_t *sum, const uint32_t *sqsum, const int32_t *win, int n,
                           const int32_t nofs[4], int area, float *vnf, uint8_t *ok);
void ops_haar_stumps_avx2(const int32_t *ii, const int32_t *win, int n, const ops_haar_feature *feat,
                          const ops_haar_stump *stumps, int n_stumps, const float *vnf, double *acc);
void ops_haar_varnorm_avx512(const int32_t *sum, const uint32_t *sqsum, const int32_t *win, int n,
                             const int32_t nofs[4], int area, float *vnf, uint8_t *ok);
void ops_haar_stumps_avx512(const int32_t *ii, const int32_t *win, int n,
                            const ops_haar_feature *feat, const ops_haar_stump *stumps,
                            int n_stumps, const float *vnf, double *acc);
#endif

#endif
