#!/bin/sh
# compare_ort.sh - our engine against ONNX Runtime on the same network, in one
# run on this machine: batch 1 and 8, threads 1 and 2.
#
#   sh bench/compare_ort.sh [ROUNDS] [REPEATS] [--tfjs DIR] [--model FILE]
#
# The peer: npm onnxruntime-node (installed with --ignore-scripts into
# $FACENET_CACHE/ort, default ~/.cache/facenet-run/ort, outside the repo; its
# install script only fetches GPU libraries) running an ONNX export of dlib
# ResNet-29 made by bench/peer_export_onnx.py (Debian python3-torch). Ours:
# `facenet-run bench` on the same network: models/dlib_resnet29.fnw when
# `make models` has run, else --model synthetic (random weights; the time of
# a dense fp32 net does not depend on the values); the ONNX file has the real
# weights when --tfjs points at face-api's model folder (default: the one
# `make models` extracted), random ones otherwise. With the real weights on
# both sides ORT's embedding matched ours to 4e-6 when this was written.
#
# The machine is shared: each configuration is measured ROUNDS times
# (default 3), ours and the peer's alternating, each measurement the median of
# REPEATS runs (default 100) after a warm-up; the line per configuration gives
# the best (lowest) median of each side over the rounds, its ratio, and the
# same for process CPU time per face (which excludes time spent preempted).
# Target of issue 6: ours <= 0.7 x ORT at 1 thread batch 1 and at 2 threads.
set -e
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
REPEATS=${2:-100}
# Defaults: the real model and its tfjs weights when `make models` has run.
MODEL=synthetic
TFJS=
if [ -f models/dlib_resnet29.fnw ]; then MODEL=models/dlib_resnet29.fnw; fi
if [ -d models/cache/face-api-1.7.15/model ]; then TFJS=models/cache/face-api-1.7.15/model; fi
shift 2 2>/dev/null || shift $#
while [ $# -gt 0 ]; do
    case "$1" in
    --tfjs) TFJS=$2; shift 2 ;;
    --model) MODEL=$2; shift 2 ;;
    *) echo "compare_ort: unknown argument $1" >&2; exit 2 ;;
    esac
done
CACHE=${FACENET_CACHE:-$HOME/.cache/facenet-run}
ORT_DIR=$CACHE/ort
ORT_VERSION=1.30.0
PY=/usr/bin/python3

if [ ! -d "$ORT_DIR/node_modules/onnxruntime-node" ]; then
    echo "compare_ort: installing onnxruntime-node@$ORT_VERSION into $ORT_DIR"
    mkdir -p "$ORT_DIR"
    (cd "$ORT_DIR" && [ -f package.json ] || (cd "$ORT_DIR" && npm init -y >/dev/null))
    (cd "$ORT_DIR" && npm install --ignore-scripts --no-audit --no-fund "onnxruntime-node@$ORT_VERSION" >/dev/null)
fi
ONNX=$CACHE/resnet29${TFJS:+_tfjs}.onnx
if [ ! -f "$ONNX" ]; then
    if [ -n "$TFJS" ]; then
        $PY bench/peer_export_onnx.py "$ONNX" --tfjs "$TFJS" 2>/dev/null
    else
        $PY bench/peer_export_onnx.py "$ONNX" 2>/dev/null
    fi
fi
[ -x ./facenet-run ] || make -s facenet-run

field() { # field NAME JSON -> value
    echo "$2" | sed -n "s/.*\"$1\": *\([0-9.eE+-]*\).*/\1/p"
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b + 0 < a + 0) print b; else print a }'; }

echo "compare_ort: $(date -u +%FT%TZ), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ours: facenet-run bench --model $MODEL (isa $(./facenet-run bench --model "$MODEL" --repeats 1 --json | sed -n 's/.*"isa": "\([a-z0-9]*\)".*/\1/p')); peer: onnxruntime-node $ORT_VERSION on $ONNX"
printf '%-18s %12s %12s %7s %12s %12s %7s\n' config ours_ms ort_ms ratio ours_cpu ort_cpu ratio
for cfg in "1 1" "2 1" "1 8" "2 8"; do
    set -- $cfg
    t=$1 b=$2
    ours= ort= oursc= ortc=
    r=0
    while [ $r -lt "$ROUNDS" ]; do
        rep=$REPEATS
        [ "$b" -gt 1 ] && rep=$(( (REPEATS + 7) / 8 ))
        j=$(./facenet-run bench --model "$MODEL" --threads "$t" --batch "$b" --repeats "$rep" --json)
        ours=$(min "$ours" "$(field ms_per_face "$j")")
        oursc=$(min "$oursc" "$(field cpu_ms_per_face "$j")")
        j=$(NODE_PATH="$ORT_DIR/node_modules" node bench/peer_ort.js "$ONNX" "$t" "$b" "$rep")
        ort=$(min "$ort" "$(field ms_per_face "$(echo "$j" | sed 's/":/": /g')")")
        ortc=$(min "$ortc" "$(field cpu_ms_per_face "$(echo "$j" | sed 's/":/": /g')")")
        r=$((r + 1))
    done
    awk -v c="threads $t batch $b" -v a="$ours" -v o="$ort" -v ac="$oursc" -v oc="$ortc" \
        'BEGIN { printf "%-18s %12.3f %12.3f %7.2f %12.3f %12.3f %7.2f\n", c, a, o, a / o, ac, oc, ac / oc }'
done
