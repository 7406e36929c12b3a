// peer_ort.js - time ONNX Runtime (npm onnxruntime-node) on an ONNX file, the
// peer our engine is compared with (bench/compare_ort.sh runs both in one go).
//
// Usage: NODE_PATH=<dir>/node_modules node bench/peer_ort.js MODEL.onnx THREADS BATCH [REPEATS]
// Prints one JSON line: {"peer": "onnxruntime-node", "version": ..., "threads": N,
// "batch": B, "ms_per_face": median, "ms_per_face_min": min, "cpu_ms_per_face":
// median process CPU time per face (user+system, all threads; on a busy
// machine the wall time includes time spent preempted, the CPU time not)}.
// Session: all graph optimisations, sequential execution, intra-op threads =
// THREADS, inter-op 1, spinning allowed (ORT's default). Input: a fixed
// pseudo-random batch; 20 warm-up runs, then REPEATS (default 200) timed runs.
'use strict';
const ort = require('onnxruntime-node');

async function main() {
    const [model, threadsArg, batchArg, repArg] = process.argv.slice(2);
    if (!model || !threadsArg || !batchArg) {
        console.error('usage: peer_ort.js MODEL.onnx THREADS BATCH [REPEATS]');
        process.exit(2);
    }
    const threads = parseInt(threadsArg, 10), batch = parseInt(batchArg, 10);
    const repeats = repArg ? parseInt(repArg, 10) : 200;
    const session = await ort.InferenceSession.create(model, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
    });
    const n = batch * 3 * 150 * 150;
    const data = new Float32Array(n);
    let s = 12345;
    for (let i = 0; i < n; i++) {
        s = (s * 1103515245 + 12345) >>> 0;
        data[i] = (s / 4294967296) - 0.5;
    }
    const feeds = {input: new ort.Tensor('float32', data, [batch, 3, 150, 150])};
    for (let i = 0; i < 20; i++) await session.run(feeds);
    const t = [], c = [];
    for (let i = 0; i < repeats; i++) {
        const c0 = process.cpuUsage();
        const t0 = process.hrtime.bigint();
        await session.run(feeds);
        t.push(Number(process.hrtime.bigint() - t0) / 1e6);
        const dc = process.cpuUsage(c0);
        c.push((dc.user + dc.system) / 1e3);
    }
    const median = (v) => {
        v.sort((a, b) => a - b);
        return v.length % 2 ? v[(v.length - 1) / 2] : 0.5 * (v[v.length / 2 - 1] + v[v.length / 2]);
    };
    const med = median(t), cmed = median(c);
    console.log(JSON.stringify({
        peer: 'onnxruntime-node', version: ort.env.versions.node, threads, batch,
        ms_per_face: +(med / batch).toFixed(4), ms_per_face_min: +(t[0] / batch).toFixed(4),
        cpu_ms_per_face: +(cmed / batch).toFixed(4),
    }));
}

main().catch((e) => { console.error('peer_ort: ' + e.message); process.exit(1); });
