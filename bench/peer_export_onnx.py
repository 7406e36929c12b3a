#!/usr/bin/python3
"""peer_export_onnx.py - write dlib ResNet-29 (face-api.js's face recognition
net) as an ONNX file for the peer benchmark (bench/peer_ort.js).

The network is rebuilt in PyTorch from its published structure (face-api.js
src/faceRecognitionNet: conv 7x7/2 VALID + scale + ReLU, max pool 3x3/2
VALID, residual blocks of two 3x3 SAME convs, down blocks whose shortcut is a
2x2/2 average pool zero-padded in channels (and whose conv output is
zero-padded at the bottom/right when the pool is larger), global mean, fc
256->128). Batch-norm-like scale layers are folded into the convs, as our
converter does.

Weights: with --tfjs DIR (a folder holding face_recognition_model-weights_manifest.json
and its shards, from npm @vladmandic/face-api@1.7.15 model/) the real
uint8-quantised weights are dequantised (value = q*scale + min) and used;
without it, weights are random (numpy seed 1234): the time of a dense fp32
network does not depend on its weight values, only the embedding does.

Usage: /usr/bin/python3 bench/peer_export_onnx.py OUT.onnx [--tfjs DIR]
The ONNX graph has a dynamic batch axis; input "input" is NCHW float32
1x3x150x150 (already normalised), output "embedding" Nx128.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

STAGES = [  # (prefix, c_in, c_out, down)
    ("conv32_1", 32, 32, False), ("conv32_2", 32, 32, False), ("conv32_3", 32, 32, False),
    ("conv64_down", 32, 64, True), ("conv64_1", 64, 64, False), ("conv64_2", 64, 64, False),
    ("conv64_3", 64, 64, False),
    ("conv128_down", 64, 128, True), ("conv128_1", 128, 128, False), ("conv128_2", 128, 128, False),
    ("conv256_down", 128, 256, True), ("conv256_1", 256, 256, False), ("conv256_2", 256, 256, False),
    ("conv256_down_out", 256, 256, True),
]


def load_tfjs(folder):
    """name -> float32 array, dequantised, from a tfjs weights manifest."""
    with open(os.path.join(folder, "face_recognition_model-weights_manifest.json")) as f:
        manifest = json.load(f)
    out = {}
    for group in manifest:
        blob = b"".join(open(os.path.join(folder, p), "rb").read() for p in group["paths"])
        off = 0
        for w in group["weights"]:
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            q = w.get("quantization")
            if q:
                dt = np.uint8 if q["dtype"] == "uint8" else np.uint16
                raw = np.frombuffer(blob, dtype=dt, count=n, offset=off)
                off += n * raw.itemsize
                val = raw.astype(np.float32) * np.float32(q["scale"]) + np.float32(q["min"])
            else:
                val = np.frombuffer(blob, dtype=np.float32, count=n, offset=off).copy()
                off += 4 * n
            out[w["name"]] = val.reshape(w["shape"])
    return out


class Net(torch.nn.Module):
    def __init__(self, weights):
        super().__init__()
        self.p = torch.nn.ParameterDict()
        for name, arr in weights.items():
            self.p[name.replace("/", "__")] = torch.nn.Parameter(torch.from_numpy(arr), requires_grad=False)

    def w(self, name):
        return self.p[name.replace("/", "__")]

    def conv(self, x, prefix, stride, relu, pad):
        y = F.conv2d(x, self.w(prefix + "/w"), self.w(prefix + "/b"), stride=stride, padding=pad)
        return F.relu(y) if relu else y

    def forward(self, x):
        x = self.conv(x, "conv32_down", 2, True, 0)
        x = F.max_pool2d(x, 3, 2)
        for prefix, cin, cout, down in STAGES:
            if not down:
                out = self.conv(x, prefix + "/conv1", 1, True, 1)
                out = self.conv(out, prefix + "/conv2", 1, False, 1)
                x = F.relu(out + x)
                continue
            out = self.conv(x, prefix + "/conv1", 2, True, 0)
            out = self.conv(out, prefix + "/conv2", 1, False, 1)
            pooled = F.avg_pool2d(x, 2, 2)
            if pooled.shape[2] != out.shape[2]:
                out = F.pad(out, (0, pooled.shape[3] - out.shape[3], 0, pooled.shape[2] - out.shape[2]))
            pooled = F.pad(pooled, (0, 0, 0, 0, 0, cout - cin))
            x = F.relu(out + pooled)
        x = x.mean(dim=(2, 3))
        return x @ self.w("fc")


def folded(raw, prefix):
    """OIHW conv weight and bias with the scale layer folded in."""
    f = raw[prefix + "/conv/filters"]            # HWIO
    b = raw[prefix + "/conv/bias"]
    s = raw[prefix + "/scale/weights"]
    sb = raw[prefix + "/scale/biases"]
    w = np.transpose(f, (3, 2, 0, 1)) * s[:, None, None, None]
    return w.astype(np.float32), (b * s + sb).astype(np.float32)


def weights_from(raw):
    out = {}
    out["conv32_down/w"], out["conv32_down/b"] = folded(raw, "conv32_down")
    for prefix, _, _, _ in STAGES:
        for c in ("conv1", "conv2"):
            out[prefix + "/" + c + "/w"], out[prefix + "/" + c + "/b"] = folded(raw, prefix + "/" + c)
    out["fc"] = raw["fc"].astype(np.float32)     # [256][128]
    return out


def random_weights():
    rng = np.random.default_rng(1234)

    def conv(cout, cin, k):
        w = rng.standard_normal((cout, cin, k, k)).astype(np.float32) * np.float32((2.0 / (cin * k * k)) ** 0.5)
        return w, (rng.standard_normal(cout) * 0.01).astype(np.float32)

    out = {}
    out["conv32_down/w"], out["conv32_down/b"] = conv(32, 3, 7)
    for prefix, cin, cout, _ in STAGES:
        out[prefix + "/conv1/w"], out[prefix + "/conv1/b"] = conv(cout, cin, 3)
        out[prefix + "/conv2/w"], out[prefix + "/conv2/b"] = conv(cout, cout, 3)
    out["fc"] = (rng.standard_normal((256, 128)) * 0.06).astype(np.float32)
    return out


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    dst = sys.argv[1]
    tfjs = sys.argv[sys.argv.index("--tfjs") + 1] if "--tfjs" in sys.argv else None
    weights = weights_from(load_tfjs(tfjs)) if tfjs else random_weights()
    net = Net(weights).eval()
    x = torch.zeros(1, 3, 150, 150)
    with torch.no_grad():
        torch.onnx.export(net, x, dst, input_names=["input"], output_names=["embedding"],
                          dynamic_axes={"input": {0: "n"}, "embedding": {0: "n"}}, opset_version=13)
    print("peer_export_onnx: wrote %s (%s weights)" % (dst, "tfjs" if tfjs else "random, seed 1234"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
