#!/usr/bin/python3
"""gen_png_golden.py - small PNG / PGM / PPM / BMP test files and their golden
pixel checksums, for tests/test_png.c and tests/test_pnm_bmp.c.

Run from the repository root with Debian's /usr/bin/python3 (numpy, PIL):
    /usr/bin/python3 tests/gen_png_golden.py
It rewrites tests/data/images/{png,pnm,bmp}_* and tests/data/images/golden_codecs.txt.

The files are written here by hand (struct + Python's zlib, not PIL's
encoders, which cannot write most PNG variants), so that every colour type x
bit depth, Adam7, all five filters, stored/fixed/dynamic deflate blocks, the
PNM variants (ASCII, binary, maxval 1..65535, comments) and the BMP variants
(1/4/8-bit palette, 24-bit, 32-bit BI_RGB and BITFIELDS, bottom-up and
top-down) are covered. The goldens come from PIL decoding those files (an
independent decoder), reduced to 8 bits by the rules face/png.c, face/pnm.c
and face/bmp.c document:
  - alpha dropped; palette -> RGB, or gray when every entry is gray;
  - 16-bit PNG samples: high byte (v >> 8);
  - PNM maxval != 255: round(v * 255 / maxval), ties to even. PIL returns
    16-bit values for gray maxval > 255 (rescaled to 65535 unless maxval is
    65535); for those few files the golden is computed from the samples the
    generator wrote, noted as "src=gen" in the golden file.
Golden line: name w h channels fnv1a64(pixels, row-major, interleaved) src

Seed 20261128; image shapes are listed in main().
"""
import os
import struct
import sys
import zlib
from fractions import Fraction

import numpy as np
from PIL import Image

OUT = "tests/data/images"
SEED = 20261128


def fnv1a64(b):
    h = 0xCBF29CE484222325
    for x in bytes(b):
        h ^= x
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


# ---------------------------------------------------------------- PNG writer
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_row(f, row, prev, bpp):
    out = bytearray(len(row))
    for i in range(len(row)):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i] if prev is not None else 0
        c = prev[i - bpp] if (prev is not None and i >= bpp) else 0
        pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][f]
        out[i] = (row[i] - pred) & 0xFF
    return bytes(out)


