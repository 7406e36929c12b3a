#!/bin/sh
# bench_jpeg.sh - our JPEG decode time vs libjpeg-turbo (PIL) in one run.
#
# Usage: bench/bench_jpeg.sh [DIR] [rounds]
#   DIR: folder of JPEGs; default: the six 1920-px demo photos of npm
#   @vladmandic/face-api@1.7.15, fetched once with `npm pack` into
#   /tmp/facenet-jpeg-bench (never committed).
#   rounds (default 3): ours and PIL alternate this many times, each round
#   2 warm-up + 9 timed decodes per file; the medians of the per-round
#   totals are compared. Times are CPU time of the decoding process
#   (the machine is shared; wall time would mostly measure the wait).
# Needs: make (build/bench/bench_jpeg), Debian /usr/bin/python3 with PIL.
set -e
DIR=${1:-}
ROUNDS=${2:-3}
if [ -z "$DIR" ]; then
    DIR=/tmp/facenet-jpeg-bench/package/demo
    if [ ! -f "$DIR/sample1.jpg" ]; then
        mkdir -p /tmp/facenet-jpeg-bench
        (cd /tmp/facenet-jpeg-bench && npm pack --silent @vladmandic/face-api@1.7.15 >/dev/null &&
         tar xzf vladmandic-face-api-1.7.15.tgz package/demo)
    fi
fi
make -s build/bench/bench_jpeg >/dev/null
exec /usr/bin/python3 - "$DIR" "$ROUNDS" <<'PYEOF'
import glob, io, os, statistics, subprocess, sys, time
from PIL import Image
d, rounds = sys.argv[1], int(sys.argv[2])
files = sorted(f for f in glob.glob(os.path.join(d, '*')) if f.lower().endswith(('.jpg', '.jpeg')))
data = [open(f, 'rb').read() for f in files]

def pil_round():
    per = []
    for b in data:
        ts = []
        for r in range(11):
            t0 = time.process_time()
            im = Image.open(io.BytesIO(b))
            im.load()
            t = time.process_time() - t0
            if r >= 2:
                ts.append(t)
        per.append(statistics.median(ts) * 1e3)
    return per

def ours_round():
    out = subprocess.run(['build/bench/bench_jpeg', d, '9'], check=True, capture_output=True, text=True).stdout
    per = {}
    for line in out.splitlines():
        p = line.split()
        if p[0] == 'file' and 'median_ms' in p:
            per[p[1]] = float(p[p.index('median_ms') + 1])
    return [per[os.path.basename(f)] for f in files]

ours, pil = [], []
for r in range(rounds):
    ours.append(ours_round())
    pil.append(pil_round())
print('bench_jpeg.sh: %d files in %s, %d alternating rounds, CPU ms (median over rounds)' % (len(files), d, rounds))
print('%-14s %10s %10s %7s' % ('file', 'ours', 'PIL', 'ratio'))
for i, f in enumerate(files):
    o = statistics.median(x[i] for x in ours)
    p = statistics.median(x[i] for x in pil)
    print('%-14s %10.2f %10.2f %7.2f' % (os.path.basename(f), o, p, o / p))
to = statistics.median(sum(x) for x in ours)
tp = statistics.median(sum(x) for x in pil)
print('%-14s %10.2f %10.2f %7.2f   (ours / libjpeg-turbo via PIL; goal <= 1.5)' % ('total', to, tp, to / tp))
PYEOF
