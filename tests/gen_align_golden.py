#!/usr/bin/python3
"""gen_align_golden.py - goldens for tests/test_align.c (face/align.c).

Writes tests/golden/align/align.bin in the FNGOLD1 format of tests/golden.h.
Everything is synthetic (numpy seed 20261128), computed by references that
share no code with face/align.c:

  img_rgb [29][37][3], img_gray [29][37]   smooth seeded test images (uint8
      values stored as float32)
  warpN.m [6]                   dst->src affine (x', y') = (m0 x + m1 y + m2, m3 x + m4 y + m5)
  warpN.size [2]                out_w, out_h
  warpN.cv2 [h][w][c]           cv2.warpAffine(INTER_LINEAR | WARP_INVERSE_MAP,
                                BORDER_CONSTANT 0) of img_rgb (or img_gray for
                                warp3), uint8
  warpN.f64 [h][w][c]           the same bilinear sampling in float64 numpy
                                (taps outside the image = 0), unrounded
  warp.tol_cv2 [2]              allowed |C - cv2| in levels, inside the image
                                and where a sample blends with the border:
                                OpenCV rounds source coordinates to 1/32 pixel
                                (INTER_BITS = 5) and weights to 1/2048, so the
                                error is at most G * (1/64 + 1/64) + 1 (rounding
                                of the result) + 1 (weight rounding), G = the
                                largest difference between neighbouring pixels
                                (255 next to the zero border)
  fit.src [33][2], fit.dst [33][2], fit.sim [4]
                                a noisy similarity fit; sim = (a, b, tx, ty)
                                from numpy.linalg.lstsq on the linear model
  chip.pts [68][2]              a synthetic face: dlib's mean shape (points
                                17..67) through a known similarity plus noise;
                                jaw points 0..16 are junk (they must not matter)
  chip.m [6]                    chip (150, padding 0.25) -> image affine,
                                built as dlib's chip_details and
                                get_mapping_to_chip do, from lstsq
  crop.box [4]                  a box crossing the image border (x, y, w, h)
  crop.sub [16][16][3]          ref_landmarks68.crop_for_landmarks of img_rgb
                                at that box (112x112), every 7th row/column

Run from the repository root:  /usr/bin/python3 tests/gen_align_golden.py
"""
import math
import os
import struct
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ref_landmarks68 as ref  # noqa: E402

OUT = "tests/golden/align/align.bin"
SEED = 20261128

# dlib's mean face shape for points 17..67 (dlib/image_transforms/interpolation.h).
MEAN_X = [0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124,
          0.904991, 0.98004, 0.490127, 0.490127, 0.490127, 0.490127, 0.36688, 0.426036,
          0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918,
          0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149,
          0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721,
          0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874,
          0.553364, 0.490127, 0.42689]
MEAN_Y = [0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891,
          0.0187482, 0.038915, 0.106454, 0.203352, 0.307009, 0.409805, 0.515625, 0.587326,
          0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852, 0.231733,
          0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099,
          0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805,
          0.902192, 0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746,
          0.784792, 0.824182, 0.831803, 0.824182]
USED = [i for i in range(17, 68) if not (i <= 26 or 55 <= i <= 59 or i >= 65)]


def write_golden(path, tensors):
    out = bytearray(b"FNGOLD1\n") + struct.pack("<I", len(tensors))
    for name, arr in tensors:
        arr = np.asarray(arr, dtype="<f4")
        if arr.ndim == 0:
            arr = arr.reshape(1)
        nb = name.encode("ascii")
        out += struct.pack("<I", len(nb)) + nb + struct.pack("<II", 0, arr.ndim)
        out += struct.pack("<%dI" % arr.ndim, *arr.shape) + arr.tobytes(order="C")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(out)
    print("%s: %d bytes, %d tensors" % (path, len(out), len(tensors)))


def lstsq_similarity(src, dst):
    A, b = [], []
    for (x, y), (u, v) in zip(src, dst):
        A += [[x, -y, 1, 0], [y, x, 0, 1]]
        b += [u, v]
    return np.linalg.lstsq(np.array(A, float), np.array(b, float), rcond=None)[0]


def dlib_chip_affine(pts, size=150, padding=0.25):
    chip = np.array([[(padding + MEAN_X[i - 17]) / (2 * padding + 1) * size,
                      (padding + MEAN_Y[i - 17]) / (2 * padding + 1) * size] for i in USED])
    a, b, tx, ty = lstsq_similarity(chip, pts[USED])
    angle, scale = math.atan2(b, a), math.hypot(a, b)
    cx = a * size / 2 - b * size / 2 + tx
    cy = b * size / 2 + a * size / 2 + ty
    half = (size * scale - 1) / 2  # centered_drect(centre, size*scale, size*scale)
    rot = lambda px, py: (cx + math.cos(angle) * (px - cx) - math.sin(angle) * (py - cy),
                          cy + math.sin(angle) * (px - cx) + math.cos(angle) * (py - cy))
    # chip corners (0,0), (size-1,0), (0,size-1) -> rotated rect corners tl, tr, bl
    tl = rot(cx - half, cy - half)
    tr = rot(cx + half, cy - half)
    bl = rot(cx - half, cy + half)
    m = [(tr[0] - tl[0]) / (size - 1), (bl[0] - tl[0]) / (size - 1), tl[0],
         (tr[1] - tl[1]) / (size - 1), (bl[1] - tl[1]) / (size - 1), tl[1]]
    return np.array(m)