def pack_row(samples, depth):
    """samples: 1-D int array of one row's samples -> packed bytes."""
    if depth == 8:
        return bytes(samples.astype(np.uint8))
    if depth == 16:
        return samples.astype(">u2").tobytes()
    bits = "".join(format(int(s), "0%db" % depth) for s in samples)
    bits += "0" * (-len(bits) % 8)
    return bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def png_bytes(arr, ctype, depth, interlace, plte=None, trns=None, zopts=None, extra_chunks=()):
    """arr: [h][w][samples] ints. Filters cycle 0..4 by row so all five appear."""
    h, w, ns = arr.shape
    bpp = max(1, ns * depth // 8)
    raw = bytearray()
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    k = 0
    for x0, y0, dx, dy in passes:
        sub = arr[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        prev = None
        for row in sub:
            packed = pack_row(row.reshape(-1), depth)
            f = k % 5
            k += 1
            raw.append(f)
            raw += filter_row(f, packed, prev, bpp)
            prev = packed
    zopts = zopts or {}
    co = zlib.compressobj(zopts.get("level", 9), zlib.DEFLATED, 15, 9, zopts.get("strategy", zlib.Z_DEFAULT_STRATEGY))
    z = co.compress(bytes(raw)) + co.flush()
    out = b"\x89PNG\r\n\x1a\n"
    out += chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, interlace))
    for c in extra_chunks:
        out += c
    if plte is not None:
        out += chunk(b"PLTE", bytes(plte.reshape(-1).astype(np.uint8)))
    if trns is not None:
        out += chunk(b"tRNS", trns)
    # split the image data into several IDAT chunks
    step = max(1, len(z) // 3)
    for i in range(0, len(z), step):
        out += chunk(b"IDAT", z[i:i + step])
    out += chunk(b"IEND", b"")
    return out


# ------------------------------------------------------ reading back with PIL
def pil_pixels(path, want_channels):
    im = Image.open(path)
    im.load()
    a = np.array(im)
    mode = im.mode
    if mode in ("I", "I;16", "I;16B"):
        a = (a.astype(np.int64) >> 8).astype(np.uint8)
    elif mode == "1":
        a = a.astype(np.uint8) * 255
    elif mode in ("L", "RGB"):
        pass
    elif mode == "LA":
        a = a[:, :, 0]
    elif mode == "RGBA":
        a = a[:, :, :3]
    elif mode == "P":
        a = np.array(im.convert("RGB"))
    else:
        raise SystemExit("unexpected PIL mode %s for %s" % (mode, path))
    if a.ndim == 2:
        a = a[:, :, None]
    if want_channels == 1 and a.shape[2] == 3:
        assert (a[:, :, 0] == a[:, :, 1]).all() and (a[:, :, 0] == a[:, :, 2]).all(), path
        a = a[:, :, :1]
    if want_channels == 3 and a.shape[2] == 1:
        a = np.repeat(a, 3, axis=2)
    return np.ascontiguousarray(a.astype(np.uint8))


GOLDEN = []


def record(name, data, channels, pixels=None):
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        f.write(data)
    src = "gen"
    if pixels is None:
        pixels = pil_pixels(path, channels)
        src = "pil"
    h, w = pixels.shape[:2]
    GOLDEN.append("%s %d %d %d %016x %s" % (name, w, h, channels, fnv1a64(pixels.tobytes()), src))


def gen_png(rng):
    shapes = [(7, 5), (33, 17)]  # odd sizes: partial bytes, partial Adam7 passes
    for ctype, depths in [(0, [1, 2, 4, 8, 16]), (2, [8, 16]), (3, [1, 2, 4, 8]), (4, [8, 16]), (6, [8, 16])]:
        ns = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
        for depth in depths:
            for interlace in (0, 1):
                for (w, h) in shapes:
                    hi = (1 << depth) - 1
                    plte = None
                    if ctype == 3:
                        n = min(1 << depth, 200)
                        hi = n - 1
                        plte = rng.integers(0, 256, (n, 3))
                    arr = rng.integers(0, hi + 1, (h, w, ns))
                    name = "png_c%d_d%d_%s_%dx%d.png" % (ctype, depth, "i" if interlace else "n", w, h)
                    ch = 1 if ctype in (0, 4) else 3
                    record(name, png_bytes(arr, ctype, depth, interlace, plte=plte), ch)
    # palette with tRNS (ignored), gray palette (-> 1 channel), gray + tRNS
    arr = rng.integers(0, 16, (9, 11, 1))
    plte = rng.integers(0, 256, (16, 3))
    record("png_palette_trns.png", png_bytes(arr, 3, 4, 0, plte=plte, trns=bytes(range(0, 160, 10))), 3)
    g = rng.integers(0, 256, (16, 1))
    record("png_palette_gray.png", png_bytes(arr, 3, 8, 0, plte=np.repeat(g, 3, 1)), 1)
    arr = rng.integers(0, 256, (6, 10, 1))
    record("png_gray_trns.png", png_bytes(arr, 0, 8, 0, trns=b"\x00\x05"), 1)
    # deflate block types: stored (level 0), fixed Huffman (Z_FIXED), and a
    # bigger smooth image for long matches and several dynamic blocks
    arr = rng.integers(0, 256, (12, 20, 3))
    record("png_stored.png", png_bytes(arr, 2, 8, 0, zopts={"level": 0}), 3)
    record("png_fixed.png", png_bytes(arr, 2, 8, 0, zopts={"strategy": zlib.Z_FIXED}), 3)
    y, x = np.mgrid[0:96, 0:128]
    smooth = ((np.sin(x / 9.0) + np.cos(y / 5.0)) * 60 + 128).astype(np.int64)
    smooth = np.stack([smooth, smooth // 2, 255 - smooth], axis=2)
    record("png_smooth_128x96.png", png_bytes(smooth, 2, 8, 1), 3)
    # ancillary chunks before and between (skipped, but CRC-checked)
    arr = rng.integers(0, 256, (4, 4, 1))
    extra = (chunk(b"tEXt", b"Comment\x00made by gen_png_golden.py"), chunk(b"gAMA", struct.pack(">I", 45455)))
    record("png_ancillary.png", png_bytes(arr, 0, 8, 0, extra_chunks=extra), 1)
    # 1x1 and a wide single row
    record("png_1x1.png", png_bytes(rng.integers(0, 256, (1, 1, 3)), 2, 8, 1), 3)
    record("png_row_300x1.png", png_bytes(rng.integers(0, 256, (1, 300, 4)), 6, 8, 0), 3)
    # a PNG under a JPEG name: the decoder must go by the bytes
    record("png_named_as.jpg", png_bytes(rng.integers(0, 256, (3, 5, 3)), 2, 8, 0), 3)


def round_half_even(v, maxval):
    q = Fraction(int(v) * 255, maxval)
    return int(round(q))  # Fraction.__round__ rounds half to even


def gen_pnm(rng):
    cases = [("P5", 255, 1), ("P6", 255, 3), ("P2", 255, 1), ("P3", 255, 3), ("P5", 1, 1),
             ("P6", 100, 3), ("P3", 7, 3), ("P2", 1000, 1), ("P5", 1000, 1), ("P5", 65535, 1),
             ("P6", 65535, 3), ("P6", 4095, 3)]
    for magic, maxval, ch in cases:
        w, h = 13, 6
        v = rng.integers(0, maxval + 1, (h, w, ch))
        if maxval == 1000:
            # every sample value once (1001 = 77 x 13), ties of the rounding included
            w, h = 77, 13
            v = rng.permutation(1001).reshape(h, w, 1)
        head = "%s\n# generated by gen_png_golden.py\n%d %d\n# maxval next\n%d\n" % (magic, w, h, maxval)
        if magic in ("P2", "P3"):
            body = "\n".join(" ".join(str(int(s)) for s in row.reshape(-1)) for row in v) + "\n"
            data = (head + body).encode()
        else:
            data = head.encode() + (v.astype(np.uint8).tobytes() if maxval < 256 else v.astype(">u2").tobytes())
        name = "pnm_%s_max%d.%s" % (magic, maxval, "pgm" if ch == 1 else "ppm")
        ours = np.vectorize(lambda s: round_half_even(s, maxval))(v).astype(np.uint8)
        if ch == 1 and maxval > 255:
            # PIL gives mode I: raw for 65535, rescaled otherwise; golden from
            # the generator's samples (see the head comment), but check PIL
            # agrees where it can.
            path = os.path.join(OUT, name)
            with open(path, "wb") as f:
                f.write(data)
            if maxval == 65535:
                raw = np.array(Image.open(path)).astype(np.int64)
                assert (raw == v[:, :, 0]).all()
            record(name, data, ch, pixels=np.ascontiguousarray(ours))
        else:
            record(name, data, ch)
            assert GOLDEN[-1].split()[4] == "%016x" % fnv1a64(ours.tobytes()), name


def bmp_bytes(rgb_or_idx, bits, palette=None, top_down=False, bitfields=None, hsize=40):
    h, w = rgb_or_idx.shape[:2]
    stride = ((w * bits + 31) // 32) * 4
    rows = []
    for y in range(h):
        r = rgb_or_idx[y]
        if bits == 24:
            b = bytes(r[:, ::-1].astype(np.uint8).reshape(-1))
        elif bits == 32:
            if bitfields is None:
                b = bytes(np.concatenate([r[:, ::-1], np.full((w, 1), 0x5A)], 1).astype(np.uint8).reshape(-1))
            else:
                rm, gm, bm = bitfields[:3]
                shift = {0xFF: 0, 0xFF00: 8, 0xFF0000: 16, 0xFF000000: 24}
                v = (r[:, 0].astype(np.uint64) << shift[rm]) | (r[:, 1].astype(np.uint64) << shift[gm]) | \
                    (r[:, 2].astype(np.uint64) << shift[bm])
                if len(bitfields) == 4:  # alpha: a ramp, dropped by both decoders
                    v |= (np.arange(w, dtype=np.uint64) * 23 % 256) << shift[bitfields[3]]
                b = v.astype("<u4").tobytes()
        else:
            b = pack_row(r.reshape(-1), bits)
        rows.append(b + b"\x00" * (stride - len(b)))
    if not top_down:
        rows = rows[::-1]
    pix = b"".join(rows)
    npal = 0 if palette is None else len(palette)
    masks = b""
    comp = 0
    if bitfields is not None:
        comp = 3
        masks = struct.pack("<%dI" % len(bitfields), *bitfields)
    info = struct.pack("<IiiHHIIiiII", 40, w, -h if top_down else h, 1, bits, comp, len(pix), 2835, 2835, npal, 0)
    if hsize == 124:
        info = struct.pack("<I", 124) + info[4:] + masks + (b"\x00" * (124 - 40 - len(masks)))
        masks = b""
    pal = b"" if palette is None else b"".join(bytes([int(c[2]), int(c[1]), int(c[0]), 0]) for c in palette)
    off = 14 + len(info) + len(masks) + len(pal)
    head = b"BM" + struct.pack("<IHHI", off + len(pix), 0, 0, off)
    return head + info + masks + pal + pix


def gen_bmp(rng):
    w, h = 11, 7
    rgb = rng.integers(0, 256, (h, w, 3))
    record("bmp_24_bottomup.bmp", bmp_bytes(rgb, 24), 3)
    record("bmp_24_topdown.bmp", bmp_bytes(rgb, 24, top_down=True), 3)
    record("bmp_32_bgrx.bmp", bmp_bytes(rgb, 32), 3)
    record("bmp_32_bitfields.bmp", bmp_bytes(rgb, 32, bitfields=(0xFF0000, 0xFF00, 0xFF)), 3)
    record("bmp_32_bitfields_v5.bmp", bmp_bytes(rgb, 32, bitfields=(0xFF, 0xFF00, 0xFF0000, 0xFF000000), hsize=124), 3)
    for bits in (1, 4, 8):
        n = 1 << bits
        pal = rng.integers(0, 256, (n, 3))
        idx = rng.integers(0, n, (h, w, 1))
        record("bmp_%d_palette.bmp" % bits, bmp_bytes(idx, bits, palette=pal), 3)
        record("bmp_%d_palette_topdown.bmp" % bits, bmp_bytes(idx, bits, palette=pal, top_down=True), 3)
    ramp = np.repeat(np.arange(256)[:, None], 3, 1)
    idx = rng.integers(0, 256, (h, w, 1))
    record("bmp_8_gray.bmp", bmp_bytes(idx, 8, palette=ramp), 1)


def main():
    if not os.path.isdir("tests"):
        sys.exit("run from the repository root")
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.startswith(("png_", "pnm_", "bmp_")) or f == "golden_codecs.txt":
            os.remove(os.path.join(OUT, f))
    rng = np.random.default_rng(SEED)
    gen_png(rng)
    gen_pnm(rng)
    gen_bmp(rng)
    with open(os.path.join(OUT, "golden_codecs.txt"), "w") as f:
        f.write("# written by tests/gen_png_golden.py (seed %d): name w h channels fnv1a64 source\n" % SEED)
        f.write("\n".join(GOLDEN) + "\n")
    print("%d files in %s" % (len(GOLDEN), OUT))


if __name__ == "__main__":
    main()
