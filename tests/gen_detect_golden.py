#!/usr/bin/python3
"""Golden boxes for face_detect from OpenCV's own CascadeClassifier.

Run with Debian's /usr/bin/python3 (python3-opencv 4.6):

  /usr/bin/python3 tests/gen_detect_golden.py --gold tests/golden/detect_golden.txt
      decode every image, detect with cv2, write the golden file (commit it)
  /usr/bin/python3 tests/gen_detect_golden.py --prep build/detect_gray
      write the same gray images as PGM for tests/test_detect.c (not committed)

Both sides must see the same gray pixels (our JPEG decoder is not OpenCV's),
so this script decodes with cv2.imdecode(IMREAD_COLOR) and converts with
cv2.cvtColor(BGR2GRAY); the 640-px versions are cv2.resize(INTER_AREA) of
the colour image, then gray. The golden file records each gray image's size
and FNV-1a-64 hash, and the test checks that hash before comparing boxes.

Images (read in place, never copied into the repository):
  ../shared/data/detection/dlib_faces/*.jpg
  ../shared/data/identities/faceapi_bbt/group_photos/*.jpg
  package/demo/sample1..6.jpg of npm @vladmandic/face-api@1.7.15, from the
  tarball made by `npm pack` in $FACENET_NPM_CACHE (default
  ~/.cache/facenet-run/npm); --fetch runs npm pack there if it is missing.
  Each sample at full size (1920 px wide) and resized to 640 px wide.

Runs (fixed parameters; no randomness, so no seed):
  default  haarcascade_frontalface_default.xml, scale 1.1 and 1.3,
           min neighbours 5, min size 30x30               -> boxes
  raw      default, scale 1.1, min neighbours 0 (ungrouped raw hits),
           min size 30                                     -> count + hash
  alt, alt2 (tree-based), scale 1.1, min neighbours 5, min size 30, on the
           images under 1000 px wide                       -> boxes
  eye      haarcascade_eye.xml, scale 1.1, min neighbours 3, min size 0,
           on the dlib detection images                    -> boxes

File format, one record per line:
  image NAME W H FNV64HEX
  boxes CASCADE SCALE MINNB MINSIZE N x y w h x y w h ...
  raw CASCADE SCALE MINSIZE N FNV64HEX   (hash of the sorted raw hits, each
                                          "x y w h\\n")
  tilted W H v...      cv2.integral3 of the fixed W x H image
                       px(x, y) = (x*37 + y*91 + x*y*13) % 256 (the tilted sum, row-major)
  resize SW SH DW DH v...  cv2.resize(INTER_LINEAR_EXACT) of the same kind of image
"""
import argparse
import glob
import io
import os
import subprocess
import sys
import tarfile

import cv2
import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def shared_dir():
    """$FACENET_SHARED, else ../shared from the repository root (or from the
    folder above it, for a git worktree kept one level deeper)."""
    env = os.environ.get("FACENET_SHARED")
    if env:
        return env
    for up in ("..", "../.."):
        d = os.path.normpath(os.path.join(ROOT, up, "shared"))
        if os.path.isdir(d):
            return d
    return os.path.normpath(os.path.join(ROOT, "..", "shared"))


SHARED = shared_dir()
CASCADES = "/usr/share/opencv4/haarcascades"
CASCADE_FILES = {
    "default": "haarcascade_frontalface_default.xml",
    "alt": "haarcascade_frontalface_alt.xml",
    "alt2": "haarcascade_frontalface_alt2.xml",
    "eye": "haarcascade_eye.xml",
}
NPM_PKG = "@vladmandic/face-api@1.7.15"
NPM_TGZ = "vladmandic-face-api-1.7.15.tgz"


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def fnv1a64_np(arr):
    # Same hash, vectorised in chunks through Python ints would be slow for
    # 2 Mpx images; a plain loop over bytes is fine at this size (a few s).
    return fnv1a64(arr.tobytes())


def npm_cache():
    return os.environ.get("FACENET_NPM_CACHE", os.path.expanduser("~/.cache/facenet-run/npm"))


def sources(fetch):
    """(name, encoded bytes, resize_to_640) for every image that is present."""
    out = []
    missing = []
    det = sorted(glob.glob(os.path.join(SHARED, "data/detection/dlib_faces/*.jpg")))
    grp = sorted(glob.glob(os.path.join(SHARED, "data/identities/faceapi_bbt/group_photos/*.jpg")))
    if not det:
        missing.append("../shared/data/detection/dlib_faces")
    if not grp:
        missing.append("../shared/data/identities/faceapi_bbt/group_photos")
    for p in det:
        out.append(("detection_" + os.path.splitext(os.path.basename(p))[0], open(p, "rb").read(), False))
    for p in grp:
        out.append(("group_" + os.path.splitext(os.path.basename(p))[0], open(p, "rb").read(), False))
    tgz = os.path.join(npm_cache(), NPM_TGZ)
    if not os.path.exists(tgz) and fetch:
        os.makedirs(npm_cache(), exist_ok=True)
        subprocess.run(["npm", "pack", NPM_PKG], cwd=npm_cache(), check=True)
    if os.path.exists(tgz):
        with tarfile.open(tgz) as tf:
            for i in range(1, 7):
                data = tf.extractfile("package/demo/sample%d.jpg" % i).read()
                out.append(("faceapi_sample%d_full" % i, data, False))
                out.append(("faceapi_sample%d_640" % i, data, True))
    else:
        missing.append(tgz)
    return out, missing