def main():
    rng = np.random.default_rng(SEED)
    h, w = 29, 37
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    chans = []
    for c in range(3):
        fx, fy, ph = rng.uniform(0.15, 0.45), rng.uniform(0.15, 0.45), rng.uniform(0, 6.3)
        v = 128 + 70 * np.sin(fx * xx + ph) * np.cos(fy * yy) + 40 * (xx / w - yy / h)
        chans.append(v)
    img = np.clip(np.rint(np.stack(chans, 2)), 0, 255).astype(np.uint8)
    gray = np.clip(np.rint(img.astype(np.float64) @ [0.299, 0.587, 0.114]), 0, 255).astype(np.uint8)
    g = max(np.abs(np.diff(img.astype(int), axis=a)).max() for a in (0, 1))
    # Where a sample blends with the zero border the neighbour difference is up to 255.
    tensors = [("img_rgb", img), ("img_gray", gray),
               ("warp.tol_cv2", [g * (2 / 64) + 2, 255 * (2 / 64) + 2])]

    def rot(deg, s, tx, ty):
        t = math.radians(deg)
        return [s * math.cos(t), -s * math.sin(t), tx, s * math.sin(t), s * math.cos(t), ty]

    cases = [
        (rot(20, 0.8, 6.3, -4.1), 31, 27, img),    # rotation + shrink, crosses the border
        ([2.5, 0, 1.7, 0, 2.5, 0.6], 13, 11, img),  # plain downscale
        (rot(-35, 0.3, 20.2, 3.9), 40, 33, img),   # zoom in, rotated
        (rot(71, 1.1, 15.5, -8.0), 23, 19, gray),  # gray, mostly outside
    ]
    for k, (m, ow, oh, src) in enumerate(cases):
        # The C test reads m back as float32: use exactly those values here.
        m = np.array(m, np.float32).astype(np.float64)
        M = m.reshape(2, 3)
        cv = cv2.warpAffine(src, M, (ow, oh), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        u, v = np.meshgrid(np.arange(ow, dtype=np.float64), np.arange(oh, dtype=np.float64))
        xs, ys = M[0, 0] * u + M[0, 1] * v + M[0, 2], M[1, 0] * u + M[1, 1] * v + M[1, 2]
        s3 = src if src.ndim == 3 else src[:, :, None].repeat(3, 2)
        f64 = ref.bilinear_sample(s3.astype(np.float64), xs, ys)
        if src.ndim == 2:
            f64 = f64[:, :, :1]
            cv = cv[:, :, None]
        tensors += [("warp%d.m" % k, m), ("warp%d.size" % k, [ow, oh]),
                    ("warp%d.cv2" % k, cv), ("warp%d.f64" % k, f64)]

    # A noisy similarity fit (33 points, as the chip uses).
    src = rng.uniform(-50, 200, size=(33, 2))
    a, b = 1.7 * math.cos(0.4), 1.7 * math.sin(0.4)
    dst = np.stack([a * src[:, 0] - b * src[:, 1] + 310.5, b * src[:, 0] + a * src[:, 1] - 42.25], 1)
    dst += rng.normal(0, 2.0, size=dst.shape)
    tensors += [("fit.src", src), ("fit.dst", dst), ("fit.sim", lstsq_similarity(src, dst))]

    # A synthetic face: mean shape in a 100-pixel square, rotated 12 degrees,
    # scaled 1.3, moved, with 1.5-pixel noise.
    pts = rng.uniform(0, 300, size=(68, 2))  # jaw and brows: junk
    t = math.radians(12)
    for i in range(17, 68):
        x, y = MEAN_X[i - 17] * 100, MEAN_Y[i - 17] * 100
        pts[i] = [1.3 * (math.cos(t) * x - math.sin(t) * y) + 141.0,
                  1.3 * (math.sin(t) * x + math.cos(t) * y) + 77.5]
    pts[17:] += rng.normal(0, 1.5, size=(51, 2))
    tensors += [("chip.pts", pts), ("chip.m", dlib_chip_affine(pts))]

    # The landmark net's input crop for a box crossing the top-left border.
    box = (-6.5, -3.0, 30.0, 30.0)
    crop = ref.crop_for_landmarks(img, box)
    tensors += [("crop.box", box), ("crop.sub", crop[::7, ::7])]
    write_golden(OUT, tensors)


if __name__ == "__main__":
    main()
