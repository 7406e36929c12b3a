// ref_resnet29_tfjs.mjs - one-off cross-check of tests/ref_resnet29.py
// against the package itself: npm @vladmandic/face-api@1.7.15's own
// FaceRecognitionNet under TensorFlow.js 4.22.0 (pure-JS CPU backend), on the
// same PPM pixels. Not run by `make check` (it needs npm packages).
//
// Setup, in a scratch folder outside the repository:
//   npm install @tensorflow/tfjs@4.22.0
//   tar xzf .../models/cache/vladmandic-face-api-1.7.15.tgz package/dist/face-api.esm-nobundle.js
//   # the ESM build imports tfjs' bundler-only ESM entry and the webgl/wasm
//   # backends; point it at tfjs' node (CommonJS) build instead:
//   sed 's#import\*as mn from"@tensorflow/tfjs/dist/index.js";#import mn from"@tensorflow/tfjs";#;
//        s#import\*as pn from"@tensorflow/tfjs-backend-webgl/dist/index.js";#var pn;#;
//        s#import\*as un from"@tensorflow/tfjs-backend-wasm/dist/index.js";#var un;#' \
//     package/dist/face-api.esm-nobundle.js > face-api.esm-nobundle.mjs
//   cp REPO/tests/ref_resnet29_tfjs.mjs .
//   node ref_resnet29_tfjs.mjs REPO/models/cache/face-api-1.7.15/model REPO/build/testdata/resnet29/*.ppm
//
// It prints one JSON line per file, {"file", "embedding"}. Measured on
// 2026-11-28 against tests/golden/resnet29_embeddings.txt (torch, float64):
// max abs difference 1.97e-7 over the 10 chips x 128 components.
import tf from '@tensorflow/tfjs';
import * as faceapi from './face-api.esm-nobundle.mjs';
import fs from 'fs';

function readPPM(path) {
  const d = fs.readFileSync(path);
  let pos = 0; const parts = [];
  while (parts.length < 4) {
    while (/\s/.test(String.fromCharCode(d[pos]))) pos++;
    let end = pos; while (!/\s/.test(String.fromCharCode(d[end]))) end++;
    parts.push(d.slice(pos, end).toString()); pos = end;
  }
  const w = +parts[1], h = +parts[2];
  return tf.tensor3d(new Int32Array(d.slice(pos + 1, pos + 1 + w * h * 3)), [h, w, 3], 'int32');
}

await tf.setBackend('cpu');
await tf.ready();
const dir = process.argv[2];
const manifest = JSON.parse(fs.readFileSync(dir + '/face_recognition_model-weights_manifest.json'));
const bin = fs.readFileSync(dir + '/face_recognition_model.bin');
const ab = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
const weightMap = tf.io.decodeWeights(ab, manifest[0].weights);
const net = new faceapi.FaceRecognitionNet();
net.loadFromWeightMap(weightMap);
for (const f of process.argv.slice(3)) {
  const emb = await net.computeFaceDescriptor(readPPM(f));
  console.log(JSON.stringify({ file: f, embedding: Array.from(emb) }));
}
