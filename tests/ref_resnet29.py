#!/usr/bin/python3
"""ref_resnet29.py - an independent PyTorch copy of dlib's ResNet-29 face
descriptor as shipped in npm @vladmandic/face-api@1.7.15, and the golden
embeddings of tests/test_resnet29.c.

Independent of our C code: it reads the package's tfjs weights manifest and
.bin directly (uint8 affine tensors dequantised as value = q * scale + min,
float32 tensors as they are) and runs the layers described by the package's
src/faceRecognitionNet/*.ts with torch.nn.functional in float64, with batch
norm ("scale layer") kept separate from the convolution, where our converter
folds it.

Run from the repository root with Debian's python (torch 1.13, numpy, PIL):

    /usr/bin/python3 tests/ref_resnet29.py ppm      # JPEG chips -> build/testdata/resnet29/*.ppm
    /usr/bin/python3 tests/ref_resnet29.py golden   # PPMs -> tests/golden/resnet29_embeddings.txt
    /usr/bin/python3 tests/ref_resnet29.py embed FILE.ppm...   # print embeddings

The golden file also holds the embedding of a synthetic test card (no data
set needed), so that CI, which has no ../shared, still compares one input.

`ppm` decodes a fixed list of 150x150 chips from ../shared/data/identities/
dlib_johns (never copied into the repository) with PIL into binary PPM files,
so that the C test embeds exactly the pixels the golden was made from (JPEG
decoders differ in the last bit). The golden file records, per chip, an
FNV-1a 64 hash of those RGB bytes; the C test checks it before comparing.

The weights are found in models/cache/face-api-1.7.15/ (where `make models`
extracts them) or in the directory given by --package-dir.

Golden file format (text, one chip per line, '#' lines are comments):
    <chip name> <fnv1a64 of the RGB bytes, 16 hex digits> <128 floats, %.9g>
"""
import argparse
import json
import os
import sys

try:  # `ppm` needs PIL only; `golden` and `embed` need numpy and torch
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError:
    np = torch = F = None

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# ../shared from the repository root, or $FACENET_SHARED (for worktrees elsewhere)
SHARED = os.path.join(
    os.environ.get("FACENET_SHARED", os.path.join(REPO, "..", "shared")),
    "data", "identities", "dlib_johns",
)
PPM_DIR = os.path.join(REPO, "build", "testdata", "resnet29")
GOLDEN = os.path.join(REPO, "tests", "golden", "resnet29_embeddings.txt")
DEFAULT_PKG = os.path.join(REPO, "models", "cache", "face-api-1.7.15")

# Two chips of each of the five people (person/file under dlib_johns).
CHIPS = [
    "John_Salley/000179_02159509.jpg",
    "John_Salley/000200_02159354.jpg",
    "John_Savage/000264_01099001.jpg",
    "John_Savage/000299_01099008.jpg",
    "John_Schneider/000288_00925786.jpg",
    "John_Schneider/000331_00926012.jpg",
    "John_Shimkus/000373_03228153.jpg",
    "John_Shimkus/000396_03227722.jpg",
    "John_Simm/000288_00470387.jpg",
    "John_Simm/000310_00470511.jpg",
]

MEAN_RGB = (122.782, 117.001, 104.298)  # FaceRecognitionNet.ts, then / 255


def chip_paths():
    """(short name, path) of each chip: the name is person_file without .jpg."""
    out = []
    for c in CHIPS:
        person, name = c.split("/")
        out.append((person + "_" + os.path.splitext(name)[0], os.path.join(SHARED, person, name)))
    return out


def load_weights(pkg):
    """Name -> float64 numpy array, from the manifest and .bin of the package."""
    mdir = os.path.join(pkg, "model") if os.path.isdir(os.path.join(pkg, "model")) else pkg
    with open(os.path.join(mdir, "face_recognition_model-weights_manifest.json")) as f:
        manifest = json.load(f)
    weights = {}
    for group in manifest:
        blob = b"".join(open(os.path.join(mdir, p), "rb").read() for p in group["paths"])
        pos = 0
        for w in group["weights"]:
            count = int(np.prod(w["shape"]))
            q = w.get("quantization")
            if q:
                assert q["dtype"] == "uint8", q
                raw = np.frombuffer(blob, np.uint8, count, pos).astype(np.float64)
                # tfjs: value = q * scale + min, computed in double, stored as float32
                val = (raw * q["scale"] + q["min"]).astype(np.float32)
                pos += count
            else:
                assert w["dtype"] == "float32", w
                val = np.frombuffer(blob, "<f4", count, pos)
                pos += 4 * count
            weights[w["name"]] = val.astype(np.float64).reshape(w["shape"])
        assert pos == len(blob), (pos, len(blob))
    return weights