def gray_of(data, to640):
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise RuntimeError("cv2 cannot decode")
    if to640:
        h, w = bgr.shape[:2]
        bgr = cv2.resize(bgr, (640, int(round(h * 640.0 / w))), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)


def runs_for(name, gray):
    h, w = gray.shape
    runs = [("boxes", "default", 1.1, 5, 30), ("boxes", "default", 1.3, 5, 30), ("raw", "default", 1.1, 0, 30)]
    if w < 1000:
        runs += [("boxes", "alt", 1.1, 5, 30), ("boxes", "alt2", 1.1, 5, 30)]
    if name.startswith("detection_"):
        runs.append(("boxes", "eye", 1.1, 3, 0))
    return runs


def fixed_image(w, h):
    y, x = np.mgrid[0:h, 0:w]
    return ((x * 37 + y * 91 + x * y * 13) % 256).astype(np.uint8)


def write_pgm(path, gray):
    h, w = gray.shape
    with open(path, "wb") as f:
        f.write(b"P5\n%d %d\n255\n" % (w, h))
        f.write(np.ascontiguousarray(gray).tobytes())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gold", help="write the golden file here")
    ap.add_argument("--prep", help="write the gray PGMs into this directory")
    ap.add_argument("--fetch", action="store_true", help="npm pack the face-api tarball if missing")
    a = ap.parse_args()
    if not a.gold and not a.prep:
        ap.error("give --gold FILE and/or --prep DIR")
    cv2.setNumThreads(1)
    imgs, missing = sources(a.fetch)
    for m in missing:
        print("gen_detect_golden: skipped (absent): %s" % m, file=sys.stderr)
    if a.prep:
        os.makedirs(a.prep, exist_ok=True)
    cascades = {k: cv2.CascadeClassifier(os.path.join(CASCADES, v)) for k, v in CASCADE_FILES.items()}
    lines = ["# made by tests/gen_detect_golden.py with OpenCV %s; see its docstring" % cv2.__version__]
    if a.gold:
        for w, h in [(7, 5), (1, 1), (3, 9), (12, 4)]:
            _, _, t = cv2.integral3(fixed_image(w, h), sdepth=cv2.CV_32S, sqdepth=cv2.CV_64F)
            lines.append("tilted %d %d %s" % (w, h, " ".join(str(int(v)) for v in t.flatten())))
        for sw, sh, dw, dh in [(13, 11, 7, 5), (5, 4, 9, 7), (40, 30, 33, 21), (1, 3, 2, 2), (64, 48, 29, 22)]:
            r = cv2.resize(fixed_image(sw, sh), (dw, dh), interpolation=cv2.INTER_LINEAR_EXACT)
            lines.append("resize %d %d %d %d %s" % (sw, sh, dw, dh, " ".join(str(int(v)) for v in r.flatten())))
    for name, data, to640 in imgs:
        gray = gray_of(data, to640)
        h, w = gray.shape
        if a.prep:
            write_pgm(os.path.join(a.prep, name + ".pgm"), gray)
        if not a.gold:
            continue
        lines.append("image %s %d %d %016x" % (name, w, h, fnv1a64_np(gray)))
        for kind, casc, sf, mn, ms in runs_for(name, gray):
            r = cascades[casc].detectMultiScale(gray, scaleFactor=sf, minNeighbors=mn, minSize=(ms, ms))
            r = [tuple(int(v) for v in b) for b in (r if len(r) else [])]
            if kind == "boxes":
                flat = " ".join("%d %d %d %d" % b for b in r)
                lines.append(("boxes %s %.1f %d %d %d %s" % (casc, sf, mn, ms, len(r), flat)).rstrip())
            else:
                text = "".join("%d %d %d %d\n" % b for b in sorted(r)).encode()
                lines.append("raw %s %.1f %d %d %016x" % (casc, sf, ms, len(r), fnv1a64(text)))
        print("gen_detect_golden: %s %dx%d" % (name, w, h), file=sys.stderr)
    if a.gold:
        with open(a.gold, "w") as f:
            f.write("\n".join(lines) + "\n")
    if a.prep:
        with open(os.path.join(a.prep, "READY"), "w") as f:
            f.write("\n".join(n for n, _, _ in imgs) + "\n")


if __name__ == "__main__":
    main()
