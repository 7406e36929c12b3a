#!/usr/bin/python3
"""compare_images.py - decode images with ours (build/imgdump) and with PIL, compare.

Usage (from the repo root, after `make`):
    /usr/bin/python3 tests/compare_images.py [--format jpeg|png|pnm|bmp|all]
        [--list FILE] [--dump build/imgdump] [--show N] PATH...
PATH is a file or a directory (searched recursively). --list FILE adds the
names in FILE (one a line). --format keeps only files whose BYTES are that
format (never the name: a PNG named .jpg exists in the shared data).

Reference: PIL (python3-pil, libjpeg-turbo and zlib underneath), the default
decode path, Image.open(f) then ImageOps.exif_transpose (our decoder applies
EXIF orientation, PIL only when asked) then .convert('L' or 'RGB') to match
the channel count our decoder returned (1 = gray, 3 = RGB); no draft mode.

16-bit gray (PIL mode I) is reduced by our documented rule instead of
convert('L'), which would clip: PNG high byte; PGM round(s*255/maxval).

Criteria (issue 4):
    JPEG: every pixel's channels within +-8, and >= 99.9% of pixels with
          every channel within +-2 (counted over all JPEG pixels);
    PNG, PNM, BMP: exact.
Exit status 0 when every file decodes and meets its criterion, 1 otherwise.
Prints a per-format summary; --show N lists the N worst files.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image, ImageOps

JPEG_TOL = 2
JPEG_TOL_FRACTION = 0.999
JPEG_MAX = 8


def sniff(path):
    """Format from the first bytes, like face_image_decode does."""
    with open(path, 'rb') as f:
        head = f.read(8)
    if head[:2] == b'\xff\xd8':
        return 'jpeg'
    if head[:8] == b'\x89PNG\r\n\x1a\n':
        return 'png'
    if len(head) >= 2 and head[0:1] == b'P' and head[1:2] in b'123456':
        return 'pnm'
    if head[:2] == b'BM':
        return 'bmp'
    return 'other'


def pnm_maxval(path):
    """maxval from a PGM/PPM header (tokens after the magic, comments skipped)."""
    with open(path, 'rb') as f:
        head = f.read(4096)
    tokens = []
    for line in head.split(b'\n'):
        tokens += line.split(b'#')[0].split()
        if len(tokens) >= 4:
            return int(tokens[3])
    raise ValueError('no maxval in the first 4 KiB')


def wide_gray_to_8bit(path, v):
    """PIL's 16-bit gray (mode I) to our 8-bit rule (face/face.h):
    PNG keeps the high byte; PGM gives round(s * 255 / maxval), ties to even,
    of the file's sample s. PIL returns s itself for maxval 65535 and
    round(s / maxval * 65535) otherwise, which we invert exactly."""
    v = v.astype(np.int64)
    if sniff(path) == 'png':
        return (v >> 8).astype(np.uint8)
    maxval = pnm_maxval(path)
    s = v if maxval == 65535 else (v * maxval + 32767) // 65535
    num = s * 255
    q, r = num // maxval, num % maxval
    q += (2 * r > maxval) | ((2 * r == maxval) & (q % 2 == 1))
    return q.astype(np.uint8)


def reference(path, channels):
    """PIL's pixels as uint8 [h][w][channels]."""
    im = Image.open(path)
    im = ImageOps.exif_transpose(im)
    if im.mode in ('I', 'I;16', 'I;16B') and channels == 1:
        a = wide_gray_to_8bit(path, np.asarray(im))
        return a.reshape(a.shape[0], a.shape[1], 1)
    im = im.convert('L' if channels == 1 else 'RGB')
    a = np.asarray(im, dtype=np.uint8)
    return a.reshape(a.shape[0], a.shape[1], channels)


