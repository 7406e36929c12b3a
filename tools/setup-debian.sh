#!/bin/sh
# setup-debian.sh - install what building, testing and `make models` need on
# a fresh Debian 12 machine. Safe to run again. Needs root (or sudo).
set -e
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
pkgs="build-essential clang libcmocka-dev nodejs npm opencv-data ca-certificates"
# model issue: PIL decodes the JPEG chips of the golden embedding test (tests/ref_resnet29.py ppm)
pkgs="$pkgs python3-pil"
# codecs: tests/gen_png_golden.py, compare_images.py, png_roundtrip_pil.py (PIL + numpy)
pkgs="$pkgs python3-numpy"
missing=
for p in $pkgs; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "setup-debian: installing$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
