import { describe, expect, it } from 'vitest';
import { deepSequence, encapsulatedPixels, manyElements, nativePixels, part10 } from '../../../test/support/hostile-dicom.ts';
import { makeInstance } from '../../../test/support/dicom-gen.ts';
import { DicomRejectError } from './reject.ts';
import { DEFAULT_LIMITS } from './part10.ts';
import { parseInstance } from './validate.ts';

const EXPLICIT = '1.2.840.10008.1.2.1';
const IMPLICIT = '1.2.840.10008.1.2';

function reasonOf(bytes: Uint8Array, limits = DEFAULT_LIMITS): string {
  try {
    parseInstance(bytes, limits);
    return 'accepted';
  } catch (e) {
    if (e instanceof DicomRejectError) return e.reason;
    throw e;
  }
}

// Issue 12, defects 2 and 8: input that stalled WADO metadata or answered 500 later is refused at ingest.
describe('ingest limits on hostile data sets', () => {
  it('refuses sequences nested 200,000 deep (defined lengths) quickly and without recursion', () => {
    const f = part10(EXPLICIT, () => [deepSequence(200_000)]);
    const t0 = performance.now();
    expect(reasonOf(f.bytes)).toBe('too-deep');
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  it('bounds nesting in implicit VR too, where only the dictionary says (0040,A730) is a sequence', () => {
    expect(reasonOf(part10(IMPLICIT, () => [deepSequence(5_000, false)]).bytes)).toBe('too-deep');
  });

  it('accepts nesting up to the configured depth and refuses one level more', () => {
    const at = part10(EXPLICIT, () => [deepSequence(32)]);
    expect(reasonOf(at.bytes)).toBe('accepted');
    expect(reasonOf(part10(EXPLICIT, () => [deepSequence(33)]).bytes)).toBe('too-deep');
    expect(reasonOf(at.bytes, { ...DEFAULT_LIMITS, maxNestingDepth: 8 })).toBe('too-deep');
  });

  it('refuses more data elements than configured', () => {
    const f = part10(EXPLICIT, () => [manyElements(5_000)]);
    expect(reasonOf(f.bytes)).toBe('accepted');
    expect(reasonOf(f.bytes, { ...DEFAULT_LIMITS, maxElements: 1_000 })).toBe('too-many-elements');
  });

  it('refuses a transfer syntax that does not exist (1.2.840.10008.1.2.4.999)', () => {
    expect(reasonOf(part10('1.2.840.10008.1.2.4.999', () => nativePixels()).bytes)).toBe('unsupported-syntax');
    expect(reasonOf(part10('1.2.3.4', () => nativePixels()).bytes)).toBe('unsupported-syntax');
  });

  it('refuses pixel data that does not match its transfer syntax', () => {
    const jpegLabelNative = part10('1.2.840.10008.1.2.4.50', () => nativePixels());
    expect(reasonOf(jpegLabelNative.bytes)).toBe('pixel-mismatch');
    const nativeLabelEncapsulated = part10(EXPLICIT, () => [
      ...nativePixels().slice(0, -1),
      encapsulatedPixels(Buffer.from([0xff, 0xd8, 0xff, 0xe0])),
    ]);
    expect(reasonOf(nativeLabelEncapsulated.bytes)).toBe('pixel-mismatch');
    const j2kHoldingJpeg = part10('1.2.840.10008.1.2.4.90', () => [
      ...nativePixels().slice(0, -1),
      encapsulatedPixels(Buffer.from([0xff, 0xd8, 0xff, 0xe0])),
    ]);
    expect(reasonOf(j2kHoldingJpeg.bytes)).toBe('pixel-mismatch');
    const jpegOk = part10('1.2.840.10008.1.2.4.50', () => [
      ...nativePixels().slice(0, -1),
      encapsulatedPixels(Buffer.from([0xff, 0xd8, 0xff, 0xe0])),
    ]);
    expect(reasonOf(jpegOk.bytes)).toBe('accepted');
  });

  it('refuses a deflated data set that inflates past the bound (decompression bomb)', () => {
    const bomb = part10(
      '1.2.840.10008.1.2.1.99',
      () => [
        Buffer.alloc(0),
        ...nativePixels().slice(0, -1),
        Buffer.concat([
          Buffer.from([0xe0, 0x7f, 0x10, 0x00]),
          Buffer.from('OW\0\0'),
          (() => {
            const b = Buffer.alloc(4);
            b.writeUInt32LE(8 << 20);
            return b;
          })(),
          Buffer.alloc(8 << 20),
        ]),
      ],
      { deflate: true },
    );
    expect(bomb.bytes.length).toBeLessThan(64 * 1024);
    expect(reasonOf(bomb.bytes, { ...DEFAULT_LIMITS, maxInflatedBytes: 1 << 20 })).toBe('too-large');
  });

  it('still accepts ordinary instances', () => {
    expect(reasonOf(makeInstance().bytes)).toBe('accepted');
  });
});
