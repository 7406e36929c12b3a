#!/usr/bin/python3
"""gen_jpeg_golden.py - small JPEG test files and their PIL-decoded pixels.

Run from the repo root:  /usr/bin/python3 tests/gen_jpeg_golden.py
Needs: Debian python3-pil, python3-numpy, python3-opencv, libjpeg-turbo-progs
(cjpeg writes the variants PIL cannot: 4:4:0, 4:1:1, restart intervals,
arithmetic coding, RGB without a colour transform).

Writes into tests/data/jpeg/:
  NAME.jpg           the test file
  NAME.jpg.pgm/.ppm  its pixels as decoded by PIL (libjpeg-turbo, default
                     islow IDCT, fancy upsampling), EXIF orientation applied
                     with ImageOps.exif_transpose; binary PGM (gray) / PPM
  manifest.txt       one line per file: NAME.jpg ok|unsupported
The source picture: 37x29 (odd, so every edge case of the MCU grid and of
the chroma upsampling is hit) smooth gradients + a few sharp edges + uniform
noise from numpy seed 4 (amplitude +-24); the restart files use a 75x53
crop of a larger picture (seed 5) so that several restart intervals occur.
"""
import io
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image, ImageOps

OUT = 'tests/data/jpeg'


def picture(w, h, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 128 + 100 * np.sin(x / w * 3.1) * np.cos(y / h * 2.3)
    g = 40 + 180 * (x + y) / (w + h)
    b = 200 - 150 * y / h
    img = np.stack([r, g, b], axis=2)
    img[h // 3:h // 3 + 5, :, :] = [250, 20, 30]      # a red bar: sharp chroma edges
    img[:, w // 2:w // 2 + 3, :] = [10, 240, 10]      # a green bar
    img += rng.uniform(-24, 24, size=img.shape)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), 'RGB')


def exif_orientation_block(value, big_endian):
    """An APP1 payload (without the marker) holding only IFD0 tag 0x0112."""
    e = '>' if big_endian else '<'
    tiff = (b'MM' if big_endian else b'II') + np.array([42], dtype=e + 'u2').tobytes()
    tiff += np.array([8], dtype=e + 'u4').tobytes()                  # IFD0 at offset 8
    tiff += np.array([1], dtype=e + 'u2').tobytes()                  # 1 entry
    tiff += np.array([0x0112, 3], dtype=e + 'u2').tobytes()          # tag, type SHORT
    tiff += np.array([1], dtype=e + 'u4').tobytes()                  # count
    tiff += np.array([value, 0], dtype=e + 'u2').tobytes()           # value, padding
    tiff += np.array([0], dtype=e + 'u4').tobytes()                  # no next IFD
    return b'Exif\x00\x00' + tiff


def pil_save(img, **kw):
    buf = io.BytesIO()
    img.save(buf, 'JPEG', **kw)
    return buf.getvalue()


def cjpeg(img, *args):
    with tempfile.TemporaryDirectory() as td:
        src = os.path.join(td, 'in.ppm' if img.mode == 'RGB' else 'in.pgm')
        img.save(src)
        return subprocess.run(['cjpeg', *args, src], check=True, stdout=subprocess.PIPE).stdout


def write_golden(name, data):
    im = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    mode = 'L' if im.mode == 'L' else 'RGB'
    im = im.convert(mode)
    ext = '.pgm' if mode == 'L' else '.ppm'
    im.save(os.path.join(OUT, name + ext))


def main():
    os.makedirs(OUT, exist_ok=True)
    pic = picture(37, 29, 4)
    big = picture(75, 53, 5)
    gray = pic.convert('L')
    files = []  # (name, bytes, expected)

    files.append(('rgb444.jpg', pil_save(pic, quality=90, subsampling=0), 'ok'))
    files.append(('rgb422.jpg', pil_save(pic, quality=90, subsampling=1), 'ok'))
    files.append(('rgb420.jpg', pil_save(pic, quality=90, subsampling=2), 'ok'))
    files.append(('rgb440.jpg', cjpeg(pic, '-quality', '90', '-sample', '1x2'), 'ok'))
    files.append(('rgb411.jpg', cjpeg(pic, '-quality', '90', '-sample', '4x1'), 'ok'))
    files.append(('rgb420_q20.jpg', pil_save(pic, quality=20, subsampling=2), 'ok'))
    files.append(('gray.jpg', pil_save(gray, quality=90), 'ok'))
    files.append(('prog420.jpg', pil_save(pic, quality=90, subsampling=2, progressive=True), 'ok'))
    files.append(('prog444.jpg', pil_save(pic, quality=95, subsampling=0, progressive=True), 'ok'))
    files.append(('prog_gray.jpg', cjpeg(gray, '-quality', '90', '-progressive'), 'ok'))
    files.append(('rst420.jpg', cjpeg(big, '-quality', '85', '-restart', '3B'), 'ok'))
    files.append(('rst_prog.jpg', cjpeg(big, '-quality', '85', '-progressive', '-restart', '2B'), 'ok'))
    files.append(('rgb_notransform.jpg', cjpeg(pic, '-quality', '90', '-rgb'), 'ok'))
    files.append(('tiny3x3_420.jpg', pil_save(picture(3, 3, 6), quality=90, subsampling=2), 'ok'))
    files.append(('one1x1.jpg', pil_save(picture(1, 1, 7), quality=90, subsampling=2), 'ok'))
    for o in range(2, 9):
        be = o % 2 == 0
        files.append(('exif%d_%s.jpg' % (o, 'be' if be else 'le'),
                      pil_save(pic, quality=90, subsampling=2, exif=exif_orientation_block(o, be)), 'ok'))
    files.append(('cmyk.jpg', pil_save(pic.convert('CMYK'), quality=90), 'unsupported'))
    files.append(('arith.jpg', cjpeg(pic, '-quality', '90', '-arithmetic'), 'unsupported'))

    with open(os.path.join(OUT, 'manifest.txt'), 'w') as man:
        for name, data, expect in files:
            with open(os.path.join(OUT, name), 'wb') as f:
                f.write(data)
            if expect == 'ok':
                write_golden(name, data)
            man.write('%s %s\n' % (name, expect))
    print('wrote %d files to %s' % (len(files), OUT))


if __name__ == '__main__':
    sys.exit(main())
