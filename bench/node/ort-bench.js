// Times onnxruntime-node 1.30.0 (the same libonnxruntime.so.1 our binding loads) on the same model and the
// same input tensor as the C# bench, with the same session settings. Usage:
//   node ort-bench.js MODEL INPUT.bin BATCH ITERATIONS THREADS OUT.json
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const [model, inputPath, batchArg, itersArg, threadsArg, outPath] = process.argv.slice(2);
  const batch = Number(batchArg), iterations = Number(itersArg), threads = Number(threadsArg);
  const one = new Float32Array(fs.readFileSync(inputPath).buffer.slice(0));
  const data = new Float32Array(one.length * batch);
  for (let i = 0; i < batch; i++) data.set(one, i * one.length);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionProviders: ['cpu'],
  });
  const inputName = session.inputNames[0];
  const run = async () => {
    const feeds = { [inputName]: new ort.Tensor('float32', data, [batch, 3, 224, 224]) };
    const out = await session.run(feeds);
    return out[session.outputNames[0]].data[0];
  };
  for (let i = 0; i < 10; i++) await run();
  const times = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const result = { runtime: 'onnxruntime-node ' + require('onnxruntime-node/package.json').version, batch, iterations, threads,
    medianMs: times[Math.floor(times.length / 2)], p90Ms: times[Math.floor(times.length * 0.9)], minMs: times[0] };
  fs.writeFileSync(outPath, JSON.stringify(result, null, 2));
  console.log(JSON.stringify(result));
}
main().catch(e => { console.error(e); process.exit(1); });
