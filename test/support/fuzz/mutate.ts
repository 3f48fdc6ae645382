/**
 * Seeded mutations of DICOM files for the ingest fuzzer: bit flips, overwritten ranges, cuts,
 * corrupted length fields, swapped transfer syntaxes, and spliced hostile structures. Deterministic
 * for a seed, so a failing input can be regenerated.
 */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    // xorshift32
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s / 0x100000000;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

export type MutationKind = 'bitflip' | 'overwrite' | 'truncate' | 'length' | 'syntax' | 'splice' | 'duplicate-range';

const KINDS: readonly MutationKind[] = ['bitflip', 'overwrite', 'truncate', 'length', 'syntax', 'splice', 'duplicate-range'];

const SYNTAXES = [
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.2',
  '1.2.840.10008.1.2.4.50',
  '1.2.840.10008.1.2.4.999',
  '1.2.840.10008.1.2.1.99',
  '1.2.840.10008.1.2.5',
];

/** Where the data set starts (after preamble, DICM and the meta group), or 132 when unknown. */
function datasetStart(b: Buffer): number {
  let pos = 132;
  while (pos + 8 <= b.length && b.readUInt16LE(pos) === 0x0002) {
    const vr = b.toString('latin1', pos + 4, pos + 6);
    if (['OB', 'OW', 'UN', 'SQ', 'UT'].includes(vr)) pos += 12 + b.readUInt32LE(pos + 8);
    else pos += 8 + b.readUInt16LE(pos + 6);
  }
  return Math.min(pos, b.length);
}

/** One mutant of `good`; the kind is chosen by the generator. */
export function mutate(good: Buffer, rng: Rng, hostile: readonly Buffer[]): { bytes: Buffer; kind: MutationKind } {
  const kind = KINDS[rng.int(KINDS.length)] ?? 'bitflip';
  const b = Buffer.from(good);
  const start = datasetStart(b);
  const at = (): number => start + rng.int(Math.max(1, b.length - start));
  switch (kind) {
    case 'bitflip':
      for (let i = 0, n = 1 + rng.int(16); i < n; i++) {
        const p = rng.int(b.length);
        b[p] = (b[p] ?? 0) ^ (1 << rng.int(8));
      }
      return { bytes: b, kind };
    case 'overwrite': {
      const p = at();
      const n = Math.min(b.length - p, 1 + rng.int(64));
      for (let i = 0; i < n; i++) b[p + i] = rng.int(256);
      return { bytes: b, kind };
    }
    case 'truncate':
      return { bytes: b.subarray(0, rng.int(b.length)), kind };
    case 'length': {
      // Overwrite a plausible 16- or 32-bit length with an extreme or off-by-a-little value.
      const p = at();
      const values = [0, 1, 0xffff, 0xfffe, 0xffffffff, 0x7fffffff, b.length, rng.int(0x10000)];
      const v = values[rng.int(values.length)] ?? 0;
      if (p + 4 <= b.length && rng.int(2) === 0) b.writeUInt32LE(v >>> 0, p);
      else if (p + 2 <= b.length) b.writeUInt16LE(v & 0xffff, p);
      return { bytes: b, kind };
    }
    case 'syntax': {
      const i = b.indexOf('1.2.840.10008.1.2.1', 132, 'latin1');
      if (i < 0 || i > start) return { bytes: b, kind };
      const ts = Buffer.from((SYNTAXES[rng.int(SYNTAXES.length)] ?? '').padEnd(19, '\0').slice(0, 19), 'latin1');
      ts.copy(b, i);
      return { bytes: b, kind };
    }
    case 'splice': {
      const h = hostile[rng.int(hostile.length)] ?? Buffer.alloc(0);
      const p = start + rng.int(Math.max(1, Math.min(200, b.length - start)));
      return { bytes: Buffer.concat([b.subarray(0, p), h, b.subarray(p)]), kind };
    }
    case 'duplicate-range': {
      const p = at();
      const n = Math.min(b.length - p, 1 + rng.int(256));
      return { bytes: Buffer.concat([b.subarray(0, p + n), b.subarray(p, p + n), b.subarray(p + n)]), kind };
    }
  }
}
