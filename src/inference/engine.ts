import { createHash } from 'node:crypto';
import { ReadfirstError, errorMessage, isReadfirstError } from '../core/errors.ts';
import { checkOod } from './gate/ood.ts';
import { checkHeader, checkPixels, reject, type GateHeader } from './gate/quality-gate.ts';
import { findingsOf } from './findings.ts';
import type { ModelPackage } from './models/model-package.ts';
import { dicomToUnitImage } from './preprocess/dicom-input.ts';
import { readImageMeta, type ImageMeta } from './preprocess/image-meta.ts';
import { fromModelInput } from './gate/pixel-stats.ts';
import { normalizeInput } from './preprocess/normalize.ts';
import type { ModelInput } from './preprocess/prepare.ts';
import { resizeToInput } from './preprocess/resize.ts';
import { rasterToUnitImage } from './preprocess/raster.ts';
import type { UnitImage } from './preprocess/window.ts';
import { ModelRegistry, type RegisteredModel } from './registry/model-registry.ts';
import type { RoutingRule } from './registry/routing.ts';
import type { FindingResult, InferenceTimings, QualityGateOutcome } from './result.ts';
import { InferencePool } from './runtime/pool.ts';
import type { OutputTensor } from './runtime/protocol.ts';
import type { CamGrid } from './explain/heatmap.ts';

/** An image to score: DICOM bytes, or a PNG/JPEG with what its labels say about it. */
export type ImageSource = { kind: 'dicom'; bytes: Uint8Array } | { kind: 'raster'; bytes: Uint8Array; header?: Partial<GateHeader> };

/** One model's reading of one image, before it is stored. */
export interface ImageScore {
  status: 'analysed' | 'not-analysable' | 'failed';
  /** Why not analysable or failed, in words. */
  statusReason?: string;
  gate: QualityGateOutcome | null;
  findings: FindingResult[];
  unclaimedFindings: FindingResult[];
  timings: InferenceTimings;
  inputSha256: string;
  meta: ImageMeta | null;
  /** For heat-maps: the windowed image's size, where it sat in the input, the CAM per finding key. */
  explain?: { columns: number; rows: number; input: ModelInput; cams: Map<string, CamGrid> };
}

export interface EngineOptions {
  packages: readonly ModelPackage[];
  shadowModels?: readonly string[];
  rules?: readonly RoutingRule[];
  workers: number;
  intraOpThreads: number;
  spinning?: boolean;
  maxBatch: number;
  jobTimeoutMs: number;
}

const ms = (t0: number): number => Math.round((performance.now() - t0) * 100) / 100;

/**
 * The inference engine: the registry of loaded models and the worker pool that runs them, and
 * the one path from image bytes to findings (header gate → decode/window → pixel gate →
 * resize/normalise → ONNX Runtime → OOD gate → decisions). The server, the benchmark and
 * `readfirst eval` all score images through `scoreImage`.
 */
export class InferenceEngine {
  private constructor(
    readonly registry: ModelRegistry,
    private readonly pool: Promise<InferencePool> | null,
  ) {
    // A pool that fails to start fails each job that needs it, with its reason; never unhandled.
    pool?.catch(() => undefined);
  }

  /**
   * Loads the registry and starts the workers. With `background`, it returns at once and the
   * workers load the models meanwhile (the first image waits for them): the server starts fast.
   */
  static async start(opts: EngineOptions & { background?: boolean }): Promise<InferenceEngine> {
    const registry = new ModelRegistry(opts.packages, opts.shadowModels, opts.rules);
    const models = registry.all().map((m) => ({
      id: m.pkg.card.id,
      onnxPath: m.pkg.onnxPath,
      inputName: m.pkg.card.input.name,
      outputNames: [m.pkg.card.outputs.probabilities, m.pkg.card.outputs.heatmap, m.pkg.card.ood?.output ?? m.pkg.card.outputs.features].filter(
        (n, i, all): n is string => n !== undefined && all.indexOf(n) === i,
      ),
    }));
    const pool = models.length
      ? InferencePool.start({ models, workers: opts.workers, intraOpThreads: opts.intraOpThreads, spinning: opts.spinning ?? false, maxBatch: opts.maxBatch, jobTimeoutMs: opts.jobTimeoutMs })
      : null;
    if (pool && !opts.background) await pool;
    return new InferenceEngine(registry, pool);
  }

  /** Resolves when the workers have loaded every model; rejects with the load error. */
  async ready(): Promise<void> {
    await this.pool;
  }

  async close(): Promise<void> {
    const pool = await this.pool?.catch(() => undefined);
    await pool?.close();
  }

  /**
   * Runs one prepared input ([C, H, W]) through a model on the worker pool: the volume path
   * (volume/score-volume.ts) prepares its own inputs in a worker and only needs the session.
   */
  async runPrepared(modelId: string, dims: number[], data: Float32Array): Promise<{ outputs: Record<string, OutputTensor>; queueMs: number; inferMs: number }> {
    if (!this.registry.get(modelId) || !this.pool) throw new ReadfirstError('not-found', `model ${modelId} is not loaded`);
    return (await this.pool).infer(modelId, dims, data);
  }

