import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app/app.ts';
import type { ModuleRunner } from '../src/app/runner.ts';
import { dicomModule } from '../src/dicom/module.ts';
import { followUpModule } from '../src/followup/module.ts';
import type { StudyAnalysedEvent } from '../src/events/types.ts';
import { InferenceEngine } from '../src/inference/engine.ts';
import { loadModelPackage } from '../src/inference/models/model-package.ts';
import { inferenceModule } from '../src/inference/module.ts';
import { UNCOMPRESSED, derive, pixelBytes, setString } from '../src/inference/testing/dicom-fixtures.ts';
import { makeTinyPackage } from '../src/inference/testing/tiny-package.ts';
import { triageModule } from '../src/triage/module.ts';
import { policyModule } from '../src/triage/policy-module.ts';
import { worklistModule } from '../src/worklist/module.ts';
import { startTestAppWith } from './support/app.ts';
import { metricValue } from './support/prometheus.ts';

const ROOT = '1.2.826.0.1.3680043.10.77';
const userOf = (): undefined => undefined;

/** Ingest, inference and triage on the real worklist: no HTTP routes are used. */
async function wire(m: ModuleRunner) {
  const dicom = await m.start(dicomModule, { accept: true });
  const inference = await m.start(inferenceModule, { studies: dicom.studies, files: dicom.files, scoring: 'on-arrival' });
  const policy = await m.start(policyModule, {});
  const { worklist } = await m.start(worklistModule, { starvationGuard: policy.starvationGuard, userOf });
  const { followUps } = await m.start(followUpModule, { userOf });
  await m.start(triageModule, { policy: policy.policy, worklist, studies: dicom.studies, results: inference.results, followUps });
  return { guard: undefined, dicom, worklist };
}

/** A PA chest instance of the real DX sample with the given UIDs; `mirror` flips it left-right (another image to the model). */
function chestImage(name: string, study: string, sop: string, opts: { mirror?: boolean; priority?: string } = {}): Buffer {
  const path = derive(UNCOMPRESSED, `${name}.dcm`, (d, meta) => {
    setString(d, '0020000D', 'UI', study);
    setString(d, '0020000E', 'UI', `${study}.1`);
    setString(d, '00080018', 'UI', sop);
    setString(meta, '00020003', 'UI', sop);
    setString(d, '00185101', 'CS', 'PA');
    setString(d, '00180015', 'CS', 'CHEST');
    if (opts.priority) setString(d, '00401003', 'SH', opts.priority);
    if (opts.mirror) {
      const px = pixelBytes(d);
      const columns = Number(d['00280011']?.Value?.[0]);
      for (let row = 0; row < px.length; row += columns) px.subarray(row, row + columns).reverse();
    }
  });
  return readFileSync(path);
}

