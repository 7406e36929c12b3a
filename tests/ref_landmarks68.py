#!/usr/bin/python3
"""ref_landmarks68.py - independent PyTorch reference of face-api's 68-point
landmark net (npm @vladmandic/face-api@1.7.15, model/face_landmark_68_model*),
and the goldens that tests/test_align.c compares our C pipeline with.

Written from the package's TypeScript (src/faceFeatureExtractor/, src/
faceLandmarkNet/) and the tfjs weights-manifest format; it shares no code with
the C side.

The net (input 112x112 RGB, NHWC):
  x = (pixel - (122.782, 117.001, 104.298)) / 255
  4 dense blocks (32, 64, 128, 256 channels), each:
    out1 = relu(conv0(x))        stride 2, SAME (block 0: plain 3x3 conv,
                                 the others depthwise-separable 3x3)
    out2 = sep(out1)             stride 1, SAME, depthwise 3x3 + pointwise 1x1 + bias
    out3 = sep(relu(out1 + out2))
    out4 = sep(relu(out1 + out2 + out3))
    y    = relu(out1 + out2 + out3 + out4)
  avg pool 7x7 stride 2 VALID (7x7 -> 1x1), fc 256 -> 136
  output (x0, y0, x1, y1, ...) relative to the 112x112 input square.

The crop (what face-api does for a detection box): the box region resized to
112x112 with tf.image.resizeBilinear (align_corners=False,
half_pixel_centers=False): output pixel (u, v) samples the source at
(box_x + u * box_w / 112, box_y + v * box_h / 112). For a square box inside
the image this is exactly face-api's extractFaceTensors + toBatchTensor; we
also use it for boxes that cross the border, with zeros outside the image
(bilinear taps outside the image count as 0), where face-api would clip the
box and pad it back to a square. Points map back as
(box_x + px * box_w, box_y + py * box_h).

Usage (from anywhere; paths are relative to the repository):
  ref_landmarks68.py ppm      decode the cases' photos (../shared/data, or
                              $FACENET_SHARED/data) with PIL into
                              build/testdata/landmarks68/*.ppm, so the C test
                              reads identical pixels (photos are never copied
                              into the repository); needs only PIL
  ref_landmarks68.py golden [--manifest M]
                              also run the net (manifest from `make models`)
                              and write tests/golden/landmarks68.txt
  No randomness.
"""
import argparse
import json
import os
import sys

import numpy as np

# torch is needed only to run the net ("golden"); "ppm" works without it.
try:
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover
    torch = F = None

MEAN_RGB = (122.782, 117.001, 104.298)
INPUT_SIZE = 112


def load_tfjs_manifest(manifest_path):
    """All tensors of a tfjs weights manifest as float32 numpy arrays, by name.

    Entries are stored back to back in the group's .bin files, in manifest
    order; a quantised entry ("quantization": {"dtype": "uint8", "scale", "min"})
    takes one byte per element and dequantises as q * scale + min."""
    with open(manifest_path) as f:
        groups = json.load(f)
    base = os.path.dirname(manifest_path)
    out = {}
    for g in groups:
        blob = b"".join(open(os.path.join(base, p), "rb").read() for p in g["paths"])
        off = 0
        for w in g["weights"]:
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            q = w.get("quantization")
            if q:
                if q["dtype"] != "uint8":
                    raise ValueError("%s: quantisation %s not handled" % (w["name"], q["dtype"]))
                raw = np.frombuffer(blob, np.uint8, n, off).astype(np.float64)
                arr = (raw * q["scale"] + q["min"]).astype(np.float32)
                off += n
            else:
                if w["dtype"] != "float32":
                    raise ValueError("%s: dtype %s not handled" % (w["name"], w["dtype"]))
                arr = np.frombuffer(blob, "<f4", n, off).astype(np.float32)
                off += 4 * n
            out[w["name"]] = arr.reshape(w["shape"])
        if off != len(blob):
            raise ValueError("manifest uses %d bytes of %d" % (off, len(blob)))
    return out


def _same_pad(x, k, s):
    """TensorFlow SAME padding (extra row/column at the bottom/right), NCHW."""
    h, w = x.shape[2], x.shape[3]
    oh, ow = -(-h // s), -(-w // s)
    ph = max((oh - 1) * s + k - h, 0)
    pw = max((ow - 1) * s + k - w, 0)
    return F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))


class LandmarkNet:
    def __init__(self, weights):
        t = lambda a: torch.from_numpy(np.ascontiguousarray(a)).double()
        self.w = {k: t(v) for k, v in weights.items()}

    def _conv(self, x, name, stride):
        f = self.w[name + "/filters"].permute(3, 2, 0, 1)  # HWIO -> OIHW
        return F.conv2d(_same_pad(x, 3, stride), f, self.w[name + "/bias"], stride)

    def _sep(self, x, name, stride):
        c = x.shape[1]
        dw = self.w[name + "/depthwise_filter"].permute(2, 3, 0, 1)  # HWC1 -> C1HW
        pw = self.w[name + "/pointwise_filter"].permute(3, 2, 0, 1)  # 11IO -> OI11
        y = F.conv2d(_same_pad(x, 3, stride), dw, None, stride, groups=c)
        return F.conv2d(y, pw, self.w[name + "/bias"])

    def _block(self, x, name, first):
        out1 = F.relu(self._conv(x, name + "/conv0", 2) if first else self._sep(x, name + "/conv0", 2))
        out2 = self._sep(out1, name + "/conv1", 1)
        out3 = self._sep(F.relu(out1 + out2), name + "/conv2", 1)
        out4 = self._sep(F.relu(out1 + out2 + out3), name + "/conv3", 1)
        return F.relu(out1 + out2 + out3 + out4)

    def __call__(self, crop):
        """crop: float array [112][112][3], RGB 0..255. Returns [68][2] in [0,1]."""
        x = torch.from_numpy(np.asarray(crop, np.float64)).permute(2, 0, 1)[None]
        x = (x - torch.tensor(MEAN_RGB, dtype=torch.float64).view(1, 3, 1, 1)) / 255.0
        for i in range(4):
            x = self._block(x, "dense%d" % i, i == 0)
        x = F.avg_pool2d(x, 7, 2)  # 7x7 -> 1x1
        y = x.flatten(1) @ self.w["fc/weights"] + self.w["fc/bias"]
        return y.view(68, 2).numpy()


