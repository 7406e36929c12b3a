#!/usr/bin/python3
"""png_roundtrip_pil.py - random images encoded to PNG by us decode exactly
with PIL (an independent zlib/PNG decoder) and with our own decoder.

Run from the repository root after `make`:
    /usr/bin/python3 tests/png_roundtrip_pil.py [--count N] [--seed S]
For each image (seeded; shapes from 1x1 up to 640x480, gray and RGB, noise,
smooth gradients, flat areas and mixtures): numpy writes it as PGM/PPM,
`./facenet-run convert` writes the PNG, PIL decodes that PNG, and
`./facenet-run convert` decodes it back to PGM/PPM. Both must equal the
source exactly. Also prints our PNG size against PIL's (zlib level 6) as a
sanity check of the compressor (not a benchmark). Exit 0 when all match.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image


def write_pnm(path, a):
    h, w = a.shape[:2]
    magic = b"P5" if a.ndim == 2 else b"P6"
    with open(path, "wb") as f:
        f.write(magic + b"\n%d %d\n255\n" % (w, h) + a.astype(np.uint8).tobytes())


def make_image(rng, i):
    shapes = [(1, 1), (1, 7), (5, 1), (3, 3), (17, 13), (64, 64), (100, 37), (250, 250), (640, 480)]
    h, w = shapes[i % len(shapes)]
    ch = 1 if (i // len(shapes)) % 2 == 0 else 3
    kind = (i // (2 * len(shapes))) % 4
    shape = (h, w) if ch == 1 else (h, w, 3)
    if kind == 0:
        a = rng.integers(0, 256, shape)
    elif kind == 1:
        y, x = np.mgrid[0:h, 0:w]
        base = (x * 3 + y * 2 + rng.integers(0, 3, (h, w))) % 256
        a = base if ch == 1 else np.stack([base, 255 - base, (base * 7) % 256], axis=2)
    elif kind == 2:
        a = np.full(shape, int(rng.integers(0, 256)))
        a[h // 3: h // 2 + 1] = int(rng.integers(0, 256))
    else:
        a = rng.integers(0, 256, shape)
        mask = rng.random((h, w)) < 0.7
        if ch == 3:
            mask = np.repeat(mask[:, :, None], 3, axis=2)
        a = np.where(mask, 128, a)
    return a.astype(np.uint8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=72)
    ap.add_argument("--seed", type=int, default=1128)
    ap.add_argument("--bin", default="./facenet-run")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    tmp = tempfile.mkdtemp(prefix="png_rt_")
    ok_pil = ok_ours = 0
    ours_bytes = pil_bytes = 0
    for i in range(args.count):
        a = make_image(rng, i)
        ext = "pgm" if a.ndim == 2 else "ppm"
        src, png, back = (os.path.join(tmp, n) for n in ("src." + ext, "ours.png", "back." + ext))
        write_pnm(src, a)
        for cmd in ([args.bin, "convert", src, png], [args.bin, "convert", png, back]):
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode:
                print("image %d: %s failed: %s" % (i, " ".join(cmd[1:2]), r.stderr.strip()))
                break
        else:
            via_pil = np.array(Image.open(png))
            via_ours = np.array(Image.open(back))
            good_pil = via_pil.shape == a.shape and (via_pil == a).all()
            good_ours = via_ours.shape == a.shape and (via_ours == a).all()
            ok_pil += good_pil
            ok_ours += good_ours
            if not (good_pil and good_ours):
                print("image %d %s: PIL %s, ours %s" % (i, a.shape, good_pil, good_ours))
            pil_png = os.path.join(tmp, "pil.png")
            Image.fromarray(a).save(pil_png)
            ours_bytes += os.path.getsize(png)
            pil_bytes += os.path.getsize(pil_png)
    print("seed %d: %d images; exact with PIL %d/%d, exact with ours %d/%d" %
          (args.seed, args.count, ok_pil, args.count, ok_ours, args.count))
    print("total PNG bytes: ours %d, PIL %d (ratio %.3f)" % (ours_bytes, pil_bytes, ours_bytes / max(pil_bytes, 1)))
    return 0 if ok_pil == ok_ours == args.count else 1


if __name__ == "__main__":
    sys.exit(main())
