#!/bin/sh
# cross_weights.sh - the .fnw writer and reader across byte orders: build
# tests/cross_weights.c natively and for s390x (big-endian), write the file
# on this host, then check it under qemu-user on s390x (and the other way
# round). Needs gcc-s390x-linux-gnu and qemu-user (Debian); skips otherwise.
set -eu
cd "$(dirname "$0")/.."
out=build/cross
mkdir -p "$out"
if ! command -v s390x-linux-gnu-gcc >/dev/null 2>&1 || ! command -v qemu-s390x >/dev/null 2>&1; then
    echo "cross_weights: SKIPPED: needs gcc-s390x-linux-gnu and qemu-user"
    exit 0
fi
src="tests/cross_weights.c weights/common.c weights/read.c weights/write.c"
flags="-std=c11 -O2 -Wall -Wextra -D_POSIX_C_SOURCE=200809L -I."
cc $flags $src -lm -o $out/cross_weights_native
s390x-linux-gnu-gcc $flags -static $src -lm -o $out/cross_weights_s390x
$out/cross_weights_native write $out/le.fnw
qemu-s390x $out/cross_weights_s390x check $out/le.fnw
qemu-s390x $out/cross_weights_s390x write $out/be.fnw
$out/cross_weights_native check $out/be.fnw
echo "cross_weights: ok (little-endian x86 <-> big-endian s390x)"
