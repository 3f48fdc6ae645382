import { Worker } from 'node:worker_threads';
import { errorMessage } from '../../core/errors.ts';
import type { InstanceFiles, StoredFile } from '../../files/instance-files.ts';
import type { CamGrid } from '../explain/heatmap.ts';
import { findingResult } from '../findings.ts';
import type { ModelCard, VolumeSpec } from '../models/model-card.ts';
import type { FindingResult } from '../result.ts';
import type { OutputTensor } from '../runtime/protocol.ts';
import { DEFAULT_VOLUME_LIMITS, type VolumeRefusal } from './assemble.ts';
import type { PrepareControl, PrepareReply, PrepareRequest, PrepareSpec, VolumeSummary } from './protocol.ts';
import { resolveWindow } from './windows.ts';

/** Runs one prepared input on the model's ONNX Runtime session (the engine's worker pool). */
export type RunPrepared = (
  modelId: string,
  dims: number[],
  data: Float32Array,
) => Promise<{ outputs: Record<string, OutputTensor>; queueMs: number; inferMs: number }>;

/** The slice that drove a finding: where the viewer opens, and the heat-map's plane. */
export interface KeySlice {
  findingKey: string;
  /** 0-based position in the assembled volume (sorted along the normal). */
  sliceIndex: number;
  sopInstanceUid: string;
  frameIndex: number;
  probability: number;
}

/** One volume model's reading of one series, before it is stored. */
export interface VolumeScore {
  status: 'analysed' | 'not-analysable' | 'failed';
  statusReason?: string;
  refusal?: VolumeRefusal;
  summary: VolumeSummary | null;
  findings: FindingResult[];
  unclaimedFindings: FindingResult[];
  /** Per finding key, the probability of every slice in volume order. */
  perSlice: Record<string, number[]>;
  keySlices: KeySlice[];
  /** CAM of each finding's key slice (the input grid is the model input, stretched). */
  cams: Map<string, { sliceIndex: number; cam: CamGrid }>;
  timings: { headersMs: number; decodeMs: number; queueMs: number; inferMs: number; totalMs: number };
  peakRssBytes: number;
}

const BOOT = new URL('../runtime/worker-boot.js', import.meta.url);
const ENTRY = new URL('./prepare-worker.ts', import.meta.url).href;
/** Slabs the preparation worker may have in flight: enough to keep ORT fed, few enough to bound memory. */
const IN_FLIGHT = 8;

/** The preparation a card asks for. */
export function prepareSpecOf(card: ModelCard, volume: VolumeSpec): PrepareSpec {
  return {
    windows: volume.windows ? volume.windows.map(resolveWindow) : null,
    mr: volume.mrNormalization ?? null,
    context: volume.kind === '2.5d' ? volume.contextSlices : 0,
    width: card.input.width,
    height: card.input.height,
    normalization: card.input.normalization,
    limits: { ...DEFAULT_VOLUME_LIMITS, ...volume.limits },
    window: IN_FLIGHT,
  };
}

/** Series probability from slice probabilities, and the slices behind it (PS: `aggregation` in the card). */
export function aggregate(probs: readonly number[], a: VolumeSpec['aggregation']): { probability: number; slices: number[] } {
  const order = probs.map((p, i) => [p, i] as const).sort((x, y) => y[0] - x[0] || x[1] - y[1]);
  if (order.length === 0) return { probability: NaN, slices: [] };
  if (a.method === 'top-k-mean') {
    const top = order.slice(0, Math.min(a.k, order.length));
    return { probability: top.reduce((s, [p]) => s + p, 0) / top.length, slices: top.map(([, i]) => i) };
  }
  const [best] = order;
  return { probability: best?.[0] ?? NaN, slices: best ? [best[1]] : [] };
}

/**
 * Scores a series with a volume model: a worker thread assembles and prepares it (volume/
 * prepare.ts), each slab goes to ONNX Runtime as it arrives, slice scores aggregate to the
 * series finding as the card declares, and each finding keeps its key slice and that slice's
 * CAM. A series that cannot be assembled is "not analysable" with the reason, never scored.
 */
