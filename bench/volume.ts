/**
 * `npm run bench -- volume [--slices N] [--size N] [--threads N]`
 *
 * A synthetic head CT of N slices (default 300 at 512², signed 16-bit, stored as files) through
 * the CT pipeline test model (models/ct-phantom-demo, 2.5D: three slices in the brain window):
 * series assembly from the headers, streamed preparation in a worker thread, ONNX Runtime in the
 * engine's pool. Against a bare onnxruntime-node session on the same prepared slabs, same
 * threads, same run. Prints assembly and inference time, peak RSS, the main thread's
 * event-loop lag while the series is read, and the ratio.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { InferenceEngine } from '../src/inference/engine.ts';
import { loadModelPackage } from '../src/inference/models/model-package.ts';
import { prepareVolume } from '../src/inference/volume/prepare.ts';
import { prepareSpecOf, scoreVolume } from '../src/inference/volume/score-volume.ts';
import { makeCtSeries } from '../src/inference/volume/testing/ct-series.ts';

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const mb = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
const s1 = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

export async function main(args: string[]): Promise<void> {
  const slices = option(args, 'slices', 300);
  const size = option(args, 'size', 512);
  const threads = option(args, 'threads', 1);
  const pkg = await loadModelPackage(resolve('models/ct-phantom-demo'));
  const card = pkg.card;
  const volume = card.volume;
  if (!volume) throw new Error('ct-phantom-demo has no volume section');
  const dir = mkdtempSync(join(tmpdir(), 'rf-bench-volume-'));
  try {
    const files: string[] = [];
    let bytes = 0;
    // Written in chunks, so the generator never holds the whole series either.
    for (let from = 0; from < slices; from += 20) {
      const part = makeCtSeries({
        studyUid: '2.25.424242',
        seriesUid: '2.25.424242.1',
        sopPrefix: '2.25.424242.1.1',
        slices,
        rows: size,
        columns: size,
        lesionSlice: Math.floor(slices / 2),
        range: [from, from + 20],
      });
      for (const s of part) {
        const p = join(dir, `${s.index}.dcm`);
        writeFileSync(p, s.bytes);
        bytes += s.bytes.byteLength;
        files.push(p);
      }
    }
    process.stdout.write(
      `series: ${slices} slices ${size}², ${mb(bytes)} of files; model ${card.id}@${card.version} (${volume.kind}, ${card.input.channels} channels, ${card.input.width}²); intra-op threads ${threads}\n`,
    );

    // Bare ONNX Runtime on the same slabs, prepared beforehand (outside the timing).
    const slabs: Float32Array[] = [];
    await prepareVolume(
      { fileCount: files.length, spec: prepareSpecOf(card, volume) },
      (m) => {
        if (m.type === 'slab') slabs[m.index] = m.data;
      },
      async () => undefined,
      (i) => readFile(files[i] as string),
    );
    const session = await ort.InferenceSession.create(pkg.onnxPath, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    const dims = [1, card.input.channels, card.input.height, card.input.width];
    for (let i = 0; i < 3; i++) await session.run({ [card.input.name]: new ort.Tensor('float32', slabs[0] as Float32Array, dims) });
    const b0 = performance.now();
    for (const s of slabs) await session.run({ [card.input.name]: new ort.Tensor('float32', s, dims) });
    const bareMs = performance.now() - b0;

    const engine = await InferenceEngine.start({
      packages: [pkg],
      testModels: [card.id],
      workers: 1,
      intraOpThreads: threads,
      maxBatch: 4,
      jobTimeoutMs: 60_000,
    });
    try {
      // The engine's path for prepared tensors (worker pool, batches, copies) on the same slabs.
      await engine.runPrepared(card.id, dims.slice(1), (slabs[0] as Float32Array).slice());
      const e0 = performance.now();
      await Promise.all(slabs.map((s) => engine.runPrepared(card.id, dims.slice(1), s.slice())));
      const enginePreparedMs = performance.now() - e0;
      slabs.length = 0;
      global.gc?.();
      const rss0 = process.memoryUsage().rss;
      let mainPeak = rss0;
      const sampler = setInterval(() => (mainPeak = Math.max(mainPeak, process.memoryUsage().rss)), 20);
      const lag = monitorEventLoopDelay({ resolution: 10 });
      lag.enable();
      const t0 = performance.now();
      const score = await scoreVolume(
        engine.runPrepared.bind(engine),
        card,
        files.map((filePath) => ({ filePath })),
        { read: (f) => readFile(f.filePath) },
      );
      const totalMs = performance.now() - t0;
      lag.disable();
      clearInterval(sampler);
      if (score.status !== 'analysed') throw new Error(`series not analysed: ${score.statusReason}`);
      const inferOnlyMs = score.timings.inferMs;
      process.stdout.write(
        [
          `assembly (headers of ${slices} files, sort, checks): ${s1(score.timings.headersMs)}`,
          `preparation in the worker (decode, HU, window, resize, slabs): ${s1(score.timings.decodeMs)}`,
          `inference in the pool during the series: ${s1(inferOnlyMs)} of ORT batch time; whole series end to end: ${s1(totalMs)} (${(slices / (totalMs / 1000)).toFixed(1)} slices/s)`,
          `bare ORT on the same prepared slabs, one at a time: ${s1(bareMs)} (${(slices / (bareMs / 1000)).toFixed(1)} slices/s)`,
          `engine on the same prepared slabs (worker pool, batches of 4): ${s1(enginePreparedMs)} (${(slices / (enginePreparedMs / 1000)).toFixed(1)} slices/s)`,
          `ratio, engine vs bare ORT on the same prepared tensors: ${(bareMs / enginePreparedMs).toFixed(2)}× (target ≥ 0.8×)`,
          `ratio, whole series end to end vs bare ORT: ${(bareMs / totalMs).toFixed(2)}× (includes decoding every slice, which bare ORT does not)`,
          `peak RSS: main thread process ${mb(mainPeak)} (was ${mb(rss0)} before; the files are ${mb(bytes)}), preparation worker saw ${mb(score.peakRssBytes)}`,
          `event-loop lag on the main thread while the series was read: p50 ${(lag.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(lag.percentile(99) / 1e6).toFixed(1)} ms, max ${(lag.max / 1e6).toFixed(1)} ms`,
          `key slice: ${score.keySlices[0]?.sliceIndex} (lesion planted on ${Math.floor(slices / 2)}), probability ${score.findings[0]?.probability.toFixed(3)}`,
        ].join('\n') + '\n',
      );
    } finally {
      await engine.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