class Net:
    def __init__(self, weights):
        self.w = {k: torch.from_numpy(v) for k, v in weights.items()}

    def conv_layer(self, x, prefix, stride, relu, padding):
        """convLayer.ts: conv + bias, then the scale layer (x * weights + biases)."""
        f = self.w[prefix + "/conv/filters"].permute(3, 2, 0, 1)  # HWIO -> OIHW
        if padding == "same":  # 3x3 stride 1 only in this network: one pixel each side
            assert stride == 1 and f.shape[2] == 3
            x = F.pad(x, (1, 1, 1, 1))
        y = F.conv2d(x, f, self.w[prefix + "/conv/bias"], stride=stride)
        s = self.w[prefix + "/scale/weights"].view(1, -1, 1, 1)
        b = self.w[prefix + "/scale/biases"].view(1, -1, 1, 1)
        y = y * s + b
        return F.relu(y) if relu else y

    def residual(self, x, prefix):
        out = self.conv_layer(x, prefix + "/conv1", 1, True, "same")
        out = self.conv_layer(out, prefix + "/conv2", 1, False, "same")
        return F.relu(out + x)

    def residual_down(self, x, prefix):
        """residualLayer.ts residualDown: 3x3/2 VALID conv path; shortcut is a
        2x2/2 VALID average pool, zero channels appended when the width
        doubles; when the conv path is one pixel smaller, a zero row is
        appended at the bottom and a zero column at the right of it."""
        out = self.conv_layer(x, prefix + "/conv1", 2, True, "valid")
        out = self.conv_layer(out, prefix + "/conv2", 1, False, "same")
        pooled = F.avg_pool2d(x, 2, 2)
        if pooled.shape[2:] != out.shape[2:]:
            out = F.pad(out, (0, pooled.shape[3] - out.shape[3], 0, pooled.shape[2] - out.shape[2]))
        if pooled.shape[1] != out.shape[1]:
            pooled = torch.cat([pooled, torch.zeros_like(pooled)], 1)
        return F.relu(pooled + out)

    def forward(self, rgb):
        """rgb: uint8 numpy [N][150][150][3] -> float64 numpy [N][128]."""
        x = torch.from_numpy(rgb.astype(np.float64))
        x = (x - torch.tensor(MEAN_RGB, dtype=torch.float64)) / 255.0
        x = x.permute(0, 3, 1, 2)
        out = self.conv_layer(x, "conv32_down", 2, True, "valid")
        out = F.max_pool2d(out, 3, 2)
        for p in ("conv32_1", "conv32_2", "conv32_3"):
            out = self.residual(out, p)
        out = self.residual_down(out, "conv64_down")
        for p in ("conv64_1", "conv64_2", "conv64_3"):
            out = self.residual(out, p)
        out = self.residual_down(out, "conv128_down")
        for p in ("conv128_1", "conv128_2"):
            out = self.residual(out, p)
        out = self.residual_down(out, "conv256_down")
        for p in ("conv256_1", "conv256_2"):
            out = self.residual(out, p)
        out = self.residual_down(out, "conv256_down_out")
        avg = out.mean(dim=(2, 3))
        return (avg @ self.w["fc"]).numpy()


def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    parts, pos = [], 0
    while len(parts) < 4:
        while data[pos : pos + 1].isspace():
            pos += 1
        if data[pos : pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end : end + 1].isspace():
            end += 1
        parts.append(data[pos:end])
        pos = end
    assert parts[0] == b"P6" and parts[3] == b"255", path
    w, h = int(parts[1]), int(parts[2])
    px = np.frombuffer(data, np.uint8, w * h * 3, pos + 1).reshape(h, w, 3)
    return px


def fnv1a64(b):
    h = 0xCBF29CE484222325
    for byte in b:
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def cmd_ppm(_args):
    from PIL import Image

    if not os.path.isdir(SHARED):
        print("ref_resnet29: %s is absent: no chips to decode" % SHARED, file=sys.stderr)
        return 1
    os.makedirs(PPM_DIR, exist_ok=True)
    for name, path in chip_paths():
        img = Image.open(path).convert("RGB")
        assert img.size == (150, 150), (path, img.size)
        img.save(os.path.join(PPM_DIR, name + ".ppm"))
    print("ref_resnet29: wrote %d PPM files to %s" % (len(CHIPS), PPM_DIR))
    return 0


def need_torch():
    if torch is None:
        sys.exit("ref_resnet29: numpy and torch are needed (Debian python3-torch)")


def synthetic_pattern():
    """A 150x150 RGB test card that needs no data set (so the golden test runs
    in CI too): pixel (y, x, c) = (7x + 13y + 71c + (x*y mod 31) * 5) mod 256.
    tests/test_resnet29.c makes the same pixels."""
    y, x, c = np.meshgrid(np.arange(150), np.arange(150), np.arange(3), indexing="ij")
    return ((7 * x + 13 * y + 71 * c + ((x * y) % 31) * 5) % 256).astype(np.uint8)


def cmd_golden(args):
    need_torch()
    net = Net(load_weights(args.package_dir))
    lines = [
        "# golden embeddings of dlib ResNet-29 (npm @vladmandic/face-api@1.7.15), float64 torch,",
        "# written by tests/ref_resnet29.py golden from build/testdata/resnet29/*.ppm",
        "# (PIL %s decoding ../shared/data/identities/dlib_johns chips)." % __import__("PIL").__version__,
        "# The last line is synthetic_pattern() of this script, not a face.",
        "# chip  fnv1a64(RGB bytes)  128 floats",
    ]
    for name, _ in chip_paths():
        px = read_ppm(os.path.join(PPM_DIR, name + ".ppm"))
        emb = net.forward(px[None])[0]
        lines.append(
            "%s %016x %s" % (name, fnv1a64(px.tobytes()), " ".join("%.9g" % v for v in emb))
        )
    px = synthetic_pattern()
    emb = net.forward(px[None])[0]
    lines.append(
        "synthetic_pattern %016x %s" % (fnv1a64(px.tobytes()), " ".join("%.9g" % v for v in emb))
    )
    with open(GOLDEN, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("ref_resnet29: wrote %s" % GOLDEN)
    return 0


def cmd_embed(args):
    need_torch()
    net = Net(load_weights(args.package_dir))
    for path in args.files:
        emb = net.forward(read_ppm(path)[None])[0]
        print('{"file": "%s", "embedding": [%s]}' % (path, ", ".join("%.9g" % v for v in emb)))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--package-dir", default=DEFAULT_PKG)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("ppm")
    sub.add_parser("golden")
    e = sub.add_parser("embed")
    e.add_argument("files", nargs="+")
    args = ap.parse_args()
    return {"ppm": cmd_ppm, "golden": cmd_golden, "embed": cmd_embed}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