def read_ours(stream):
    """One record from imgdump: (array, None) or (None, reason)."""
    line = stream.readline()
    if not line:
        return None, 'imgdump ended early'
    line = line.decode('utf-8', 'replace').rstrip('\n')
    if line.startswith('ERR '):
        return None, line[4:]
    parts = line.split()
    w, h, c = int(parts[1]), int(parts[2]), int(parts[3])
    n = w * h * c
    buf = stream.read(n)
    if len(buf) != n:
        return None, 'short pixel data from imgdump'
    return np.frombuffer(buf, dtype=np.uint8).reshape(h, w, c), None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('paths', nargs='*')
    ap.add_argument('--list')
    ap.add_argument('--format', default='all', choices=['jpeg', 'png', 'pnm', 'bmp', 'all'])
    ap.add_argument('--dump', default='build/imgdump')
    ap.add_argument('--show', type=int, default=5)
    args = ap.parse_args()

    files = []
    for p in args.paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                files += [os.path.join(root, n) for n in sorted(names)]
        else:
            files.append(p)
    if args.list:
        with open(args.list) as f:
            files += [l.strip() for l in f if l.strip()]
    files = sorted(set(files))
    fmts = {f: sniff(f) for f in files}
    files = [f for f in files if fmts[f] != 'other' and (args.format == 'all' or fmts[f] == args.format)]
    if not files:
        print('compare_images: no files of format %s found' % args.format)
        return 1
    if not os.access(args.dump, os.X_OK):
        print('compare_images: %s not found; run make first' % args.dump)
        return 1

    stats = {}  # format -> dict
    worst = []  # (max diff, fraction off, file)
    failures = []
    with tempfile.NamedTemporaryFile('w', delete=False) as lf:
        lf.write('\n'.join(files) + '\n')
        listname = lf.name
    try:
        with open(listname) as lin:
            proc = subprocess.Popen([args.dump, '-'], stdin=lin, stdout=subprocess.PIPE)
            for path in files:
                fmt = fmts[path]
                st = stats.setdefault(fmt, dict(files=0, failed=0, pixels=0, within=0, exact=0, maxdiff=0, over8=0))
                st['files'] += 1
                ours, why = read_ours(proc.stdout)
                if ours is None:
                    st['failed'] += 1
                    failures.append((path, 'ours: ' + why))
                    continue
                try:
                    ref = reference(path, ours.shape[2])
                except Exception as e:  # PIL refuses it: report, do not count as ours
                    st['failed'] += 1
                    failures.append((path, 'PIL: %s' % e))
                    continue
                if ref.shape != ours.shape:
                    st['failed'] += 1
                    failures.append((path, 'shape ours %s PIL %s' % (ours.shape, ref.shape)))
                    continue
                d = np.abs(ours.astype(np.int16) - ref.astype(np.int16)).max(axis=2)
                npx = d.size
                m = int(d.max())
                st['pixels'] += npx
                st['within'] += int((d <= JPEG_TOL).sum())
                st['exact'] += int((d == 0).sum())
                st['maxdiff'] = max(st['maxdiff'], m)
                if m > JPEG_MAX:
                    st['over8'] += 1
                worst.append((m, 1.0 - float((d <= JPEG_TOL).sum()) / npx, path, fmt))
            proc.stdout.close()
            proc.wait()
    finally:
        os.unlink(listname)

    ok = not failures
    for fmt, st in sorted(stats.items()):
        px = max(st['pixels'], 1)
        line = ('%-5s files %5d  failed %3d  pixels %11d  exact %.5f%%  within+-%d %.5f%%  max |diff| %d'
                % (fmt, st['files'], st['failed'], st['pixels'], 100.0 * st['exact'] / px, JPEG_TOL,
                   100.0 * st['within'] / px, st['maxdiff']))
        if fmt == 'jpeg':
            good = st['within'] >= JPEG_TOL_FRACTION * st['pixels'] and st['maxdiff'] <= JPEG_MAX
            line += '  (need >= %.1f%% and <= %d): %s' % (100 * JPEG_TOL_FRACTION, JPEG_MAX, 'PASS' if good else 'FAIL')
        else:
            good = st['exact'] == st['pixels']
            line += '  (need exact): %s' % ('PASS' if good else 'FAIL')
        ok = ok and good
        print(line)
    worst.sort(reverse=True)
    for m, frac, path, fmt in worst[:args.show]:
        if m == 0:
            break
        print('  worst: %s max %d, %.4f%% of pixels off by more than %d' % (path, m, 100 * frac, JPEG_TOL))
    for path, why in failures:
        print('  FAILED: %s: %s' % (path, why))
    print('compare_images: %s' % ('PASS' if ok else 'FAIL'))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
