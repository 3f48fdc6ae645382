import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app/app.ts';
import type { ModuleRunner } from '../src/app/runner.ts';
import { dicomModule } from '../src/dicom/module.ts';
import type { StudyAnalysedEvent } from '../src/events/types.ts';
import { inferenceModule } from '../src/inference/module.ts';
import { UNCOMPRESSED, derive, setString } from '../src/inference/testing/dicom-fixtures.ts';
import { makeTinyPackage } from '../src/inference/testing/tiny-package.ts';
import { metricValue } from './support/prometheus.ts';
import { startTestAppWith } from './support/app.ts';

const STUDY = '1.2.826.0.1.3680043.10.78.1';
const COUNT = 6;

async function wire(m: ModuleRunner) {
  const dicom = await m.start(dicomModule, { accept: true });
  const inference = await m.start(inferenceModule, { studies: dicom.studies, files: dicom.files, scoring: 'on-arrival' });
  return { guard: undefined, dicom, inference };
}

describe('analysis back-pressure: ingest never waits for analysis', () => {
  let app: App<Awaited<ReturnType<typeof wire>>>;
  const tiny = makeTinyPackage({ size: 32 });
  const images = Array.from({ length: COUNT }, (_, i) =>
    readFileSync(
      derive(UNCOMPRESSED, `bp-${i}.dcm`, (d, meta) => {
        setString(d, '0020000D', 'UI', STUDY);
        setString(d, '0020000E', 'UI', `${STUDY}.1`);
        setString(d, '00080018', 'UI', `${STUDY}.1.${i + 1}`);
        setString(meta, '00020003', 'UI', `${STUDY}.1.${i + 1}`);
        setString(d, '00185101', 'CS', 'PA');
      }),
    ),
  );

  beforeAll(async () => {
    // One image analysed at a time and room for one more: the rest of a burst must be deferred.
    app = await startTestAppWith(
      {
        'inference.modelDirs': [tiny.dir],
        'inference.workers': 1,
        'inference.maxBatch': 1,
        'inference.queueCapacity': 1,
        'ingest.quietPeriodMs': 300,
        'dimse.enabled': false,
      },
      wire,
    );
    await app.services.inference.engine.ready();
  });
  afterAll(async () => app?.close());

  it('acknowledges a burst while the queue is full, defers the overflow, and reads every image by the time the study is complete', async () => {
    const complete = new Promise<StudyAnalysedEvent>((resolve) => app.ctx.bus.on('study.analysed', (e) => void (e.complete && resolve(e))));
    const results = await Promise.all(images.map((b) => app.services.dicom.ingest.storeBuffer(b, 'import')));
    // Every upload is stored (acknowledged) while analysis is still busy with the first ones.
    const atAck = await app.ctx.metrics.metrics();
    expect(results.map((r) => r.outcome)).toEqual(Array(COUNT).fill('stored'));
    expect(metricValue(atAck, 'readfirst_inference_images_total')).toBeLessThan(COUNT);
    expect(metricValue(atAck, 'readfirst_analysis_deferred_total')).toBeGreaterThanOrEqual(1);
    expect(metricValue(atAck, 'readfirst_analysis_queue_depth')).toBeLessThanOrEqual(1);
    // The completion pass reads the deferred images: the final reading holds all six.
    const e = await complete;
    expect(e.resultIds).toHaveLength(COUNT);
    const stored = await app.services.inference.results.listForStudy(STUDY);
    expect(new Set(stored.map((r) => r.sopInstanceUid)).size).toBe(COUNT);
    expect(stored.every((r) => r.status === 'analysed')).toBe(true);
  });
});