  /** Scores one image with one model; never throws for a bad image, it reports why instead. */
  async scoreImage(modelId: string, source: ImageSource): Promise<ImageScore> {
    const model = this.registry.get(modelId);
    if (!model || !this.pool) throw new ReadfirstError('not-found', `model ${modelId} is not loaded`);
    const t0 = performance.now();
    const timings: InferenceTimings = { queueMs: 0, decodeMs: 0, preprocessMs: 0, inferMs: 0, totalMs: 0 };
    const inputSha256 = createHash('sha256').update(source.bytes).digest('hex');
    let meta: ImageMeta | null = null;
    const done = (score: Omit<ImageScore, 'timings' | 'inputSha256' | 'meta' | 'findings' | 'unclaimedFindings'> & Partial<ImageScore>): ImageScore => ({
      findings: [],
      unclaimedFindings: [],
      ...score,
      timings: { ...timings, totalMs: ms(t0) },
      inputSha256,
      meta,
    });
    const refuse = (gate: QualityGateOutcome): ImageScore => done({ status: 'not-analysable', statusReason: gate.message ?? gate.reason ?? 'not analysable', gate });
    const card = model.pkg.card;
    let unit: UnitImage;
    try {
      const tDecode = performance.now();
      if (source.kind === 'dicom') {
        meta = readImageMeta(source.bytes);
        const header = checkHeader(meta, card);
        if (!header.passed) return refuse(header);
        unit = await dicomToUnitImage(source.bytes, meta, card.input.window, card.input.percentiles);
      } else {
        unit = await rasterToUnitImage(source.bytes, card.input.percentiles);
        const header = checkHeader({ modality: null, bodyPart: null, viewPosition: null, ...source.header, rows: unit.height, columns: unit.width }, card);
        if (!header.passed) return refuse(header);
      }
      timings.decodeMs = ms(tDecode);
    } catch (e) {
      if (isReadfirstError(e) && e.code === 'not-analysable') {
        return refuse(reject(e.details?.reason === 'unsupported-transfer-syntax' ? 'unsupported-transfer-syntax' : 'unsupported-image', e.message));
      }
      return done({ status: 'failed', statusReason: `decode failed: ${errorMessage(e)}`, gate: null });
    }
    const tPre = performance.now();
    const { data, placement } = await resizeToInput(unit, card.input);
    // The pixel checks measure the resized image (model resolution is plenty for them).
    const pixels = await checkPixels(fromModelInput(data, card.input.width, placement, unit.window));
    if (!pixels.passed) return refuse(pixels);
    const input: ModelInput = { dims: [card.input.channels, card.input.height, card.input.width], tensor: normalizeInput(data, card.input.normalization), placement };
    timings.preprocessMs = ms(tPre);
    let outputs: Record<string, OutputTensor>;
    try {
      const r = await (await this.pool).infer(modelId, input.dims, input.tensor);
      outputs = r.outputs;
      timings.queueMs = Math.round(r.queueMs * 100) / 100;
      timings.inferMs = Math.round(r.inferMs * 100) / 100;
    } catch (e) {
      return done({ status: 'failed', statusReason: `inference failed: ${errorMessage(e)}`, gate: pixels });
    }
    const featuresName = card.ood?.output ?? card.outputs.features;
    const ood = checkOod(featuresName ? outputs[featuresName]?.data : undefined, card);
    const gate: QualityGateOutcome = { passed: ood.passed, ...(ood.reason ? { reason: ood.reason, message: ood.message } : {}), measures: { ...pixels.measures, ...ood.measures } };
    if (!ood.passed) return refuse(gate);
    const probs = outputs[card.outputs.probabilities]?.data;
    if (!probs) return done({ status: 'failed', statusReason: `model gave no ${card.outputs.probabilities} output`, gate });
    const { claimed, unclaimed } = findingsOf(card, probs);
    return done({ status: 'analysed', gate, findings: claimed, unclaimedFindings: unclaimed, explain: { columns: unit.width, rows: unit.height, input, cams: camsOf(model, outputs) } });
  }
}

function camsOf(model: RegisteredModel, outputs: Record<string, OutputTensor>): Map<string, CamGrid> {
  const cams = new Map<string, CamGrid>();
  const name = model.pkg.card.outputs.heatmap;
  const cam = name ? outputs[name] : undefined;
  if (!cam || cam.dims.length !== 3) return cams;
  const [k = 0, h = 0, w = 0] = cam.dims;
  for (const f of model.pkg.card.findings) {
    if (f.index >= k) continue;
    cams.set(f.key, { width: w, height: h, data: cam.data.slice(f.index * h * w, (f.index + 1) * h * w) });
  }
  return cams;
}