def bilinear_sample(img, xs, ys):
    """img [H][W][3] float64; xs, ys same-shaped coordinate arrays (pixel
    centres at integers). Taps outside the image count as 0."""
    h, w = img.shape[:2]
    x0 = np.floor(xs).astype(np.int64)
    y0 = np.floor(ys).astype(np.int64)
    fx = (xs - x0)[..., None]
    fy = (ys - y0)[..., None]

    def tap(yy, xx):
        ok = (xx >= 0) & (xx < w) & (yy >= 0) & (yy < h)
        v = img[np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)]
        return v * ok[..., None]

    return ((1 - fy) * ((1 - fx) * tap(y0, x0) + fx * tap(y0, x0 + 1))
            + fy * ((1 - fx) * tap(y0 + 1, x0) + fx * tap(y0 + 1, x0 + 1)))


def crop_for_landmarks(img, box):
    """face-api's crop of box (x, y, w, h) resized to 112x112 (see the head comment)."""
    bx, by, bw, bh = box
    u = np.arange(INPUT_SIZE, dtype=np.float64)
    xs = bx + u[None, :] * (bw / INPUT_SIZE)
    ys = by + u[:, None] * (bh / INPUT_SIZE)
    xs, ys = np.broadcast_arrays(xs, ys)
    return bilinear_sample(np.asarray(img, np.float64), xs, ys)


def landmarks_for_box(net, img, box):
    """68 points in image coordinates for a detection box (x, y, w, h)."""
    rel = net(crop_for_landmarks(img, box))
    bx, by, bw, bh = box
    return np.stack([bx + rel[:, 0] * bw, by + rel[:, 1] * bh], 1)


# Real faces for the goldens: (image relative to the shared data folder, box
# x y w h). The boxes are fixed numbers (squares about where a frontal Haar
# cascade puts these faces), so the goldens depend only on weights and pixels.
CASES = [
    ("lfw-view1/lfw-deepfunneled/Aaron_Peirsol/Aaron_Peirsol_0001.jpg", (72, 70, 106, 106)),
    ("lfw-view1/lfw-deepfunneled/Abdullah_Gul/Abdullah_Gul_0013.jpg", (68, 68, 114, 114)),
    ("detection/dlib_faces/2008_002506.jpg", (329, 78, 109, 109)),
    ("detection/dlib_faces/2008_001009.jpg", (145, 79, 76, 76)),
]

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# ../shared from the repository root, or $FACENET_SHARED (for worktrees elsewhere)
DATA = os.path.join(os.environ.get("FACENET_SHARED", os.path.join(REPO, "..", "shared")), "data")
PPM_DIR = os.path.join(REPO, "build", "testdata", "landmarks68")
GOLDEN = os.path.join(REPO, "tests", "golden", "landmarks68.txt")
MANIFEST = os.path.join(REPO, "models", "cache", "face-api-1.7.15", "model",
                        "face_landmark_68_model-weights_manifest.json")


def fnv1a64(b):
    h = 0xCBF29CE484222325
    for x in b:
        h = ((h ^ x) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def write_ppms():
    """Decode each case's image with PIL into PPM_DIR; returns [(name, rgb, box)]."""
    from PIL import Image
    os.makedirs(PPM_DIR, exist_ok=True)
    out = []
    for rel, box in CASES:
        path = os.path.join(DATA, rel)
        if not os.path.exists(path):
            print("ref_landmarks68: %s absent, case skipped" % path, file=sys.stderr)
            continue
        img = np.asarray(Image.open(path).convert("RGB"))
        name = os.path.splitext(os.path.basename(rel))[0]
        Image.fromarray(img).save(os.path.join(PPM_DIR, name + ".ppm"))
        out.append((name, img, box))
    return out


def main():
    ap = argparse.ArgumentParser(description="face-api 68-point landmark reference")
    ap.add_argument("cmd", choices=["ppm", "golden"],
                    help="ppm: decode the cases' images into %s; golden: also write %s"
                    % (PPM_DIR, GOLDEN))
    ap.add_argument("--manifest", default=MANIFEST)
    a = ap.parse_args()
    cases = write_ppms()
    if a.cmd == "ppm":
        print("ref_landmarks68: %d PPMs in %s" % (len(cases), PPM_DIR))
        return
    net = LandmarkNet(load_tfjs_manifest(a.manifest))
    lines = ["# ref_landmarks68.py: face-api's 68-point landmark net in float64 PyTorch",
             "# per case: NAME fnv1a64(RGB bytes of build/testdata/landmarks68/NAME.ppm) x y w h",
             "# then 68 lines 'x y': the points in image pixels"]
    for name, img, box in cases:
        pts = landmarks_for_box(net, img, box)
        lines.append("%s %016x %g %g %g %g" % ((name, fnv1a64(img.tobytes())) + tuple(box)))
        lines += ["%.6f %.6f" % (x, y) for x, y in pts]
    with open(GOLDEN, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("ref_landmarks68: wrote %s (%d cases)" % (GOLDEN, len(cases)))


if __name__ == "__main__":
    main()
