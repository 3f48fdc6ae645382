import { createHash } from 'node:crypto';
import { errorMessage, isReadfirstError } from '../../core/errors.ts';
import { fromModelInput } from '../gate/pixel-stats.ts';
import { checkHeader, checkPixels, reject, type GateHeader } from '../gate/quality-gate.ts';
import type { ModelCard } from '../models/model-card.ts';
import type { QualityGateOutcome } from '../result.ts';
import { dicomToUnitImage } from './dicom-input.ts';
import { readImageMeta, type ImageMeta } from './image-meta.ts';
import { normalizeInput } from './normalize.ts';
import { rasterToUnitImage } from './raster.ts';
import { resizeToInput, type Placement } from './resize.ts';
import type { UnitImage } from './window.ts';

/** An image to score: DICOM bytes, or a PNG/JPEG with what its labels say about it. */
export type ImageSource = { kind: 'dicom'; bytes: Uint8Array } | { kind: 'raster'; bytes: Uint8Array; header?: Partial<GateHeader> };

/** Time spent before the model, in ms. */
export interface PrepTimings {
  decodeMs: number;
  preprocessMs: number;
}

/** What every prepared image reports, analysable or not. */
interface PrepBase {
  inputSha256: string;
  meta: ImageMeta | null;
  timings: PrepTimings;
}

/** The outcome of preparing one image for one model. */
export type PreparedImage =
  | (PrepBase & {
      status: 'ready';
      /** [C, H, W] and the normalised tensor the model reads. */
      dims: [number, number, number];
      tensor: Float32Array;
      placement: Placement;
      /** The windowed image's size (heat-maps are mapped back onto it). */
      columns: number;
      rows: number;
      /** The pixel gate's outcome (passed), with its measures. */
      gate: QualityGateOutcome;
    })
  | (PrepBase & { status: 'not-analysable'; gate: QualityGateOutcome })
  | (PrepBase & { status: 'failed'; reason: string });

const ms = (t0: number): number => Math.round((performance.now() - t0) * 100) / 100;

/**
 * Every stage before the model, as one list (MONAI Deploy's pre_process): header gate → decode
 * (Modality LUT) → VOI/percentile window → letterbox resize → pixel gate → normalisation.
 * CPU-heavy (tens of ms for a 1024² radiograph), so it runs in the inference worker threads
 * (runtime/worker.ts), never on the thread that acknowledges C-STORE and STOW-RS.
 * Never throws for a bad image: a refusal or failure is a result.
 */
export async function prepareImage(source: ImageSource, card: ModelCard): Promise<PreparedImage> {
  const timings: PrepTimings = { decodeMs: 0, preprocessMs: 0 };
  const inputSha256 = createHash('sha256').update(source.bytes).digest('hex');
  let meta: ImageMeta | null = null;
  const refuse = (gate: QualityGateOutcome): PreparedImage => ({ status: 'not-analysable', gate, inputSha256, meta, timings });
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
      const header = checkHeader(
        { modality: null, bodyPart: null, viewPosition: null, ...source.header, rows: unit.height, columns: unit.width },
        card,
      );
      if (!header.passed) return refuse(header);
    }
    timings.decodeMs = ms(tDecode);
  } catch (e) {
    if (isReadfirstError(e) && e.code === 'not-analysable') {
      return refuse(
        reject(e.details?.reason === 'unsupported-transfer-syntax' ? 'unsupported-transfer-syntax' : 'unsupported-image', e.message),
      );
    }
    return { status: 'failed', reason: `decode failed: ${errorMessage(e)}`, inputSha256, meta, timings };
  }
  const tPre = performance.now();
  const { data, placement } = await resizeToInput(unit, card.input);
  // The pixel checks measure the resized image (model resolution is plenty for them).
  const pixels = await checkPixels(fromModelInput(data, card.input.width, placement, unit.window));
  timings.preprocessMs = ms(tPre);
  if (!pixels.passed) return refuse(pixels);
  return {
    status: 'ready',
    dims: [card.input.channels, card.input.height, card.input.width],
    tensor: normalizeInput(data, card.input.normalization),
    placement,
    columns: unit.width,
    rows: unit.height,
    gate: pixels,
    inputSha256,
    meta,
    timings,
  };
}
