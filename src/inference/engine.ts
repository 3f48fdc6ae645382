import { createHash } from 'node:crypto';
import { ReadfirstError, errorMessage } from '../core/errors.ts';
import { checkOod } from './gate/ood.ts';
import { findingsOf } from './findings.ts';
import type { ModelPackage } from './models/model-package.ts';
import type { ImageMeta } from './preprocess/image-meta.ts';
import type { ModelInput } from './preprocess/prepare.ts';
import type { ImageSource } from './preprocess/prepare-image.ts';
import { ModelRegistry, type RegisteredModel } from './registry/model-registry.ts';
import type { RoutingRule } from './registry/routing.ts';
import type { FindingResult, InferenceTimings, QualityGateOutcome } from './result.ts';
import { InferencePool } from './runtime/pool.ts';
import type { OutputTensor } from './runtime/protocol.ts';
import type { CamGrid } from './explain/heatmap.ts';

export type { ImageSource } from './preprocess/prepare-image.ts';

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
  explain?: { columns: number; rows: number; input: Omit<ModelInput, 'tensor'>; cams: Map<string, CamGrid> };
}

export interface EngineOptions {
  packages: readonly ModelPackage[];
  shadowModels?: readonly string[];
  /** Pipeline test models to route (their cards say `routeByDefault: false`). */
  testModels?: readonly string[];
  rules?: readonly RoutingRule[];
  workers: number;
  intraOpThreads: number;
  spinning?: boolean;
  /** Nice value of the worker threads (see WorkerInit.nice). */
  nice?: number;
  maxBatch: number;
  jobTimeoutMs: number;
}

const round = (v: number): number => Math.round(v * 100) / 100;
const ms = (t0: number): number => round(performance.now() - t0);
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * The inference engine: the registry of loaded models and the worker pool that runs them, and
 * the one path from image bytes to findings: in a worker thread, header gate → decode/window →
 * resize → pixel gate → normalise → ONNX Runtime (preprocess/prepare-image.ts, runtime/worker.ts);
 * here, OOD gate → decisions. The server, the benchmark and
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
    const registry = new ModelRegistry(opts.packages, opts.shadowModels, opts.rules, opts.testModels);
    // A model that can never be routed is listed, but not loaded into every worker.
    const models = registry
      .all()
      .filter((m) => registry.routable(m))
      .map((m) => ({
        id: m.pkg.card.id,
        card: m.pkg.card,
        onnxPath: m.pkg.onnxPath,
        inputName: m.pkg.card.input.name,
        outputNames: [
          m.pkg.card.outputs.probabilities,
          m.pkg.card.outputs.heatmap,
          m.pkg.card.ood?.output ?? m.pkg.card.outputs.features,
        ].filter((n, i, all): n is string => n !== undefined && all.indexOf(n) === i),
      }));
    // No workers (a scaled-out API or ingest process): the registry is listed, nothing is loaded.
    const pool =
      models.length && opts.workers > 0
        ? InferencePool.start({
            models,
            workers: opts.workers,
            intraOpThreads: opts.intraOpThreads,
            spinning: opts.spinning ?? false,
            nice: opts.nice ?? 0,
            maxBatch: opts.maxBatch,
            jobTimeoutMs: opts.jobTimeoutMs,
          })
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
  async runPrepared(
    modelId: string,
    dims: number[],
    data: Float32Array,
  ): Promise<{ outputs: Record<string, OutputTensor>; queueMs: number; inferMs: number }> {
    const model = this.registry.get(modelId);
    if (!model || !this.registry.routable(model) || !this.pool) throw new ReadfirstError('not-found', `model ${modelId} is not loaded`);
    return (await this.pool).infer(modelId, dims, data);
  }

  /**
   * Scores one image with one model; never throws for a bad image, it reports why instead.
   * Everything heavy (header gate, decode, window, resize, pixel gate, the model) runs in a
   * worker thread; this thread only copies the bytes there and turns the outputs into findings.
   */
  async scoreImage(modelId: string, source: ImageSource): Promise<ImageScore> {
    const model = this.registry.get(modelId);
    if (!model || !this.pool) throw new ReadfirstError('not-found', `model ${modelId} is not loaded`);
    const t0 = performance.now();
    const card = model.pkg.card;
    let r;
    try {
      r = await (await this.pool).run(modelId, source);
    } catch (e) {
      const timings = { queueMs: 0, decodeMs: 0, preprocessMs: 0, inferMs: 0, totalMs: ms(t0) };
      return {
        status: 'failed',
        statusReason: `inference failed: ${errorMessage(e)}`,
        gate: null,
        findings: [],
        unclaimedFindings: [],
        timings,
        inputSha256: sha256(source.bytes),
        meta: null,
      };
    }
    const p = r.item.prepared;
    if (!p) throw new ReadfirstError('internal', 'the worker did not prepare the image');
    const timings: InferenceTimings = {
      queueMs: round(r.queueMs),
      decodeMs: p.timings.decodeMs,
      preprocessMs: p.timings.preprocessMs,
      inferMs: 0,
      totalMs: 0,
    };
    const done = (
      score: Omit<ImageScore, 'timings' | 'inputSha256' | 'meta' | 'findings' | 'unclaimedFindings'> & Partial<ImageScore>,
    ): ImageScore => ({
      findings: [],
      unclaimedFindings: [],
      ...score,
      timings: { ...timings, totalMs: ms(t0) },
      inputSha256: p.inputSha256,
      meta: p.meta,
    });
    const refuse = (gate: QualityGateOutcome): ImageScore =>
      done({ status: 'not-analysable', statusReason: gate.message ?? gate.reason ?? 'not analysable', gate });
    if (p.status === 'not-analysable') return refuse(p.gate);
    if (p.status === 'failed') return done({ status: 'failed', statusReason: p.reason, gate: null });
    const outputs = r.item.outputs ?? {};
    timings.inferMs = round(r.inferMs);
    const featuresName = card.ood?.output ?? card.outputs.features;
    const ood = checkOod(featuresName ? outputs[featuresName]?.data : undefined, card);
    const gate: QualityGateOutcome = {
      passed: ood.passed,
      ...(ood.reason ? { reason: ood.reason, message: ood.message } : {}),
      measures: { ...p.gate.measures, ...ood.measures },
    };
    if (!ood.passed) return refuse(gate);
    const probs = outputs[card.outputs.probabilities]?.data;
    if (!probs) return done({ status: 'failed', statusReason: `model gave no ${card.outputs.probabilities} output`, gate });
    const { claimed, unclaimed } = findingsOf(card, probs);
    const input = { dims: p.dims, placement: p.placement };
    return done({
      status: 'analysed',
      gate,
      findings: claimed,
      unclaimedFindings: unclaimed,
      explain: { columns: p.columns, rows: p.rows, input, cams: camsOf(model, outputs) },
    });
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