export async function scoreVolume(
  run: RunPrepared,
  card: ModelCard,
  files: readonly StoredFile[],
  instanceFiles: Pick<InstanceFiles, 'read'>,
): Promise<VolumeScore> {
  const volume = card.volume;
  const t0 = performance.now();
  const score: VolumeScore = {
    status: 'failed',
    summary: null,
    findings: [],
    unclaimedFindings: [],
    perSlice: {},
    keySlices: [],
    cams: new Map(),
    timings: { headersMs: 0, decodeMs: 0, queueMs: 0, inferMs: 0, totalMs: 0 },
    peakRssBytes: 0,
  };
  const finish = (): VolumeScore => ({ ...score, timings: { ...score.timings, totalMs: performance.now() - t0 } });
  if (!volume) return finish();
  const spec = prepareSpecOf(card, volume);
  const request: PrepareRequest = { fileCount: files.length, spec };
  const probsName = card.outputs.probabilities;
  const camName = card.outputs.heatmap;
  const k = card.findings.reduce((m, f) => Math.max(m, f.index + 1), 0);
  const slicesProbs: Float32Array[] = [];
  const bestCam = new Map<string, { p: number; sliceIndex: number; cam: CamGrid }>();
  const worker = new Worker(BOOT, { workerData: { entry: ENTRY, request } });
  const pending: Promise<void>[] = [];
  let failure: string | null = null;
  let answered = false;
  const dims = [card.input.channels, card.input.height, card.input.width];
  const onSlab = async (index: number, data: Float32Array): Promise<void> => {
    try {
      const r = await run(card.id, dims, data);
      score.timings.queueMs += r.queueMs;
      score.timings.inferMs += r.inferMs;
      const probs = r.outputs[probsName]?.data;
      if (!probs) throw new Error(`model gave no ${probsName} output`);
      slicesProbs[index] = probs.slice(0, k);
      const cam = camName ? r.outputs[camName] : undefined;
      if (cam && cam.dims.length === 3) {
        const [, h = 0, w = 0] = cam.dims;
        for (const f of card.findings) {
          const p = probs[f.index] ?? 0;
          const prev = bestCam.get(f.key);
          if (!prev || p > prev.p)
            bestCam.set(f.key, {
              p,
              sliceIndex: index,
              cam: { width: w, height: h, data: cam.data.slice(f.index * h * w, (f.index + 1) * h * w) },
            });
        }
      }
    } catch (e) {
      failure ??= `inference failed: ${errorMessage(e)}`;
    } finally {
      worker.postMessage({ type: 'credit', n: 1 } satisfies PrepareControl);
    }
  };
  await new Promise<void>((resolve) => {
    worker.on('message', (m: PrepareReply) => {
      switch (m.type) {
        case 'refused':
          score.status = 'not-analysable';
          score.refusal = m.outcome.reason;
          score.statusReason = `not analysable as a volume: ${m.outcome.message}`;
          return resolve();
        case 'plan':
          score.summary = m.summary;
          score.timings.headersMs = m.headersMs;
          return;
        case 'slab':
          pending.push(onSlab(m.index, m.data));
          return;
        case 'done':
          score.timings.decodeMs = m.decodeMs;
          score.peakRssBytes = m.peakRssBytes;
          return resolve();
        case 'error':
          failure ??= `volume preparation failed: ${m.message}`;
          return resolve();
        case 'read': {
          // One file at a time, handed over (transferred), so this thread holds none of the series.
          const file = files[m.index];
          if (!file) return worker.postMessage({ type: 'file-error', index: m.index, message: 'no such file' } satisfies PrepareControl);
          instanceFiles.read(file).then(
            (b) => {
              const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
              const own = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? bytes : bytes.slice();
              worker.postMessage({ type: 'file', index: m.index, bytes: own } satisfies PrepareControl, [own.buffer as ArrayBuffer]);
            },
            (e: unknown) => worker.postMessage({ type: 'file-error', index: m.index, message: errorMessage(e) } satisfies PrepareControl),
          );
          return;
        }
      }
    });
    worker.on('error', (e) => {
      failure ??= `volume preparation crashed: ${e.message}`;
      resolve();
    });
    worker.on('exit', (code) => {
      if (code !== 0 && !answered) failure ??= `volume preparation worker exited with code ${code}`;
      resolve();
    });
  });
  // The thread's last message is its answer; its module loader keeps it alive, so end it here.
  answered = true;
  await worker.terminate();
  await Promise.all(pending);
  if (score.status === 'not-analysable') return finish();
  const summary = score.summary;
  if (failure || !summary) {
    score.status = 'failed';
    score.statusReason = failure ?? 'volume preparation ended without a volume';
    return finish();
  }
  if (slicesProbs.length !== summary.slices.length || slicesProbs.some((p) => !p)) {
    score.status = 'failed';
    score.statusReason = `scored ${slicesProbs.filter(Boolean).length} of ${summary.slices.length} slices`;
    return finish();
  }
  for (const f of card.findings) {
    const perSlice = slicesProbs.map((p) => p[f.index] ?? NaN);
    score.perSlice[f.key] = perSlice.map((p) => Math.round(p * 1e4) / 1e4);
    const agg = aggregate(perSlice, volume.aggregation);
    (f.claimed ? score.findings : score.unclaimedFindings).push(findingResult(f, agg.probability));
    for (const i of agg.slices) {
      const s = summary.slices[i];
      if (s)
        score.keySlices.push({
          findingKey: f.key,
          sliceIndex: i,
          sopInstanceUid: s.sopInstanceUid,
          frameIndex: s.frameIndex,
          probability: perSlice[i] ?? NaN,
        });
    }
    const cam = bestCam.get(f.key);
    if (cam) score.cams.set(f.key, { sliceIndex: cam.sliceIndex, cam: cam.cam });
  }
  score.status = 'analysed';
  return finish();
}
