import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { placement } from '../preprocess/resize.ts';
import { camToImageGrid, colourPng, greyPng } from './heatmap.ts';

describe('heat-maps on the original pixel grid', () => {
  // A 2×2 CAM over a 224² letterboxed input of a 400×200 (wide) image: the hot cell is top-right.
  const cam = { width: 2, height: 2, data: Float32Array.from([0, 4, -1, 1]) };
  const p = placement(400, 200, { width: 224, height: 224, resize: 'letterbox' });

  it('lands the hot CAM cell on the matching part of the original image, scaled to [0, 1]', () => {
    const map = camToImageGrid(cam, 224, 224, p, 400, 200);
    expect(map).toHaveLength(400 * 200);
    // image occupies input rows 56..168: its top rows sit in CAM row 0 (partly), bottom rows in row 1
    expect(map[0 * 400 + 399]).toBeGreaterThan(map[199 * 400 + 399] ?? 1);
    expect(map[0 * 400 + 399]).toBeGreaterThan(map[0 * 400 + 0] ?? 1);
    expect(Math.max(...map)).toBeLessThanOrEqual(1);
    expect(Math.min(...map)).toBe(0);
  });

  it('writes a grey PNG and an RGBA colour PNG of the image size', async () => {
    const map = camToImageGrid(cam, 224, 224, p, 400, 200);
    const grey = await sharp(await greyPng(map, 400, 200)).metadata();
    const colour = await sharp(await colourPng(map, 400, 200)).metadata();
    expect([grey.width, grey.height, grey.channels]).toEqual([400, 200, 1]);
    expect([colour.width, colour.height, colour.channels, colour.hasAlpha]).toEqual([400, 200, 4, true]);
  });

  it('is all zero when the map has no positive evidence', () => {
    expect(Math.max(...camToImageGrid({ width: 1, height: 1, data: Float32Array.from([-2]) }, 224, 224, p, 40, 20))).toBe(0);
  });
});
