import sharp from 'sharp';
import type { Placement } from '../preprocess/resize.ts';

/** One class activation map: a coarse grid covering the whole model input (docs/model-package.md). */
export interface CamGrid {
  width: number;
  height: number;
  /** Raw logit contributions, row-major. */
  data: Float32Array;
}

/**
 * Maps a CAM back onto the original image grid (rows × columns): each original pixel is placed
 * in the model input (letterbox scale and offset) and the CAM sampled there bilinearly. Values
 * are scaled to [0, 1] by the map's positive maximum; negative evidence is 0.
 */
export function camToImageGrid(cam: CamGrid, inputW: number, inputH: number, p: Placement, columns: number, rows: number): Float32Array {
  let max = 0;
  for (const v of cam.data) if (v > max) max = v;
  const out = new Float32Array(columns * rows);
  if (max <= 0) return out;
  const sx = cam.width / inputW;
  const sy = cam.height / inputH;
  const colX = new Float32Array(columns);
  for (let x = 0; x < columns; x++) colX[x] = ((x + 0.5) * p.scaleX + p.offsetX) * sx - 0.5;
  for (let y = 0; y < rows; y++) {
    const cy = Math.min(cam.height - 1, Math.max(0, ((y + 0.5) * p.scaleY + p.offsetY) * sy - 0.5));
    const y0 = Math.floor(cy);
    const y1 = Math.min(cam.height - 1, y0 + 1);
    const fy = cy - y0;
    for (let x = 0; x < columns; x++) {
      const cx = Math.min(cam.width - 1, Math.max(0, colX[x] ?? 0));
      const x0 = Math.floor(cx);
      const x1 = Math.min(cam.width - 1, x0 + 1);
      const fx = cx - x0;
      const a = cam.data[y0 * cam.width + x0] ?? 0;
      const b = cam.data[y0 * cam.width + x1] ?? 0;
      const c = cam.data[y1 * cam.width + x0] ?? 0;
      const d = cam.data[y1 * cam.width + x1] ?? 0;
      const v = (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
      out[y * columns + x] = v <= 0 ? 0 : v / max;
    }
  }
  return out;
}

/** Jet-like colour scale, blue (low) → red (high). */
function jet(v: number): [number, number, number] {
  const r = Math.min(1, Math.max(0, 1.5 - Math.abs(4 * v - 3)));
  const g = Math.min(1, Math.max(0, 1.5 - Math.abs(4 * v - 2)));
  const b = Math.min(1, Math.max(0, 1.5 - Math.abs(4 * v - 1)));
  return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
}

/** Below this normalised value the colour overlay is fully transparent. */
export const OVERLAY_FLOOR = 0.2;

/** 8-bit grey PNG of a [0, 1] map (white = strongest evidence), same size as the image. */
export async function greyPng(map: Float32Array, columns: number, rows: number): Promise<Buffer> {
  const px = Buffer.alloc(columns * rows);
  for (let i = 0; i < px.length; i++) px[i] = Math.round((map[i] ?? 0) * 255);
  return sharp(px, { raw: { width: columns, height: rows, channels: 1 } })
    .toColourspace('b-w')
    .png({ compressionLevel: 3 })
    .toBuffer();
}

/** RGBA PNG overlay: jet colour, alpha rising with evidence, transparent below OVERLAY_FLOOR. */
export async function colourPng(map: Float32Array, columns: number, rows: number): Promise<Buffer> {
  const px = Buffer.alloc(columns * rows * 4);
  for (let i = 0; i < columns * rows; i++) {
    const v = map[i] ?? 0;
    const [r, g, b] = jet(v);
    px[i * 4] = r;
    px[i * 4 + 1] = g;
    px[i * 4 + 2] = b;
    px[i * 4 + 3] = v < OVERLAY_FLOOR ? 0 : Math.round(((v - OVERLAY_FLOOR) / (1 - OVERLAY_FLOOR)) * 0.7 * 255);
  }
  return sharp(px, { raw: { width: columns, height: rows, channels: 4 } })
    .png({ compressionLevel: 3 })
    .toBuffer();
}

/** What a heat-map is rendered from: the CAM and how the image sat in the model input. */
export interface HeatmapSource {
  cam: { width: number; height: number; data: number[] };
  inputWidth: number;
  inputHeight: number;
  placement: Placement;
  columns: number;
  rows: number;
}

/** Renders a stored heat-map source as the grey or colour PNG on the image grid. */
export async function renderHeatmap(src: HeatmapSource, kind: 'grey' | 'colour'): Promise<Buffer> {
  const map = camToImageGrid(
    { width: src.cam.width, height: src.cam.height, data: Float32Array.from(src.cam.data) },
    src.inputWidth,
    src.inputHeight,
    src.placement,
    src.columns,
    src.rows,
  );
  return kind === 'grey' ? greyPng(map, src.columns, src.rows) : colourPng(map, src.columns, src.rows);
}
