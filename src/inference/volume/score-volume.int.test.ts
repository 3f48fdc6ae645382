import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceEngine } from '../engine.ts';
import { loadModelPackage, type ModelPackage } from '../models/model-package.ts';
import { scoreVolume, type VolumeScore } from './score-volume.ts';
import { makeCtSeries, type CtSeriesOptions } from './testing/ct-series.ts';

/** The bundled CT pipeline test model (models/ct-phantom-demo, trained on synthetic phantoms). */
const DEMO = resolve(import.meta.dirname, '../../../models/ct-phantom-demo');

describe('a CT series through the 2.5D pipeline test model', () => {
  let pkg: ModelPackage;
  let engine: InferenceEngine;
  const dir = mkdtempSync(join(tmpdir(), 'rf-volume-'));
  let n = 0;
  const write = (o: Partial<CtSeriesOptions>, order?: (i: number, len: number) => number): string[] => {
    n++;
    const slices = makeCtSeries({
      studyUid: `2.25.77.${n}`,
      seriesUid: `2.25.77.${n}.1`,
      sopPrefix: `2.25.77.${n}.1.1`,
      slices: 16,
      rows: 96,
      columns: 96,
      ...o,
    });
    const files = slices.map((s) => {
      const p = join(dir, `${n}-${s.index}.dcm`);
      writeFileSync(p, s.bytes);
      return p;
    });
    return order ? files.map((_, i) => files[order(i, files.length)] as string) : files;
  };
  const run = (files: string[]): Promise<VolumeScore> =>
    scoreVolume(
      engine.runPrepared.bind(engine),
      pkg.card,
      files.map((filePath) => ({ filePath })),
      { read: (f) => readFile(f.filePath) },
    );

  beforeAll(async () => {
    pkg = await loadModelPackage(DEMO);
    engine = await InferenceEngine.start({
      packages: [pkg],
      testModels: [pkg.card.id],
      workers: 1,
      intraOpThreads: 1,
      maxBatch: 4,
      jobTimeoutMs: 30_000,
    });
  });
  afterAll(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is a pipeline test model: claims nothing clinical and is not routed unless named', async () => {
    expect(pkg.card.pipelineTestOnly).toBe(true);
    expect(pkg.card.applicability.routeByDefault).toBe(false);
    const plain = await InferenceEngine.start({ packages: [pkg], workers: 1, intraOpThreads: 1, maxBatch: 1, jobTimeoutMs: 5000 });
    try {
      const ct = {
        modality: 'CT',
        bodyPart: 'HEAD',
        viewPosition: null,
        sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
        imageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
      };
      expect(plain.registry.route(ct)).toEqual([]);
      expect(engine.registry.route(ct).map((m) => m.pkg.card.id)).toEqual(['ct-phantom-demo']);
      await expect(plain.runPrepared(pkg.card.id, [3, 128, 128], new Float32Array(3 * 128 * 128))).rejects.toThrow(/not loaded/);
    } finally {
      await plain.close();
    }
  });

  it('finds the lesion on the slice that holds it, with that slice’s heat-map, and a clean series scores low', async () => {
    const withLesion = await run(write({ lesionSlice: 9 }));
    expect(withLesion.status).toBe('analysed');
    expect(withLesion.summary?.slices).toHaveLength(16);
    const finding = withLesion.findings[0];
    expect(finding?.key).toBe('synthetic_lesion');
    expect(finding?.probability).toBeGreaterThan(0.5);
    const key = withLesion.keySlices[0];
    expect(key?.sliceIndex).toBeGreaterThanOrEqual(8);
    expect(key?.sliceIndex).toBeLessThanOrEqual(10);
    expect(key?.sopInstanceUid).toBe(withLesion.summary?.slices[key?.sliceIndex ?? -1]?.sopInstanceUid);
    expect(withLesion.cams.get('synthetic_lesion')?.sliceIndex).toBe(key?.sliceIndex);
    expect(withLesion.perSlice.synthetic_lesion).toHaveLength(16);

    const clean = await run(write({ lesionSlice: null }));
    expect(clean.status).toBe('analysed');
    expect(clean.findings[0]?.probability).toBeLessThan(finding?.probability ?? 0);
  });

  it('gives the same result whatever order the slices arrive in', async () => {
    const a = await run(write({ lesionSlice: 4 }));
    const b = await run(write({ lesionSlice: 4 }, (i, len) => (i * 7) % len));
    expect(b.findings[0]?.probability).toBeCloseTo(a.findings[0]?.probability ?? NaN, 6);
    expect(b.keySlices[0]?.sliceIndex).toBe(a.keySlices[0]?.sliceIndex);
    expect(b.perSlice.synthetic_lesion).toEqual(a.perSlice.synthetic_lesion);
  });

  it('refuses a tilted or gapped series with its reason and never scores it', async () => {
    const tilted = await run(write({ tiltDegrees: 12, lesionSlice: 5 }));
    expect(tilted).toMatchObject({ status: 'not-analysable', refusal: 'gantry-tilt', findings: [] });
    expect(tilted.statusReason).toMatch(/gantry tilt of 12°/);
    const gapped = await run(write({ lesionSlice: 5 }).filter((_, i) => i !== 7));
    expect(gapped).toMatchObject({ status: 'not-analysable', refusal: 'missing-slices' });
  });
});
