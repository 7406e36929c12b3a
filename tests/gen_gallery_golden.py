#!/usr/bin/python3
"""gen_gallery_golden.py - write tests/data/gallery_v1.db, a gallery file made
independently of face/gallery.c (Python struct + zlib.crc32, from the spec in
face/GALLERY_FORMAT.md alone). tests/test_gallery.c loads it, checks every
field, and checks that our writer reproduces it byte for byte.

No randomness: dim 5, three entries with hand-picked values (all exact in
float32). Run from the repository root: /usr/bin/python3 tests/gen_gallery_golden.py
"""
import struct
import zlib

MODEL_ID = b"golden-model:sha256:0123abcd"
DIM = 5
ENTRIES = [
    ("Ada Lovelace", "train/ada/1.jpg", [0.5, -1.25, 3.0, 0.0, 1e-3]),
    ("Alan Turing", "", [1.0, 2.0, -0.375, 65504.0, -0.0]),
    # Non-ASCII name and file: UTF-8 is allowed (U+00E9, U+65E5).
    ("Ren\u00e9e \u65e5", "x/Ren\u00e9e.png", [0.125, 0.25, 0.5, 1.0, 2.0]),
]


def u32(v):
    return struct.pack("<I", v)


def main():
    head = b"FNGALLRY" + u32(1) + u32(0) + u32(DIM) + u32(len(ENTRIES)) + u32(len(MODEL_ID)) + MODEL_ID
    out = head + u32(zlib.crc32(head))
    for name, path, emb in ENTRIES:
        n, f = name.encode("utf-8"), path.encode("utf-8")
        body = u32(len(n)) + n + u32(len(f)) + f + struct.pack("<%df" % DIM, *emb)
        out += body + u32(zlib.crc32(body))
    with open("tests/data/gallery_v1.db", "wb") as fh:
        fh.write(out)
    print("tests/data/gallery_v1.db: %d bytes" % len(out))


if __name__ == "__main__":
    main()
