#!/usr/bin/python3
"""gen_nn_golden.py - golden data for the end-to-end graph test in tests/test_nn.c.

Run from the repository root with Debian's python (torch 1.13, numpy 1.24):

    /usr/bin/python3 tests/gen_nn_golden.py

It rewrites tests/golden/nn/small_resnet.bin (format: tests/golden.h, the
FNGOLD1 container shared with the ops tests). Weights and input are drawn as
float32 from numpy.random.default_rng(SEED) (SEED below); the expected
outputs are computed in float64 by torch.nn.functional on those exact float32
values, then rounded to float32. Re-running gives the same file.

The network (batch N = 2, input 9x11x3; NHWC in the file, torch runs NCHW):

    x   [2, 9, 11, 3]
    c1  conv 3x3, 3 -> 8, bias, SAME                      [2, 9, 11, 8]
    bn1 batch-norm, eps 1e-3                              [2, 9, 11, 8]
    r1  ReLU
    p1  max pool 3x3 stride 2, SAME (pads 1,1,1,1)        [2, 5, 6, 8]
    c2  conv 3x3, 8 -> 8, bias, SAME, ReLU                [2, 5, 6, 8]
    c3  conv 3x3, 8 -> 8, bias, SAME, + p1 (residual), ReLU
    c4  conv 1x1 stride 2, 8 -> 12, no bias, VALID         [2, 3, 3, 12]
    sc  avg pool 2x2 stride 2, SAME (pads 0,1,0,0), padding not counted
                                                          [2, 3, 3, 8]
    scp zero-pad channels 8 -> 12 (4 after)               [2, 3, 3, 12]
    a1  c4 + scp
    r2  ReLU
    gap global average pool                               [2, 1, 1, 12]
    fc  flatten, dense 12 -> 5 with bias                  [2, 5]   -> "y"
    emb L2-normalise, eps 1e-10                            [2, 5]   -> "emb"

Layouts: conv weights OHWI ([c_out][kh][kw][c_in], torch is OIHW), dense
weights [out][in] (torch Linear's).

Tolerance data: "y.mag" is the same network run on magnitudes - |x|, |w|,
|bias|, batch-norm as (|x| + |mean|) * |gamma / sqrt(var + eps)| + |beta|,
ReLU and max pool kept (both are 1-Lipschitz and monotone), sums of
magnitudes at the adds - which bounds, at every layer, what a rounding error
made upstream can grow to. With k = the roundings along the longest path
(the sum of the layers' reduction lengths plus a few per layer), float32's
error is within k * 2^-23 * mag to first order. "emb.mag" carries that bound
through the L2 normalisation: (mag_i + |emb_i| * sum_j mag_j) / ||y||.
"""
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

SEED = 20261128
OUT = os.path.join("tests", "golden", "nn", "small_resnet.bin")
MAGIC = b"FNGOLD1\n"
BN_EPS = 1e-3
L2_EPS = 1e-10

rng = np.random.default_rng(SEED)


