#!/usr/bin/python3
"""gen_ops_golden.py - golden data for tests/test_ops.c (the ops/ scalar kernels).

Run from the repository root with Debian's python (torch 1.13, numpy 1.24):

    /usr/bin/python3 tests/gen_ops_golden.py

It rewrites tests/golden/ops/*.bin. Inputs are drawn as float32 from
numpy.random.default_rng([SEED, stream]) (SEED below, one stream per op file), stored in the golden file, and the
expected outputs are computed in float64 from those exact float32 values by an
independent implementation (torch.nn.functional where it has the op, else
numpy written from the contract in ops/<op>.c) and then rounded to float32.
Outputs the same for every run: re-running must not change a file.

Layouts: activations are NHWC (torch is NCHW, so we permute); conv weights
OHWI (torch OIHW); dense weights [m][k] (torch Linear layout).

File format (all integers little-endian, no padding):
    magic   8 bytes  b"FNGOLD1\\n"
    count   u32      number of tensors
    count records:
      name_len u32 (1..255), name bytes (ASCII)
      dtype    u32  0 = float32, 1 = int32
      ndim     u32  (1..6)
      dims     ndim x u32 (each >= 1)
      data     prod(dims) x 4 bytes (IEEE float32 or two's complement int32)
    and nothing after the last record.

Each file holds several cases. Case "NAME" has tensors "NAME.p" (int32
parameters, the order is documented at each generator below and read the same
way by tests/test_ops.c), inputs ("NAME.x", "NAME.w", ...), the expected
output "NAME.y" and, for ops that reduce, "NAME.mag": the float64 sum of the
magnitudes of the terms that make each output (e.g. conv(|x|,|w|) + |bias| +
|residual|), from which the test derives its tolerance.
"""
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

SEED = 20261128
OUT_DIR = os.path.join("tests", "golden", "ops")
MAGIC = b"FNGOLD1\n"

ACT = {"none": 0, "relu": 1, "relu6": 2, "sigmoid": 3, "tanh": 4}

rng = None


def reseed(stream):
    """Each generator draws from its own stream (SEED, stream), so adding a
    case to one op never changes another op's numbers."""
    global rng
    rng = np.random.default_rng([SEED, stream])


