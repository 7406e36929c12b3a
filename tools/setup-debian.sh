#!/bin/sh
# setup-debian.sh - install what building, testing and `make models` need on
# a fresh Debian 12 machine. Safe to run again. Needs root (or sudo).
set -e
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
pkgs="build-essential clang libcmocka-dev opencv-data ca-certificates"
# Node.js may come from elsewhere (nodesource bundles npm and conflicts with
# Debian's npm package): only install Debian's when there is no npm at all.
command -v npm >/dev/null 2>&1 || pkgs="$pkgs nodejs npm"
# model issue: PIL decodes the JPEG chips of the golden embedding test (tests/ref_resnet29.py ppm)
pkgs="$pkgs python3-pil"
# codecs: tests/gen_png_golden.py, compare_images.py, png_roundtrip_pil.py (PIL + numpy)
pkgs="$pkgs python3-numpy"
pkgs="$pkgs libjpeg-turbo-progs" # cjpeg: tests/gen_jpeg_golden.py
# tests/gen_detect_golden.py: OpenCV decodes the photos for test_detect and makes its goldens
pkgs="$pkgs python3-opencv"
missing=
for p in $pkgs; do
    # dpkg-query, not dpkg -s: the latter fails when a package is installed
    # for a second architecture too (e.g. libcmocka-dev:arm64 for cross tests).
    dpkg-query -W -f='${db:Status-Status}\n' "$p" 2>/dev/null | grep -qx installed ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "setup-debian: installing$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
