import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppWith } from '../../test/support/app.ts';
import type { ModuleRunner } from '../app/runner.ts';
import type { App } from '../app/app.ts';
import { dicomModule } from '../dicom/module.ts';
import type { StudyAnalysedEvent } from '../events/types.ts';
import { securityModule } from '../security/module.ts';
import { inferenceModule } from './module.ts';
import type { InferenceResult } from './result.ts';
import { deriveStudy } from './testing/dicom-fixtures.ts';
import { makeTinyPackage } from './testing/tiny-package.ts';

/** UID root for this file's studies, distinct from other suites' so they never collide. */
const STUDY_ROOT = '1.2.826.0.1.3680043.10.1';

/** Security, dicom and inference only: analysis without triage. */
async function wire(m: ModuleRunner) {
  const security = await m.start(securityModule, {});
  const dicom = await m.start(dicomModule, { accept: true });
  const inference = await m.start(inferenceModule, { studies: dicom.studies, files: dicom.files, scoring: 'on-arrival' });
  return { guard: security.guard, security, dicom, inference };
}

describe('inference module: study.complete → results → study.analysed', () => {
  let app: App<Awaited<ReturnType<typeof wire>>>;
  let base: string;
  let cookie = '';
  const events = new Map<string, StudyAnalysedEvent>();
  const tiny = makeTinyPackage({
    size: 32,
    card: (c) => {
      // every finding positive at the high-sensitivity point, so each gets heat-maps
      for (const f of c.findings) f.operatingPoints[0]!.threshold = 0;
    },
  });
  const shadow = makeTinyPackage({
    size: 32,
    seed: 11,
    card: (c) => {
      c.id = 'tiny-shadow';
      c.version = '0.2.0';
    },
  });
  const chest = deriveStudy('pa', `${STUDY_ROOT}.1`, { '00185101': ['CS', 'PA'], '00180015': ['CS', 'CHEST'] });
  const lateral = deriveStudy('ll', `${STUDY_ROOT}.2`, { '00185101': ['CS', 'LL'] });
  const ct = deriveStudy('ct', `${STUDY_ROOT}.3`, { '00080060': ['CS', 'CT'], '00080016': ['UI', '1.2.840.10008.5.1.4.1.1.2'] });

  beforeAll(async () => {
    app = await startTestAppWith(
      {
        'inference.modelDirs': [tiny.dir, shadow.dir],
        'inference.shadowModels': ['tiny-shadow'],
        'inference.intraOpThreads': 1,
        'ingest.quietPeriodMs': 100,
        'dimse.enabled': false,
      },
      wire,
    );
    base = `http://127.0.0.1:${app.httpPort()}`;
    app.ctx.bus.on('study.analysed', (e) => void events.set(e.studyInstanceUid, e));
    const auth = app.services.security;
    await auth.users.create({ username: 'reader', password: 'reader password', roles: ['radiologist'] });
    const res = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'reader', password: 'reader password' }),
    });
    cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    for (const s of [chest, lateral, ct]) {
      const r = await app.services.dicom.ingest.storeBuffer(readFileSync(s.path), 'import');
      expect(r).toBeDefined();
    }
    const deadline = Date.now() + 30_000;
    while (events.size < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(async () => app.close());

  const get = (path: string): Promise<Response> => fetch(`${base}${path}`, { headers: { cookie, 'x-requested-with': 'readfirst' } });

  it('analyses a PA chest: probabilities, decisions per operating point, provenance, timings', async () => {
    expect(events.get(chest.uid)?.status).toBe('analysed');
    const res = await get(`/api/studies/${chest.uid}/inference`);
    expect(res.status).toBe(200);
    const r = ((await res.json()) as { results: InferenceResult[] }).results.find((x) => x.model?.modelId === 'tiny-cxr');
    expect(r).toMatchObject({
      status: 'analysed',
      aiGenerated: true,
      seriesInstanceUid: `${chest.uid}.1`,
      model: { modelId: 'tiny-cxr', modelVersion: '0.0.1', modelSha256: tiny.card.sha256, shadow: false },
      gate: { passed: true },
    });
    expect(r?.findings.map((f) => f.key)).toEqual(['pneumothorax', 'effusion', 'cardiomegaly']);
    for (const f of r?.findings ?? []) {
      expect(f.probability).toBeGreaterThan(0);
      expect(f.decisions.map((d) => [d.name, d.positive])).toEqual([
        ['high-sensitivity', true],
        ['balanced', f.probability >= 0.5],
      ]);
    }
    expect(Object.keys(r?.timings ?? {})).toEqual(['queueMs', 'decodeMs', 'preprocessMs', 'inferMs', 'totalMs']);
    expect(r?.gate?.measures?.oodDistance).toBeGreaterThanOrEqual(0);
  });

  it('runs the shadow model beside the live one: stored, marked shadow, in the event for monitoring', async () => {
    const results = await app.services.inference.results.listForStudy(chest.uid);
    expect(results.map((x) => [x.model?.modelId, x.model?.shadow, x.status]).sort()).toEqual([
      ['tiny-cxr', false, 'analysed'],
      ['tiny-shadow', true, 'analysed'],
    ]);
    expect(events.get(chest.uid)?.resultIds.sort()).toEqual(results.map((x) => x.id).sort());
  });

  it('serves grey and colour heat-maps on the original 1024×1024 grid', async () => {
    const r = (await app.services.inference.results.listForStudy(chest.uid)).find((x) => !x.model?.shadow);
    const hm = r?.findings[0]?.heatmap;
    expect(hm).toBeDefined();
    const grey = await get(`/api/inference/heatmaps/${hm?.grey}.png`);
    expect(grey.headers.get('content-type')).toBe('image/png');
    const gm = await sharp(Buffer.from(await grey.arrayBuffer())).metadata();
    expect([gm.width, gm.height, gm.channels]).toEqual([1024, 1024, 1]);
    const cm = await sharp(Buffer.from(await (await get(`/api/inference/heatmaps/${hm?.colour}.png`)).arrayBuffer())).metadata();
    expect([cm.width, cm.height, cm.channels]).toEqual([1024, 1024, 4]);
    expect((await fetch(`${base}/api/inference/heatmaps/${hm?.grey}.png`)).status).toBe(401);
  });

  it('records a lateral as not analysable, with the reason, and no probabilities', async () => {
    expect(events.get(lateral.uid)?.status).toBe('not-analysable');
    const r = (await app.services.inference.results.listForStudy(lateral.uid)).find((x) => !x.model?.shadow);
    expect(r).toMatchObject({ status: 'not-analysable', gate: { passed: false, reason: 'lateral-view' }, findings: [] });
    expect(r?.statusReason).toMatch(/lateral view \(LL\)/);
  });

  it('gives a CT study an explicit "no AI model for this study" result', async () => {
    expect(events.get(ct.uid)?.status).toBe('no-model');
    const [r] = await app.services.inference.results.listForStudy(ct.uid);
    expect(r).toMatchObject({ status: 'no-model', statusReason: 'no AI model for this study', model: null });
  });

  it('does not read an image twice when a study completes again (late instances)', async () => {
    const before = await app.services.inference.results.listForStudy(chest.uid);
    const again = new Promise<StudyAnalysedEvent>((resolve) =>
      app.ctx.bus.on('study.analysed', (e) => void (e.studyInstanceUid === chest.uid && resolve(e))),
    );
    app.ctx.bus.emit('study.complete', {
      studyInstanceUid: chest.uid,
      instanceCount: 1,
      lastInstanceAt: Date.now(),
      completedAt: Date.now(),
      generation: 2,
    });
    const e = await again;
    expect(e.status).toBe('analysed');
    expect([...e.resultIds].sort()).toEqual(before.map((r) => r.id).sort());
    expect(await app.services.inference.results.listForStudy(chest.uid)).toHaveLength(before.length);
  });

  it('lists the loaded model with its card', async () => {
    const body = (await (await get('/api/inference/models')).json()) as { models: { id: string; shadow: boolean }[]; refused: unknown[] };
    expect(body.models.map((m) => [m.id, m.shadow])).toEqual([
      ['tiny-cxr', false],
      ['tiny-shadow', true],
    ]);
    expect(body.refused).toEqual([]);
  });
});
