/*
 * pads.c - sliding-window geometry along one axis.
 *
 * ops_out_len(in, k, stride, dil, pb, pa):
 *   the dilated window spans dil*(k-1)+1 cells; it fits the padded axis
 *   (in + pb + pa cells) at positions 0, stride, 2*stride, ...; the count is
 *   floor((in + pb + pa - span) / stride) + 1, or 0 if span > in + pb + pa.
 *   (Floor mode only; PyTorch's ceil_mode is not supported.)
 *
 * ops_same_pads(in, k, stride, dil, &pb, &pa):
 *   TensorFlow "SAME": out = ceil(in / stride); total padding
 *   max((out-1)*stride + span - in, 0); pb = total/2 (rounded down), pa = the
 *   rest, so an odd pixel goes after (bottom/right), as in TensorFlow.
 *   With these pads ops_out_len gives exactly ceil(in / stride).
 */
#include "ops/ops.h"

int ops_out_len(int in, int k, int stride, int dil, int pad_before, int pad_after)
{
    long span = (long)dil * (k - 1) + 1;
    long padded = (long)in + pad_before + pad_after;
    if (padded < span) return 0;
    return (int)((padded - span) / stride + 1);
}

void ops_same_pads(int in, int k, int stride, int dil, int *pad_before, int *pad_after)
{
    long out = ((long)in + stride - 1) / stride;
    long span = (long)dil * (k - 1) + 1;
    long total = (out - 1) * stride + span - in;
    if (total < 0) total = 0;
    *pad_before = (int)(total / 2);
    *pad_after = (int)(total - total / 2);
}
