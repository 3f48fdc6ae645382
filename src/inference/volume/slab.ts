/**
 * 2.5D model inputs from an ordered stream of slices: each slice's channels (its windows), with
 * `context` neighbours on each side (the first and last slices repeat at the edges). Only
 * 2 × context + 1 slices are held at any time, so a 300-slice series streams through in
 * constant memory.
 */

/** Bilinear resize of one float plane (pixel centres aligned, as `stretch` in the card). */
export function resizePlane(src: Float32Array, w: number, h: number, outW: number, outH: number): Float32Array {
  const out = new Float32Array(outW * outH);
  const sx = w / outW;
  const sy = h / outH;
  for (let y = 0; y < outH; y++) {
    const fy = Math.min(h - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(h - 1, y0 + 1);
    const ty = fy - y0;
    for (let x = 0; x < outW; x++) {
      const fx = Math.min(w - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(w - 1, x0 + 1);
      const tx = fx - x0;
      const a = src[y0 * w + x0] ?? 0;
      const b = src[y0 * w + x1] ?? 0;
      const c = src[y1 * w + x0] ?? 0;
      const d = src[y1 * w + x1] ?? 0;
      out[y * outW + x] = (a * (1 - tx) + b * tx) * (1 - ty) + (c * (1 - tx) + d * tx) * ty;
    }
  }
  return out;
}

/** One model input: [channels, height, width] for slice `index` of the ordered volume. */
export interface Slab {
  index: number;
  data: Float32Array;
}

/**
 * Collects per-slice channel planes (already windowed and resized, `planeSize` floats each,
 * `channelsPerSlice` of them) and emits a slab as soon as its last neighbour has arrived.
 */
export class SlabBuilder {
  private readonly ring: Float32Array[] = [];
  private pushed = 0;
  private emitted = 0;

  constructor(
    private readonly context: number,
    private readonly channelsPerSlice: number,
    private readonly planeSize: number,
    private readonly total: number,
  ) {}

  /** Adds the next slice (its channels concatenated); returns the slabs now complete. */
  push(slice: Float32Array): Slab[] {
    this.ring.push(slice);
    if (this.ring.length > 2 * this.context + 1) this.ring.shift();
    this.pushed++;
    const out: Slab[] = [];
    while (this.emitted < this.total && (this.pushed - 1 >= this.emitted + this.context || this.pushed === this.total))
      out.push(this.build(this.emitted++));
    return out;
  }

  private sliceAt(i: number): Float32Array {
    const clamped = Math.min(this.total - 1, Math.max(0, i));
    // ring holds slices pushed-ring.length .. pushed-1
    const first = this.pushed - this.ring.length;
    const k = Math.min(this.ring.length - 1, Math.max(0, clamped - first));
    return this.ring[k] as Float32Array;
  }

  private build(index: number): Slab {
    const k = 2 * this.context + 1;
    const per = this.channelsPerSlice * this.planeSize;
    const data = new Float32Array(k * per);
    for (let j = 0; j < k; j++) data.set(this.sliceAt(index - this.context + j).subarray(0, per), j * per);
    return { index, data };
  }
}