describe('score on arrival: ranked from the first image, re-ranked by each image', () => {
  let app: App<Awaited<ReturnType<typeof wire>>>;
  const tiny = makeTinyPackage({ size: 32 });
  const s1 = `${ROOT}.1`;
  const s2 = `${ROOT}.2`;
  const first = chestImage('arrival-a', s1, `${s1}.1.1`);
  const second = chestImage('arrival-b', s1, `${s1}.1.2`, { mirror: true });
  const stat = chestImage('arrival-stat', s2, `${s2}.1.1`, { priority: 'STAT' });
  let order: [Buffer, Buffer] = [first, second];

  beforeAll(async () => {
    // Pneumothorax (critical in the default policy) is set positive, at the balanced point, for
    // exactly one of the two images: whichever the tiny model scores higher arrives second.
    const engine = await InferenceEngine.start({
      packages: [await loadModelPackage(tiny.dir)],
      workers: 1,
      intraOpThreads: 1,
      maxBatch: 1,
      jobTimeoutMs: 30_000,
    });
    const pneumothorax = async (bytes: Buffer): Promise<number> =>
      (await engine.scoreImage('tiny-cxr', { kind: 'dicom', bytes })).findings.find((f) => f.key === 'pneumothorax')?.probability ?? NaN;
    const pa = await pneumothorax(first);
    const pb = await pneumothorax(second);
    await engine.close();
    expect(pa).not.toBe(pb);
    const [lo, hi] = [Math.min(pa, pb), Math.max(pa, pb)];
    if (pa > pb) order = [second, first];
    for (const f of tiny.card.findings) {
      for (const op of f.operatingPoints) op.threshold = f.key === 'pneumothorax' && op.name === 'balanced' ? (lo + hi) / 2 : 1;
    }
    writeFileSync(join(tiny.dir, 'model.json'), JSON.stringify(tiny.card));
    app = await startTestAppWith(
      { 'inference.modelDirs': [tiny.dir], 'ingest.quietPeriodMs': 600_000, 'ingest.expectedInstances': { DX: 2 }, 'dimse.enabled': false },
      wire,
    );
  });
  afterAll(async () => app?.close());

  const analysed = (match: (e: StudyAnalysedEvent) => boolean): Promise<StudyAnalysedEvent> =>
    new Promise((resolve) => {
      const off = app.ctx.bus.on('study.analysed', (e) => {
        if (match(e)) {
          off();
          resolve(e);
        }
      });
    });

  it('lists a study from its first stored image, long before its quiet period, then ranks it with the AI reading', async () => {
    const reading = analysed((e) => e.sopInstanceUid === `${s1}.1.1` || e.sopInstanceUid === `${s1}.1.2`);
    const r = await app.services.dicom.ingest.storeBuffer(order[0], 'import');
    expect(r?.outcome).toBe('stored');
    await app.ctx.bus.idle();
    const listed = await app.services.worklist.get(s1);
    expect(listed).toBeDefined();
    expect((await app.services.dicom.studies.getStudy(s1))?.completeness).toBe('receiving');
    const e = await reading;
    expect(e).toMatchObject({ status: 'analysed', complete: false });
    await app.ctx.bus.idle();
    const ranked = await app.services.worklist.get(s1);
    expect(ranked).toMatchObject({ aiStatus: 'analysed', modelId: 'tiny-cxr' });
    expect(ranked?.urgency).not.toBe('critical');
    expect((await app.services.dicom.studies.getStudy(s1))?.completeness).toBe('receiving');
  });

  it('re-ranks the study when its second image is read, and the expected count (DX: 2) completes it without the quiet period', async () => {
    const reading = analysed((e) => e.studyInstanceUid === s1 && e.complete);
    await app.services.dicom.ingest.storeBuffer(order[1], 'import');
    const e = await reading;
    expect(e.resultIds).toHaveLength(2);
    await app.ctx.bus.idle();
    const item = await app.services.worklist.get(s1);
    expect(item).toMatchObject({ urgency: 'critical', aiUrgency: 'critical' });
    expect(item?.reason).toMatch(/^Pneumothorax .* \(balanced\) → critical$/);
    expect(await app.services.worklist.position(s1)).toBe(1);
  });

  it("keeps a STAT order's priority from the first image on, and the AI does not lower it", async () => {
    const reading = analysed((e) => e.sopInstanceUid === `${s2}.1.1`);
    await app.services.dicom.ingest.storeBuffer(stat, 'import');
    await app.ctx.bus.idle();
    expect((await app.services.worklist.get(s2))?.urgency).toBe('critical');
    await reading;
    await app.ctx.bus.idle();
    const item = await app.services.worklist.get(s2);
    expect(item).toMatchObject({ aiStatus: 'analysed', urgency: 'critical', orderPriority: 'STAT' });
    expect(item?.aiUrgency).not.toBe('critical');
    expect(item?.explanation.join('\n')).toMatch(/does not lower the order's critical/);
    expect((await app.services.dicom.studies.getStudy(s2))?.completeness).toBe('receiving');
  });

  it('counts the images it read and shows an empty analysis queue in /metrics', async () => {
    const text = await app.ctx.metrics.metrics();
    expect(metricValue(text, 'readfirst_analysis_queue_depth')).toBe(0);
    expect(metricValue(text, 'readfirst_inference_images_total')).toBe(3);
  });
});
