#!/usr/bin/python3
"""lfw_align_eval.py - what alignment is worth: LFW View 1 verification
accuracy of the default model on three crops of the same photos.

  centre  a fixed 110x110 box at (70, 70) of the 250x250 deep-funneled image
  haar    the box of OpenCV's haarcascade_frontalface_default (scale 1.3,
          5 neighbours, the detection nearest the centre; the centre box
          when there is none), resized to 150x150
  chip    dlib's face chip (150, padding 0.25) from face-api's 68 landmarks
          found in that box

A measurement, not a test: the float64 PyTorch copies of both networks
(tests/ref_landmarks68.py, tests/ref_resnet29.py) and a numpy copy of face/align.c's chip geometry
(tests/gen_align_golden.py), which the C code matches (tests/test_align.c,
tests/test_resnet29.c). Needs `make models`, ../shared (or $FACENET_SHARED)
and python3-opencv with opencv-data.

View 1 protocol: the threshold is chosen on pairsDevTrain.txt, accuracy is
reported on pairsDevTest.txt (also at the model's own threshold 0.6, and as
10-fold cross-validation on DevTest). View 2 (pairs.txt) is not touched.
DevTest images are done first and every batch is saved to
build/lfw_align_eval.pkl, so a stopped run resumes and `--report` prints
what is there.

  /usr/bin/python3 tests/lfw_align_eval.py [--report] [--limit N]
  (--limit: embed at most N more photos, then report)
"""
import os
import pickle
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_align_golden as geo  # noqa: E402
import ref_landmarks68 as lmref  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LFW = os.path.join(os.environ.get("FACENET_SHARED", os.path.join(REPO, "..", "shared")),
                   "data", "lfw-view1")
PKG = os.path.join(REPO, "models", "cache", "face-api-1.7.15")
CACHE = os.path.join(REPO, "build", "lfw_align_eval.pkl")
CASCADE = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"
VARIANTS = ("centre", "haar", "chip")


def pairs(name):
    lines = open(os.path.join(LFW, name)).read().split("\n")
    n, out = int(lines[0]), []
    for ln in lines[1:1 + 2 * n]:
        f = ln.split("\t")
        out.append((f[0], int(f[1]), f[0], int(f[2]), 1) if len(f) == 3
                   else (f[0], int(f[1]), f[2], int(f[3]), 0))
    return out


def photo(name, i):
    return os.path.join(LFW, "lfw-deepfunneled", name, "%s_%04d.jpg" % (name, i))


def sample(img, xs, ys):
    v = lmref.bilinear_sample(np.asarray(img, np.float64), xs, ys)
    return np.clip(np.rint(v), 0, 255).astype(np.uint8)


def resize_box(img, box, size=150):
    """box (x, y, w, h) to size x size, half-pixel centres."""
    x, y, w, h = box
    u = np.arange(size, dtype=np.float64)
    xs, ys = np.broadcast_arrays(x + (u[None, :] + 0.5) * w / size - 0.5,
                                 y + (u[:, None] + 0.5) * h / size - 0.5)
    return sample(img, xs, ys)


def chip(img, pts, size=150):
    m = geo.dlib_chip_affine(pts, size, 0.25)
    u = np.arange(size, dtype=np.float64)
    uu, vv = np.broadcast_arrays(u[None, :], u[:, None])
    return sample(img, m[0] * uu + m[1] * vv + m[2], m[3] * uu + m[4] * vv + m[5])


def accuracy(d, t):
    return np.mean((d[:, 0] < t) == (d[:, 1] == 1))


def best_threshold(d):
    return max(np.sort(d[:, 0]), key=lambda t: accuracy(d, t + 1e-9)) + 1e-9


def report(emb):
    tr, te = pairs("pairsDevTrain.txt"), pairs("pairsDevTest.txt")
    done = lambda P: [p for p in P if (p[0], p[1]) in emb["chip"] and (p[2], p[3]) in emb["chip"]]
    tr, te = done(tr), done(te)
    print("pairs with both photos embedded: DevTrain %d of 2200, DevTest %d of 1000; "
          "no Haar face in %d of %d photos" % (len(tr), len(te), len(emb["nohaar"]), len(emb["chip"])))
    if not te:
        return
    for v in VARIANTS:
        dist = lambda P: np.array([(np.linalg.norm(emb[v][(a, i)] - emb[v][(b, j)]), s)
                                   for a, i, b, j, s in P])
        dte = dist(te)
        line = "%-6s DevTest at 0.6: %.4f" % (v, accuracy(dte, 0.6))
        idx = np.random.default_rng(0).permutation(len(dte))
        folds = np.array_split(idx, 10)
        cv = np.mean([accuracy(dte[f], best_threshold(dte[np.setdiff1d(idx, f)])) for f in folds])
        line += "  10-fold on DevTest: %.4f" % cv
        if sum(p[4] for p in tr) and sum(1 - p[4] for p in tr):  # both kinds of pair
            t = best_threshold(dist(tr))
            line += "  threshold from DevTrain %.3f -> DevTest %.4f" % (t, accuracy(dte, t))
        print(line)


def main():
    emb = pickle.load(open(CACHE, "rb")) if os.path.exists(CACHE) else \
        {"centre": {}, "haar": {}, "chip": {}, "nohaar": set()}
    if "--report" in sys.argv:
        report(emb)
        return
    import cv2
    import torch
    from PIL import Image
    import ref_resnet29
    torch.set_num_threads(1)
    lm = lmref.LandmarkNet(lmref.load_tfjs_manifest(os.path.join(
        PKG, "model", "face_landmark_68_model-weights_manifest.json")))
    emb_net = ref_resnet29.Net(ref_resnet29.load_weights(PKG))
    casc = cv2.CascadeClassifier(CASCADE)
    order = []
    for P in (pairs("pairsDevTest.txt"), pairs("pairsDevTrain.txt")):
        for a, i, b, j, _ in P:
            for k in ((a, i), (b, j)):
                if k not in order:
                    order.append(k)
    todo = [k for k in order if k not in emb["chip"]]
    if "--limit" in sys.argv:
        todo = todo[:int(sys.argv[sys.argv.index("--limit") + 1])]
    batch, keys, t0 = {v: [] for v in VARIANTS}, [], time.time()
    for n, (name, i) in enumerate(todo):
        img = np.asarray(Image.open(photo(name, i)).convert("RGB"))
        det = casc.detectMultiScale(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), 1.3, 5)
        if len(det):
            d = min(det, key=lambda b: (b[0] + b[2] / 2 - 125) ** 2 + (b[1] + b[3] / 2 - 125) ** 2)
            box = tuple(float(v) for v in d)
        else:
            box = (75.0, 75.0, 100.0, 100.0)
            emb["nohaar"].add((name, i))
        batch["centre"].append(resize_box(img, (70, 70, 110, 110)))
        batch["haar"].append(resize_box(img, box))
        batch["chip"].append(chip(img, lmref.landmarks_for_box(lm, img, box)))
        keys.append((name, i))
        if len(keys) == 32 or n == len(todo) - 1:
            for v in VARIANTS:
                for k, e in zip(keys, emb_net.forward(np.stack(batch[v]))):
                    emb[v][k] = e
                batch[v].clear()
            keys.clear()
            os.makedirs(os.path.dirname(CACHE), exist_ok=True)
            pickle.dump(emb, open(CACHE + ".tmp", "wb"))
            os.replace(CACHE + ".tmp", CACHE)
            print("%d of %d photos, %.0fs" % (n + 1, len(todo), time.time() - t0), flush=True)
    report(emb)


if __name__ == "__main__":
    main()
