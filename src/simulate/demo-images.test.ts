import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { describe, expect, it } from 'vitest';
import { sharedDir } from '../../test/support/shared-data.ts';
import { demoImages } from './demo-images.ts';

dcmjs.log.setLevel('silent');

/** Every text value of a dataset (pixel data left out), for a search for leaked labels. */
function texts(bytes: Buffer): string {
  const file = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  return Object.entries(file.dict)
    .filter(([tag]) => tag !== '7FE00010')
    .map(([, v]) => JSON.stringify(v.Value ?? []))
    .join(' ');
}

describe('the demo stream', () => {
  it('never writes the ground-truth label into what the reader sees (DICOM) or the console label', async () => {
    const { source, images } = await demoImages({ count: 10, sharedData: join(sharedDir, 'data') });
    // The labelled public set must be there (set READFIRST_SHARED_DIR): phantoms prove nothing.
    expect(source).toMatch(/NIH ChestX-ray14/);
    expect(images).toHaveLength(10);
    for (const img of images) {
      const all = `${texts(img.bytes)} ${img.label}`;
      expect(all).not.toMatch(/pneumothorax|no finding|NIH label|no_finding|\.png/i);
      expect(texts(img.bytes)).toContain('XR CHEST PA (readfirst demo)');
    }
  });
});
