/** Modality values of one frame, with their range. */
export interface ModalityValues {
  values: Float32Array;
  min: number;
  max: number;
}

/** How the stored values of a frame are laid out (PS3.5 8.1.1, PS3.3 C.7.6.3.1). */
export interface StoredLayout {
  count: number;
  bitsAllocated: 8 | 16 | 32;
  bitsStored: number;
  signed: boolean;
  /** Explicit VR Big Endian (1.2.840.10008.1.2.2, retired). */
  bigEndian: boolean;
}

/** The frame's bytes as a typed array of its BitsAllocated, aligned and little-endian (copying only when not). */
function storedWords(raw: Uint8Array, l: StoredLayout): Uint8Array | Uint16Array | Uint32Array {
  if (l.bitsAllocated === 8) return raw.subarray(0, l.count);
  const width = l.bitsAllocated / 8;
  const buf = l.bigEndian || raw.byteOffset % width !== 0 ? raw.slice(0, l.count * width) : raw;
  if (l.bigEndian) {
    for (let i = 0; i + width <= buf.length; i += width) buf.subarray(i, i + width).reverse();
  }
  return l.bitsAllocated === 16
    ? new Uint16Array(buf.buffer, buf.byteOffset, l.count)
    : new Uint32Array(buf.buffer, buf.byteOffset, l.count);
}

/**
 * Stored values (masked to BitsStored, sign-extended when PixelRepresentation is 1) through the
 * Modality LUT's rescale, value × slope + intercept (PS3.3 C.11.1.1.2), with min and max.
 * Reads through typed-array views in one pass: a DataView read per pixel made the whole
 * 12-bit decode about 10× slower (bench/pixel-decode.ts).
 */
export function modalityValues(raw: Uint8Array, l: StoredLayout, slope: number, intercept: number): ModalityValues {
  const src = storedWords(raw, l);
  const full = l.bitsStored >= l.bitsAllocated;
  const mask = l.bitsStored >= 32 ? 0xffffffff : 2 ** l.bitsStored - 1;
  const signBit = 2 ** (l.bitsStored - 1);
  const values = new Float32Array(l.count);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < l.count; i++) {
    let v = src[i] as number;
    if (!full) v = (v & mask) >>> 0;
    if (l.signed && v >= signBit) v -= 2 * signBit;
    const m = v * slope + intercept;
    values[i] = m;
    if (m < min) min = m;
    if (m > max) max = m;
  }
  return { values, min, max };
}