def f32(shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


def normal32(shape, std):
    return (rng.standard_normal(size=shape) * std).astype(np.float32)


def write_golden(name, tensors):
    """tensors: list of (name, array); float arrays are stored as float32."""
    path = os.path.join(OUT_DIR, name + ".bin")
    out = bytearray(MAGIC)
    out += struct.pack("<I", len(tensors))
    for tname, arr in tensors:
        arr = np.asarray(arr)
        if arr.dtype.kind == "f":
            arr, dtype = arr.astype("<f4"), 0
        else:
            arr, dtype = arr.astype("<i4"), 1
        if arr.ndim == 0:
            arr = arr.reshape(1)
        nb = tname.encode("ascii")
        assert 1 <= len(nb) <= 255 and 1 <= arr.ndim <= 6
        out += struct.pack("<I", len(nb)) + nb
        out += struct.pack("<II", dtype, arr.ndim)
        out += struct.pack("<%dI" % arr.ndim, *arr.shape)
        out += arr.tobytes(order="C")
    with open(path, "wb") as fh:
        fh.write(out)
    print("%-40s %7d bytes, %d tensors" % (path, len(out), len(tensors)))


def nchw(a):
    """NHWC numpy (float32) -> NCHW float64 torch tensor."""
    return torch.from_numpy(np.ascontiguousarray(a)).double().permute(0, 3, 1, 2)


def nhwc(t):
    """NCHW torch -> NHWC float64 numpy."""
    return t.permute(0, 2, 3, 1).contiguous().numpy()


def apply_act(t, act):
    if act == "none":
        return t
    if act == "relu":
        return torch.relu(t)
    if act == "relu6":
        return torch.clamp(t, 0.0, 6.0)
    if act == "sigmoid":
        return torch.sigmoid(t)
    if act == "tanh":
        return torch.tanh(t)
    raise ValueError(act)


def tf_same_pads(n, k, s, d):
    """TensorFlow SAME along one axis: (before, after), odd pixel after."""
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


# ---- conv2d ------------------------------------------------------------------
# p = [n, h, w, c_in, c_out, kh, kw, stride_h, stride_w, dil_h, dil_w,
#      pad_top, pad_bottom, pad_left, pad_right, groups, act, has_bias,
#      has_residual, same]
# same = 1: the test must get the pads from ops_same_pads (the stored pads are
# TensorFlow's, computed here, for the test to check ops_same_pads against).
CONV_CASES = [
    # name, n, h, w, cin, cout, (kh, kw), (sh, sw), (dh, dw), pads(t,b,l,r) | "same", groups, act, bias, resid
    ("k1_1x1_spatial", 1, 1, 1, 3, 5, (1, 1), (1, 1), (1, 1), (0, 0, 0, 0), 1, "none", False, False),
    ("k3_pad1_on_1x1", 1, 1, 1, 7, 3, (3, 3), (1, 1), (1, 1), (1, 1, 1, 1), 1, "none", True, False),
    ("odd_7x5_relu", 1, 7, 5, 3, 7, (3, 3), (1, 1), (1, 1), (1, 1, 1, 1), 1, "relu", True, False),
    ("stride2_odd_9x7", 1, 9, 7, 7, 17, (3, 3), (2, 2), (1, 1), (1, 1, 1, 1), 1, "none", True, False),
    ("pad2_3_asym_k5", 1, 5, 6, 1, 3, (5, 5), (1, 1), (1, 1), (2, 3, 3, 2), 1, "none", True, False),
    ("pad3_k3_c1", 1, 4, 3, 1, 1, (3, 3), (2, 1), (1, 1), (3, 3, 3, 3), 1, "none", False, False),
    ("dil2_9x8", 1, 9, 8, 3, 4, (3, 3), (1, 1), (2, 2), (2, 2, 2, 2), 1, "none", True, False),
    ("dil2_stride2_rect", 1, 10, 9, 3, 2, (3, 2), (2, 2), (2, 3), (1, 2, 0, 1), 1, "relu", True, False),
    ("groups2", 1, 6, 5, 6, 4, (3, 3), (1, 1), (1, 1), (1, 1, 1, 1), 2, "none", True, False),
    ("groups2_stride2_c_in_34", 1, 5, 5, 34, 6, (3, 3), (2, 2), (1, 1), (1, 1, 1, 1), 2, "relu", True, False),
    ("depthwise_c7", 1, 6, 7, 7, 7, (3, 3), (1, 1), (1, 1), (1, 1, 1, 1), 7, "relu6", True, False),
    ("depthwise_mult2_s2", 1, 7, 7, 3, 6, (3, 3), (2, 2), (1, 1), (1, 1, 1, 1), 3, "none", True, False),
    ("depthwise_c17_k5", 2, 5, 4, 17, 17, (5, 5), (1, 1), (1, 1), (2, 2, 2, 2), 17, "none", False, False),
    ("same_k3_s2_8x7", 1, 8, 7, 3, 4, (3, 3), (2, 2), (1, 1), "same", 1, "none", True, False),
    ("same_k5_s2_6x6", 1, 6, 6, 3, 2, (5, 5), (2, 2), (1, 1), "same", 1, "relu", True, False),
    ("same_k4_s1_5x5", 1, 5, 5, 1, 3, (4, 4), (1, 1), (1, 1), "same", 1, "none", False, False),
    ("same_k1_s2_odd", 1, 7, 5, 3, 3, (1, 1), (2, 2), (1, 1), "same", 1, "none", True, False),
    ("same_dw_k3_s2_d2", 1, 7, 6, 7, 7, (3, 3), (2, 1), (2, 2), "same", 7, "none", True, False),
    ("valid_k3_4x4", 1, 4, 4, 3, 2, (3, 3), (1, 1), (1, 1), (0, 0, 0, 0), 1, "none", True, False),
    ("n2_resid_relu6", 2, 5, 4, 17, 7, (3, 3), (1, 1), (1, 1), (1, 1, 1, 1), 1, "relu6", True, True),
    ("n2_resid_relu_s2", 2, 5, 5, 3, 7, (3, 3), (2, 2), (1, 1), (1, 1, 1, 1), 1, "relu", True, True),
    ("k1_sigmoid", 1, 3, 3, 17, 5, (1, 1), (1, 1), (1, 1), (0, 0, 0, 0), 1, "sigmoid", True, False),
    ("k1_tanh_resid", 1, 2, 3, 7, 7, (1, 1), (1, 1), (1, 1), (0, 0, 0, 0), 1, "tanh", True, True),
    ("k1x3_s1x2", 1, 3, 9, 3, 4, (1, 3), (1, 2), (1, 1), (0, 0, 1, 1), 1, "none", True, False),
    ("k7x1", 1, 8, 2, 3, 3, (7, 1), (1, 1), (1, 1), (3, 3, 0, 0), 1, "none", True, False),
]


def gen_conv2d():
    reseed(1)
    tensors = []
    for (name, n, h, w, cin, cout, (kh, kw), (sh, sw), (dh, dw), pads, groups,
         act, has_bias, has_resid) in CONV_CASES:
        same = pads == "same"
        if same:
            pads = tf_same_pads(h, kh, sh, dh) + tf_same_pads(w, kw, sw, dw)
        pt, pb, pl, pr = pads
        cig = cin // groups
        x = f32((n, h, w, cin))
        wt = normal32((cout, kh, kw, cig), 1.0 / np.sqrt(kh * kw * cig))
        b = f32((cout,), -0.5, 0.5) if has_bias else None
        xt = nchw(x)
        wt_t = torch.from_numpy(wt).double().permute(0, 3, 1, 2)  # OHWI -> OIHW
        bt = torch.from_numpy(b).double() if has_bias else None
        # Symmetric pads go through torch's own padding argument; asymmetric
        # ones (and TF SAME) are padded with zeros by hand first.
        if pt == pb and pl == pr:
            conv = lambda a, ww, bb: F.conv2d(a, ww, bb, (sh, sw), (pt, pl), (dh, dw), groups)
        else:
            conv = lambda a, ww, bb: F.conv2d(F.pad(a, (pl, pr, pt, pb)), ww, bb,
                                              (sh, sw), 0, (dh, dw), groups)
        z = conv(xt, wt_t, bt)
        mag = conv(xt.abs(), wt_t.abs(), bt.abs() if has_bias else None)
        oh, ow = z.shape[2], z.shape[3]
        r = None
        if has_resid:
            r = f32((n, oh, ow, cout))
            z = z + nchw(r)
            mag = mag + nchw(r).abs()
        y = apply_act(z, act)
        p = [n, h, w, cin, cout, kh, kw, sh, sw, dh, dw, pt, pb, pl, pr, groups,
             ACT[act], int(has_bias), int(has_resid), int(same)]
        tensors += [(name + ".p", np.array(p, np.int32)), (name + ".x", x), (name + ".w", wt)]
        if has_bias:
            tensors.append((name + ".b", b))
        if has_resid:
            tensors.append((name + ".r", r))
        tensors += [(name + ".y", nhwc(y)), (name + ".mag", nhwc(mag))]
    write_golden("conv2d", tensors)


# ---- pooling -----------------------------------------------------------------
# p = [n, h, w, c, kind, kh, kw, stride_h, stride_w,
#      pad_top, pad_bottom, pad_left, pad_right, count_include_pad]
# kind: 0 max, 1 avg, 2 l2 (ops_pool_kind), 3 = global average pooling
# (ops_global_avgpool_f32; window fields unused).
POOL_KIND = {"max": 0, "avg": 1, "l2": 2, "global": 3}
POOL_CASES = [
    # name, n, h, w, c, kind, (kh, kw), (sh, sw), (t, b, l, r), count_include_pad
    ("max_k3s2_nopad_7x9", 1, 7, 9, 3, "max", (3, 3), (2, 2), (0, 0, 0, 0), 0),
    ("max_k3s2_pad1_n2", 2, 7, 7, 7, "max", (3, 3), (2, 2), (1, 1, 1, 1), 0),
    ("max_k2s2_same_odd", 1, 5, 5, 1, "max", (2, 2), (2, 2), (0, 1, 0, 1), 0),
    ("max_k3s1_pad1_1x1", 1, 1, 1, 17, "max", (3, 3), (1, 1), (1, 1, 1, 1), 0),
    ("max_k3x2_pad2", 1, 4, 5, 3, "max", (3, 2), (1, 2), (2, 2, 1, 1), 0),
    ("avg_k3s1_pad1_incl", 1, 5, 6, 17, "avg", (3, 3), (1, 1), (1, 1, 1, 1), 1),
    ("avg_k3s1_pad1_excl", 1, 5, 6, 17, "avg", (3, 3), (1, 1), (1, 1, 1, 1), 0),
    ("avg_k3s2_asym_incl", 1, 7, 6, 3, "avg", (3, 3), (2, 2), (1, 2, 0, 1), 1),
    ("avg_k3s2_asym_excl", 1, 7, 6, 3, "avg", (3, 3), (2, 2), (1, 2, 0, 1), 0),
    ("avg_k3_1x1_incl", 1, 1, 1, 7, "avg", (3, 3), (1, 1), (1, 1, 1, 1), 1),
    ("avg_k3_1x1_excl", 1, 1, 1, 7, "avg", (3, 3), (1, 1), (1, 1, 1, 1), 0),
    ("avg_k2s2_nopad_n2", 2, 6, 5, 7, "avg", (2, 2), (2, 2), (0, 0, 0, 0), 1),
    ("avg_k5_pad3_excl", 1, 3, 4, 3, "avg", (5, 5), (1, 1), (3, 3, 3, 3), 0),
    ("l2_k3s1_pad1_excl", 1, 5, 5, 7, "l2", (3, 3), (1, 1), (1, 1, 1, 1), 0),
    ("l2_k3s1_pad1_incl", 1, 5, 5, 7, "l2", (3, 3), (1, 1), (1, 1, 1, 1), 1),
    ("l2_k3s2_odd_n2", 2, 7, 5, 3, "l2", (3, 3), (2, 2), (0, 1, 0, 1), 0),
    ("gap_1x1", 1, 1, 1, 3, "global", (1, 1), (1, 1), (0, 0, 0, 0), 0),
    ("gap_5x7_n2", 2, 5, 7, 17, "global", (1, 1), (1, 1), (0, 0, 0, 0), 0),
]


def gen_pool():
    reseed(2)
    tensors = []
    for name, n, h, w, c, kind, (kh, kw), (sh, sw), (pt, pb, pl, pr), cip in POOL_CASES:
        x = f32((n, h, w, c), -2.0, 2.0)
        xt = nchw(x)
        if kind == "global":
            y = xt.mean(dim=(2, 3))
            mag = xt.abs().mean(dim=(2, 3))
            y, mag = y.numpy(), mag.numpy()
        elif kind == "max":
            xp = F.pad(xt, (pl, pr, pt, pb), value=float("-inf"))
            y = nhwc(F.max_pool2d(xp, (kh, kw), (sh, sw)))
            mag = None
        else:
            # Sums over the zero-padded input; the in-bounds count is the same
            # sum over a zero-padded tensor of ones.
            v = xt if kind == "avg" else xt * xt
            ones = torch.ones_like(xt)
            pad = lambda a: F.pad(a, (pl, pr, pt, pb))
            ssum = F.avg_pool2d(pad(v), (kh, kw), (sh, sw)) * (kh * kw)
            sabs = F.avg_pool2d(pad(v.abs()), (kh, kw), (sh, sw)) * (kh * kw)
            if cip:
                d = float(kh * kw)
            else:
                d = F.avg_pool2d(pad(ones), (kh, kw), (sh, sw)) * (kh * kw)
            y, mag = ssum / d, sabs / d
            if kind == "l2":
                y, mag = torch.sqrt(y), torch.sqrt(mag)
            y, mag = nhwc(y), nhwc(mag)
        p = [n, h, w, c, POOL_KIND[kind], kh, kw, sh, sw, pt, pb, pl, pr, cip]
        tensors += [(name + ".p", np.array(p, np.int32)), (name + ".x", x), (name + ".y", y)]
        if mag is not None:
            tensors.append((name + ".mag", mag))
    write_golden("pool", tensors)


# ---- dense -------------------------------------------------------------------
# p = [n, k, m, act, has_bias]
DENSE_CASES = [
    ("n1_k1_m1", 1, 1, 1, "none", False),
    ("n2_k17_m7_relu", 2, 17, 7, "relu", True),
    ("n3_k33_m5_sigmoid", 3, 33, 5, "sigmoid", False),
    ("n1_k128_m3_tanh", 1, 128, 3, "tanh", True),
    ("n2_k7_m17_relu6", 2, 7, 17, "relu6", True),
    ("n2_k300_m4", 2, 300, 4, "none", True),
]


def gen_dense():
    reseed(3)
    tensors = []
    for name, n, k, m, act, has_bias in DENSE_CASES:
        x = f32((n, k), -2.0, 2.0)
        w = normal32((m, k), 3.0 / np.sqrt(k))
        b = f32((m,)) if has_bias else None
        xt, wt = torch.from_numpy(x).double(), torch.from_numpy(w).double()
        bt = torch.from_numpy(b).double() if has_bias else None
        y = apply_act(F.linear(xt, wt, bt), act)
        mag = F.linear(xt.abs(), wt.abs(), bt.abs() if has_bias else None)
        p = [n, k, m, ACT[act], int(has_bias)]
        tensors += [(name + ".p", np.array(p, np.int32)), (name + ".x", x), (name + ".w", w)]
        if has_bias:
            tensors.append((name + ".b", b))
        tensors += [(name + ".y", y.numpy()), (name + ".mag", mag.numpy())]
    write_golden("dense", tensors)


# ---- activations and PReLU -------------------------------------------------------
# act:   p = [act, len]           (ops_act_f32)
# prelu: p = [-1, count, c]        (ops_prelu_f32; x [count][c], slope [c])
SPECIAL = [0.0, -0.0, 6.0, 6.0001, 5.9999, -1e-8, 1e-8, 1e-30, -1e-30, 20.0, -20.0,
           88.0, -88.0, 90.0, -90.0, 100.0, -100.0, 1e30, -1e30]


def gen_act():
    reseed(4)
    tensors = []
    base = np.concatenate([np.array(SPECIAL, np.float32), f32((45,), -8.0, 8.0)])
    for act in ("none", "relu", "relu6", "sigmoid", "tanh"):
        name = "act_" + act
        y = apply_act(torch.from_numpy(base).double(), act).numpy()
        tensors += [(name + ".p", np.array([ACT[act], base.size], np.int32)),
                    (name + ".x", base), (name + ".y", y)]
    for name, count, c in (("prelu_c7", 10, 7), ("prelu_c1", 9, 1), ("prelu_c3_n2", 2 * 3 * 5, 3)):
        x = f32((count, c), -3.0, 3.0)
        x[0, 0] = 0.0
        slope = f32((c,), -0.5, 1.5)
        slope[0] = 0.25
        if c > 2:
            slope[1] = 0.0
            slope[2] = -1.0
        xt = torch.from_numpy(x.T.copy()).double().reshape(1, c, count)  # NCL for F.prelu
        y = F.prelu(xt, torch.from_numpy(slope).double()).reshape(c, count).T.numpy()
        tensors += [(name + ".p", np.array([-1, count, c], np.int32)), (name + ".x", x),
                    (name + ".slope", slope), (name + ".y", y)]
    write_golden("act", tensors)


# ---- batch-norm and affine ---------------------------------------------------------
# batch-norm: p = [0, n, h, w, c]; tensors x, mean, var, gamma, beta, eps (1 float)
# affine:     p = [1, n, h, w, c, has_scale, has_shift]; tensors x, scale, shift
NORM_CASES = [
    ("bn_c1", "bn", (1, 3, 5, 1), 1e-3),
    ("bn_c17_n2", "bn", (2, 3, 2, 17), 1e-5),
    ("bn_c3_1x1", "bn", (1, 1, 1, 3), 1e-3),
    ("bn_c7_tiny_var", "bn", (1, 2, 3, 7), 1e-3),
    ("affine_c7", "affine", (1, 3, 3, 7), (True, True)),
    ("affine_c3_scale_only", "affine", (2, 2, 1, 3), (True, False)),
    ("affine_c17_shift_only", "affine", (1, 1, 2, 17), (False, True)),
    ("affine_c1_neither", "affine", (1, 5, 1, 1), (False, False)),
]


def gen_norm():
    reseed(5)
    tensors = []
    for name, kind, (n, h, w, c), extra in NORM_CASES:
        x = f32((n, h, w, c), -3.0, 3.0)
        xt = nchw(x)
        if kind == "bn":
            mean, gamma, beta = f32((c,)), f32((c,), -2.0, 2.0), f32((c,))
            var = f32((c,), 0.01, 4.0)
            if "tiny_var" in name:
                var[: c // 2] = 0.0   # eps alone keeps the division finite
            eps = np.float32(extra)
            d = lambda a: torch.from_numpy(a).double()
            y = F.batch_norm(xt, d(mean), d(var), d(gamma), d(beta), False, 0.0, float(eps))
            s = (d(gamma) / torch.sqrt(d(var) + float(eps))).abs().reshape(1, c, 1, 1)
            mag = (xt - d(mean).reshape(1, c, 1, 1)).abs() * s + d(beta).abs().reshape(1, c, 1, 1)
            tensors += [(name + ".p", np.array([0, n, h, w, c], np.int32)), (name + ".x", x),
                        (name + ".mean", mean), (name + ".var", var), (name + ".gamma", gamma),
                        (name + ".beta", beta), (name + ".eps", np.array([eps], np.float32)),
                        (name + ".y", nhwc(y)), (name + ".mag", nhwc(mag))]
        else:
            has_scale, has_shift = extra
            scale, shift = f32((c,), -2.0, 2.0), f32((c,))
            x64 = x.astype(np.float64)
            sc = scale.astype(np.float64) if has_scale else np.ones(c)
            sh = shift.astype(np.float64) if has_shift else np.zeros(c)
            y = x64 * sc + sh
            mag = np.abs(x64 * sc) + np.abs(sh)
            tensors += [(name + ".p", np.array([1, n, h, w, c, int(has_scale), int(has_shift)], np.int32)),
                        (name + ".x", x)]
            if has_scale:
                tensors.append((name + ".scale", scale))
            if has_shift:
                tensors.append((name + ".shift", shift))
            tensors += [(name + ".y", y), (name + ".mag", mag)]
    write_golden("norm", tensors)


# ---- elementwise binary ------------------------------------------------------------
# p = [kind, b_per_channel, count, c]; kind 0 add, 1 sub, 2 mul (ops_binary_kind)
BINARY_KIND = {"add": 0, "sub": 1, "mul": 2}
BINARY_CASES = [
    ("add_full_c3", "add", 0, 10, 3),
    ("sub_full_c17", "sub", 0, 6, 17),
    ("mul_full_c1", "mul", 0, 13, 1),
    ("add_bcast_c7", "add", 1, 9, 7),
    ("sub_bcast_c17", "sub", 1, 4, 17),
    ("mul_bcast_c3", "mul", 1, 11, 3),
    ("mul_bcast_c1", "mul", 1, 5, 1),
]


def gen_eltwise():
    reseed(6)
    tensors = []
    for name, kind, bcast, count, c in BINARY_CASES:
        a = f32((count, c), -4.0, 4.0)
        b = f32((c,) if bcast else (count, c), -4.0, 4.0)
        a64, b64 = a.astype(np.float64), b.astype(np.float64)
        y = {"add": a64 + b64, "sub": a64 - b64, "mul": a64 * b64}[kind]  # numpy broadcasts [c]
        tensors += [(name + ".p", np.array([BINARY_KIND[kind], bcast, count, c], np.int32)),
                    (name + ".a", a), (name + ".b", b), (name + ".y", y)]
    write_golden("eltwise", tensors)


# ---- concat and pad ----------------------------------------------------------------
# concat: p = [0, count, n_inputs, cs...]; tensors x0, x1, ...
# pad:    p = [1, n, h, w, c, top, bottom, left, right, c_before, c_after]
CONCAT_CASES = [
    ("concat_1_3_7", 10, (1, 3, 7)),
    ("concat_single_17", 4, (17,)),
    ("concat_17_2_count1", 1, (17, 2)),
    ("concat_3x3", 5, (3, 3, 3)),
]
PAD_CASES = [
    ("pad_spatial", (1, 3, 4, 3), (1, 2, 0, 3, 0, 0)),
    ("pad_channels_only", (2, 2, 3, 3), (0, 0, 0, 0, 1, 4)),
    ("pad_both_n2", (2, 3, 2, 7), (2, 1, 1, 2, 2, 3)),
    ("pad_none_1x1", (1, 1, 1, 1), (0, 0, 0, 0, 0, 0)),
    ("pad_c1_after_only", (1, 2, 2, 1), (0, 0, 0, 0, 0, 2)),
]


def gen_layout():
    reseed(7)
    tensors = []
    for name, count, cs in CONCAT_CASES:
        xs = [f32((count, ci)) for ci in cs]
        y = np.concatenate(xs, axis=1)
        tensors.append((name + ".p", np.array([0, count, len(cs)] + list(cs), np.int32)))
        tensors += [("%s.x%d" % (name, k), xk) for k, xk in enumerate(xs)]
        tensors.append((name + ".y", y))
    for name, (n, h, w, c), (t, b, l, r, cb, ca) in PAD_CASES:
        x = f32((n, h, w, c))
        y = np.pad(x, ((0, 0), (t, b), (l, r), (cb, ca)))
        tensors += [(name + ".p", np.array([1, n, h, w, c, t, b, l, r, cb, ca], np.int32)),
                    (name + ".x", x), (name + ".y", y)]
    write_golden("layout", tensors)


# ---- LRN -----------------------------------------------------------------------------
# p = [count, c, radius]; tensor ".f" = [bias, alpha, beta] as ops_lrn_f32 takes them.
# "tf_" cases: TensorFlow convention computed here with numpy from the formula;
# "torch_" cases: torch.nn.LocalResponseNorm(size, a, b, k) run in float64, its
# parameters converted as ops.h says (radius (size-1)/2, alpha a/size, bias k).
LRN_CASES = [
    # name, count, c, ("tf", radius, bias, alpha, beta) | ("torch", size, a, b, k), input range
    ("tf_r2_openface_c17", 6, 17, ("tf", 2, 1.0, 1e-4, 0.75), 20.0),
    ("tf_r5_default_c7", 5, 7, ("tf", 5, 1.0, 1.0, 0.5), 1.0),
    ("tf_r1_c3", 4, 3, ("tf", 1, 2.0, 0.5, 0.75), 2.0),
    ("tf_r2_c1", 7, 1, ("tf", 2, 1.0, 1.0, 0.75), 2.0),
    ("tf_r0_c3", 3, 3, ("tf", 0, 1.0, 1.0, 1.0), 2.0),
    ("torch_s5_alexnet_c17", 6, 17, ("torch", 5, 1e-4, 0.75, 2.0), 30.0),
    ("torch_s3_c7", 5, 7, ("torch", 3, 1.0, 0.75, 1.0), 2.0),
    ("torch_s5_c3_strong", 4, 3, ("torch", 5, 2.0, 0.75, 1.0), 2.0),
]


def gen_lrn():
    reseed(8)
    tensors = []
    for name, count, c, spec, rangev in LRN_CASES:
        x = f32((count, c), -rangev, rangev)
        x64 = x.astype(np.float64)
        if spec[0] == "tf":
            _, radius, bias, alpha, beta = spec
            sq = x64 * x64
            win = np.zeros_like(sq)
            for j in range(c):
                win[:, j] = sq[:, max(0, j - radius): min(c, j + radius + 1)].sum(axis=1)
            y = x64 / (bias + alpha * win) ** beta
        else:
            _, size, a, beta, k = spec
            lrn = torch.nn.LocalResponseNorm(size, alpha=a, beta=beta, k=k)
            xt = torch.from_numpy(x64.T.copy()).reshape(1, c, count)  # N C L
            y = lrn(xt).reshape(c, count).numpy().T
            radius, bias, alpha = (size - 1) // 2, k, a / size
        f = np.array([bias, alpha, beta], np.float32)
        tensors += [(name + ".p", np.array([count, c, radius], np.int32)), (name + ".x", x),
                    (name + ".f", f), (name + ".y", y)]
    write_golden("lrn", tensors)


# ---- L2 normalisation ----------------------------------------------------------------
# p = [count, c]; tensor ".eps" = [eps]
L2NORM_CASES = [
    ("c1", 5, 1, 1e-10),
    ("c3", 7, 3, 1e-10),
    ("c17_zero_and_tiny_rows", 4, 17, 1e-10),
    ("c128_embedding_n2", 2, 128, 1e-10),
    ("c7_big_eps", 3, 7, 0.5),
]


def gen_l2norm():
    reseed(9)
    tensors = []
    for name, count, c, eps in L2NORM_CASES:
        x = f32((count, c), -2.0, 2.0)
        if "zero" in name:
            x[0, :] = 0.0
            x[1, :] = f32((c,), -1e-7, 1e-7)   # sum of squares below eps
        x64 = x.astype(np.float64)
        ss = (x64 * x64).sum(axis=1, keepdims=True)
        y = x64 / np.sqrt(np.maximum(ss, float(np.float32(eps))))
        tensors += [(name + ".p", np.array([count, c], np.int32)), (name + ".x", x),
                    (name + ".eps", np.array([eps], np.float32)), (name + ".y", y)]
    write_golden("l2norm", tensors)


# ---- bilinear resize ---------------------------------------------------------------------
# p = [n, h, w, c, oh, ow, align_corners]; ".mag" = (h + w + 4) * max|x| of the
# image plane (n, c): the float source coordinate errs by a few ulp of h or w,
# which moves the weights, so the error scales with the input extent.
RESIZE_CASES = [
    ("up_3x4_to_7x9", (1, 3, 4, 3), (7, 9), 0),
    ("up_3x4_to_7x9_ac", (1, 3, 4, 3), (7, 9), 1),
    ("down_9x8_to_4x3", (1, 9, 8, 7), (4, 3), 0),
    ("down_9x8_to_4x3_ac", (1, 9, 8, 7), (4, 3), 1),
    ("from_1x1", (1, 1, 1, 3), (3, 2), 0),
    ("from_1x1_ac", (1, 1, 1, 3), (3, 2), 1),
    ("to_1x1", (1, 5, 5, 1), (1, 1), 0),
    ("to_1x1_ac", (1, 5, 5, 1), (1, 1), 1),
    ("same_size_n2", (2, 4, 5, 3), (4, 5), 0),
    ("mixed_up_down_n2_c17", (2, 6, 3, 17), (4, 5), 0),
    ("mixed_up_down_n2_c17_ac", (2, 6, 3, 17), (4, 5), 1),
]


def gen_resize():
    reseed(10)
    tensors = []
    for name, (n, h, w, c), (oh, ow), ac in RESIZE_CASES:
        x = f32((n, h, w, c), -2.0, 2.0)
        y = F.interpolate(nchw(x), size=(oh, ow), mode="bilinear", align_corners=bool(ac))
        plane_max = np.abs(x.astype(np.float64)).max(axis=(1, 2), keepdims=True)
        mag = np.broadcast_to((h + w + 4) * plane_max, (n, oh, ow, c))
        tensors += [(name + ".p", np.array([n, h, w, c, oh, ow, ac], np.int32)),
                    (name + ".x", x), (name + ".y", nhwc(y)), (name + ".mag", mag)]
    write_golden("resize", tensors)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    torch.set_grad_enabled(False)
    gen_conv2d()
    gen_pool()
    gen_dense()
    gen_act()
    gen_norm()
    gen_eltwise()
    gen_layout()
    gen_lrn()
    gen_l2norm()
    gen_resize()


if __name__ == "__main__":
    main()