def f32(shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


def t64(a):
    return torch.from_numpy(np.ascontiguousarray(a)).double()


def conv(x, w_ohwi, b, stride, pads):
    """x NCHW float64; w OHWI float32; pads (top, bottom, left, right)."""
    w = t64(w_ohwi).permute(0, 3, 1, 2)
    x = F.pad(x, (pads[2], pads[3], pads[0], pads[1]))
    return F.conv2d(x, w, None if b is None else t64(b), stride=stride)


def avgpool_excl(x, k, s, pads):
    """Average over the in-bounds cells only (count_include_pad = 0)."""
    pad = (pads[2], pads[3], pads[0], pads[1])
    num = F.avg_pool2d(F.pad(x, pad), k, s, divisor_override=1)
    ones = torch.ones_like(x[:1, :1])
    den = F.avg_pool2d(F.pad(ones, pad), k, s, divisor_override=1)
    return num / den


def network(x, p, mag):
    """Runs the graph; with mag=True on magnitudes (see the head comment)."""
    a = (lambda t: t.abs()) if mag else (lambda t: t)
    W = {k: (np.abs(v) if mag else v) for k, v in p.items()}
    c1 = conv(a(x), W["c1.w"], W["c1.b"], 1, (1, 1, 1, 1))
    scale = t64(p["bn1.gamma"]) / torch.sqrt(t64(p["bn1.var"]) + BN_EPS)
    if mag:
        bn1 = (c1 + t64(W["bn1.mean"])[None, :, None, None]) * scale.abs()[None, :, None, None] \
            + t64(W["bn1.beta"])[None, :, None, None]
    else:
        bn1 = F.batch_norm(c1, t64(p["bn1.mean"]), t64(p["bn1.var"]), t64(p["bn1.gamma"]),
                           t64(p["bn1.beta"]), training=False, eps=BN_EPS)
    r1 = torch.relu(bn1)
    p1 = F.max_pool2d(r1, 3, 2, padding=1)
    c2 = torch.relu(conv(p1, W["c2.w"], W["c2.b"], 1, (1, 1, 1, 1)))
    c3 = torch.relu(conv(c2, W["c3.w"], W["c3.b"], 1, (1, 1, 1, 1)) + p1)
    c4 = conv(c3, W["c4.w"], None, 2, (0, 0, 0, 0))
    sc = avgpool_excl(c3, 2, 2, (0, 1, 0, 0))
    scp = F.pad(sc, (0, 0, 0, 0, 0, 4))
    r2 = torch.relu(c4 + scp)
    gap = r2.mean(dim=(2, 3))
    y = F.linear(gap, t64(W["fc.w"]), t64(W["fc.b"]))
    return y


def main():
    x = f32((2, 9, 11, 3))
    p = {
        "c1.w": f32((8, 3, 3, 3), -0.5, 0.5),
        "c1.b": f32((8,), -0.2, 0.2),
        "bn1.mean": f32((8,), -0.3, 0.3),
        "bn1.var": f32((8,), 0.2, 1.5),
        "bn1.gamma": f32((8,), 0.5, 1.5),
        "bn1.beta": f32((8,), -0.3, 0.3),
        "c2.w": f32((8, 3, 3, 8), -0.25, 0.25),
        "c2.b": f32((8,), -0.2, 0.2),
        "c3.w": f32((8, 3, 3, 8), -0.25, 0.25),
        "c3.b": f32((8,), -0.2, 0.2),
        "c4.w": f32((12, 1, 1, 8), -0.5, 0.5),
        "fc.w": f32((5, 12), -0.5, 0.5),
        "fc.b": f32((5,), -0.2, 0.2),
    }
    xt = t64(x).permute(0, 3, 1, 2)
    y = network(xt, p, False)
    ymag = network(xt, p, True)
    norm = torch.sqrt(torch.clamp((y * y).sum(dim=1, keepdim=True), min=L2_EPS))
    emb = y / norm
    emb_mag = (ymag + emb.abs() * ymag.sum(dim=1, keepdim=True)) / norm

    tensors = [("x", x)] + list(p.items()) + [
        ("y", y.numpy()), ("y.mag", ymag.numpy()),
        ("emb", emb.numpy()), ("emb.mag", emb_mag.numpy()),
    ]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    out = bytearray(MAGIC)
    out += struct.pack("<I", len(tensors))
    for name, arr in tensors:
        arr = np.ascontiguousarray(np.asarray(arr).astype("<f4"))
        nb = name.encode("ascii")
        out += struct.pack("<I", len(nb)) + nb
        out += struct.pack("<II", 0, arr.ndim)
        out += struct.pack("<%dI" % arr.ndim, *arr.shape)
        out += arr.tobytes(order="C")
    with open(OUT, "wb") as fh:
        fh.write(out)
    print("%s: %d bytes, %d tensors, seed %d" % (OUT, len(out), len(tensors), SEED))
    print("y =", y.numpy())


if __name__ == "__main__":
    main()
