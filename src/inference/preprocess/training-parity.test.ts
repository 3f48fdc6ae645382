import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedDir } from '../../../test/support/shared-data.ts';
import { DEBIAN_PYTHON } from '../testing/tiny-package.ts';
import { rasterToUnitImage } from './raster.ts';
import { resizeToInput } from './resize.ts';

const repo = resolve(import.meta.dirname, '../../..');
const FILES = ['nih-cxr14-621/images/00000100_000.jpg', 'nih-cxr14-621/images/00000211_000.jpg', 'covid-chestxray-ieee8023/images'];

/** training/data.py's load_image (the exact function the model was trained through), as 0..255 values. */
function trainingInput(path: string): number[] {
  const code = `import sys, json\nsys.path.insert(0, ${JSON.stringify(repo)})\nfrom training.data import load_image\na, _ = load_image(${JSON.stringify(path)})\nprint(json.dumps(a.ravel().tolist()))`;
  return JSON.parse(execFileSync(DEBIAN_PYTHON, ['-c', code], { encoding: 'utf8', maxBuffer: 8 << 20 })) as number[];
}

describe('serving preprocessing matches training preprocessing (train/serve skew)', () => {
  const covid =
    execFileSync('ls', [join(sharedDir, 'data', FILES[2] ?? '')], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)[0] ?? '';
  const paths = [FILES[0], FILES[1], `${FILES[2]}/${covid}`].map((f) => join(sharedDir, 'data', f ?? ''));

  for (const path of paths) {
    it(`${path.split('/').slice(-3).join('/')}: letterboxed input within 2/255 on average of training's`, async () => {
      const want = trainingInput(path);
      const { data } = await resizeToInput(await rasterToUnitImage(readFileSync(path)), { width: 224, height: 224, resize: 'letterbox' });
      expect(data.length).toBe(want.length);
      let sum = 0;
      let big = 0;
      for (let i = 0; i < data.length; i++) {
        const d = Math.abs((data[i] ?? 0) * 255 - (want[i] ?? 0));
        sum += d;
        if (d > 16) big++;
      }
      // Training quantises to 8 bits after PIL's box filter; sharp's reduce kernel differs slightly.
      expect(sum / data.length).toBeLessThan(2);
      expect(big / data.length).toBeLessThan(0.01);
    });
  }
});
