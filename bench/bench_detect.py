#!/usr/bin/python3
"""OpenCV's CascadeClassifier against face_detect, on the same gray photos, in one run.

  make build/bench/bench_detect
  /usr/bin/python3 tests/gen_detect_golden.py --prep build/detect_gray   # once
  /usr/bin/python3 bench/bench_detect.py [--repeats 7] [--scale 1.1]

Photos: the six face-api samples (npm @vladmandic/face-api@1.7.15), 640 px
and 1920 px wide, gray as OpenCV decodes them. Both sides: Debian's
haarcascade_frontalface_default.xml, min neighbours 5, min size 30.
OpenCV runs with cv2.setNumThreads(1); ours with 1 and 2 threads. Each
photo: 1 warm-up, then the median of --repeats runs. The two sides run one
after the other on a shared machine, so only ratios from one run mean
anything. Prints per-photo times and the mean per width, and the ratio
OpenCV / ours (higher is better for ours).
"""
import argparse
import glob
import os
import statistics
import subprocess
import sys
import time

import cv2

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CASCADE = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--scale", type=float, default=1.1)
    ap.add_argument("--bin", default=os.path.join(ROOT, "build/bench/bench_detect"))
    a = ap.parse_args()
    files = sorted(glob.glob(os.path.join(ROOT, "build/detect_gray/faceapi_sample*_640.pgm"))) + \
        sorted(glob.glob(os.path.join(ROOT, "build/detect_gray/faceapi_sample*_full.pgm")))
    if not files:
        print("bench_detect.py: no photos; run tests/gen_detect_golden.py --prep build/detect_gray first")
        return 0
    cv2.setNumThreads(1)
    casc = cv2.CascadeClassifier(CASCADE)
    cv_ms, cv_cpu = {}, {}
    for f in files:
        g = cv2.imread(f, cv2.IMREAD_GRAYSCALE)
        casc.detectMultiScale(g, scaleFactor=a.scale, minNeighbors=5, minSize=(30, 30))
        ts, tc = [], []
        for _ in range(a.repeats):
            t0, c0 = time.perf_counter(), time.thread_time()
            casc.detectMultiScale(g, scaleFactor=a.scale, minNeighbors=5, minSize=(30, 30))
            tc.append(1e3 * (time.thread_time() - c0))
            ts.append(1e3 * (time.perf_counter() - t0))
        cv_ms[f] = statistics.median(ts)
        cv_cpu[f] = statistics.median(tc)
    out = subprocess.run([a.bin, "--repeats", str(a.repeats), "--scale", str(a.scale)] + files,
                         check=True, capture_output=True, text=True).stdout
    ours, ours_cpu = {}, {}
    for line in out.splitlines():
        p = line.split()
        if p and p[0] == "photo":
            ours[(p[1], int(p[4]))] = float(p[6])
            ours_cpu[(p[1], int(p[4]))] = float(p[10])
        else:
            print(line)
    print("wall ms (median), and 1-thread CPU ms (median, robust to other load on the machine)")
    print("%-26s %9s %9s %9s %7s %7s | %9s %9s %7s" % ("photo", "cv-1t", "ours-1t", "ours-2t", "x(1t)", "x(2t)",
                                                     "cv-cpu", "ours-cpu", "x(cpu)"))
    groups = {}
    for f in files:
        o1, o2, oc = ours[(f, 1)], ours[(f, 2)], ours_cpu[(f, 1)]
        print("%-26s %9.1f %9.1f %9.1f %7.2f %7.2f | %9.1f %9.1f %7.2f" % (
            os.path.basename(f), cv_ms[f], o1, o2, cv_ms[f] / o1, cv_ms[f] / o2, cv_cpu[f], oc, cv_cpu[f] / oc))
        key = "640" if f.endswith("_640.pgm") else "1920"
        groups.setdefault(key, []).append((cv_ms[f], o1, o2, cv_cpu[f], oc))
    for key, v in groups.items():
        m = [statistics.mean(x[i] for x in v) for i in range(5)]
        print("mean %-4s px: wall opencv %.1f ms, ours %.1f ms (1 thread) %.1f ms (2 threads): %.2fx, %.2fx; "
              "cpu opencv %.1f ms, ours %.1f ms: %.2fx" % (key, m[0], m[1], m[2], m[0] / m[1], m[0] / m[2],
                                                         m[3], m[4], m[3] / m[4]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
