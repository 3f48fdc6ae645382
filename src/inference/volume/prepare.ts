import { errorMessage } from '../../core/errors.ts';
import { decodeFrame } from '../../dicom/pixels/decode.ts';
import { normalizeInput } from '../preprocess/normalize.ts';
import { assembleVolume } from './assemble.ts';
import type { PrepareReply, PrepareRequest } from './protocol.ts';
import { readSliceHeaders, type SliceHeader } from './slice-header.ts';
import { SlabBuilder, resizePlane } from './slab.ts';
import { applyWindow, bodyMaskStats, normalizeMr } from './windows.ts';

type Post = (m: PrepareReply, transfer?: ArrayBuffer[]) => void;
/** The bytes of file `index` of the series (read through InstanceFiles by the engine). */
export type ReadFile = (index: number) => Promise<Uint8Array>;

/** Modality values (HU for CT) of one plane: decode, then this frame's own rescale (enhanced objects keep it per frame). */
async function modalityPlane(bytes: Uint8Array, h: SliceHeader): Promise<Float32Array> {
  const f = await decodeFrame(bytes, h.frameIndex);
  const { slope, intercept } = h.rescale;
  if (f.rescale.slope === slope && f.rescale.intercept === intercept) return f.values;
  const v = f.values;
  for (let i = 0; i < v.length; i++) v[i] = (((v[i] as number) - f.rescale.intercept) / f.rescale.slope) * slope + intercept;
  return v;
}

/**
 * Reads a series, file by file through `readFile` (never all at once), into 2.5D model inputs, off the main thread (prepare-worker.ts
 * runs this): headers first (assembly and refusal need no pixels), then each plane in volume
 * order is decoded, converted to modality units, windowed (CT) into its channels, resized, and
 * released; a slab is posted as soon as its neighbours are in. MR needs the whole series'
 * statistics first, so its planes are kept at model resolution (small) until normalised.
 * `credit` bounds the slabs in flight, so a slow engine never makes the worker hold the series.
 */
export async function prepareVolume(req: PrepareRequest, post: Post, credit: () => Promise<void>, readFile: ReadFile): Promise<void> {
  const t0 = performance.now();
  const headers: SliceHeader[] = [];
  const fileOf = new Map<string, number>();
  for (let file = 0; file < req.fileCount; file++) {
    try {
      for (const h of readSliceHeaders(await readFile(file))) {
        headers.push(h);
        fileOf.set(`${h.sopInstanceUid}|${h.frameIndex}`, file);
      }
    } catch (e) {
      post({
        type: 'refused',
        outcome: { ok: false, reason: 'missing-geometry', message: `an instance of the series is unreadable: ${errorMessage(e)}` },
      });
      return;
    }
  }
  const outcome = assembleVolume(headers, req.spec.limits);
  if (!outcome.ok) {
    post({ type: 'refused', outcome });
    return;
  }
  const { plan } = outcome;
  post({
    type: 'plan',
    headersMs: performance.now() - t0,
    summary: {
      slices: plan.slices.map((s) => ({ sopInstanceUid: s.sopInstanceUid, frameIndex: s.frameIndex, offsetMm: s.offsetMm })),
      rows: plan.rows,
      columns: plan.columns,
      spacing: plan.spacing,
      normal: plan.normal,
      excludedLocalizers: plan.excludedLocalizers,
    },
  });
  const { spec } = req;
  const planeSize = spec.width * spec.height;
  const channels = spec.windows?.length ?? 1;
  const builder = new SlabBuilder(spec.context, channels, planeSize, plan.slices.length);
  let peakRss = process.memoryUsage().rss;
  const emit = async (slabs: ReturnType<SlabBuilder['push']>): Promise<void> => {
    for (const s of slabs) {
      await credit();
      normalizeInput(s.data, spec.normalization);
      post({ type: 'slab', index: s.index, data: s.data }, [s.data.buffer as ArrayBuffer]);
    }
  };
  const tDecode = performance.now();
  let cachedFile = -1;
  let cachedBytes: Uint8Array = new Uint8Array(0);
  const mrPlanes: Float32Array[] = [];
  for (const slice of plan.slices) {
    const file = fileOf.get(`${slice.sopInstanceUid}|${slice.frameIndex}`) as number;
    // Enhanced objects hold every frame in one file: read it once, not once per frame.
    if (cachedFile !== file) {
      cachedBytes = await readFile(file);
      cachedFile = file;
    }
    const values = await modalityPlane(cachedBytes, slice.header);
    if (spec.windows) {
      const out = new Float32Array(channels * planeSize);
      spec.windows.forEach((w, c) =>
        out.set(resizePlane(applyWindow(values, w), plan.columns, plan.rows, spec.width, spec.height), c * planeSize),
      );
      await emit(builder.push(out));
    } else {
      mrPlanes.push(resizePlane(values, plan.columns, plan.rows, spec.width, spec.height));
    }
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  cachedBytes = new Uint8Array(0);
  if (spec.mr) {
    const sample = new Float32Array(mrPlanes.reduce((n, p) => n + Math.ceil(p.length / 7), 0));
    let k = 0;
    for (const p of mrPlanes) for (let i = 0; i < p.length; i += 7) sample[k++] = p[i] as number;
    const stats = bodyMaskStats(
      sample.subarray(0, k),
      spec.mr.type === 'percentile' ? spec.mr.low : 1,
      spec.mr.type === 'percentile' ? spec.mr.high : 99,
    );
    for (const p of mrPlanes) await emit(builder.push(normalizeMr(p, spec.mr, stats)));
  }
  post({ type: 'done', decodeMs: performance.now() - tDecode, peakRssBytes: peakRss });
}
