import { writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../app/app.ts';
import type { ModuleRunner } from '../app/runner.ts';
import { startTestAppWith } from '../../test/support/app.ts';
import { openSse } from '../../test/support/sse.ts';
import type { WorklistItem } from '../worklist/worklist-item.ts';
import { alertsModule } from '../alerts/module.ts';
import { followUpModule } from '../followup/module.ts';
import { worklistModule } from '../worklist/module.ts';
import { triageModule } from './module.ts';
import { policyModule } from './policy-module.ts';
import { FakeDicomStore, FakeResults, finding, result } from './testing/fakes.ts';

const dicom = new FakeDicomStore();
const results = new FakeResults();
const policyDir = mkdtempSync(join(tmpdir(), 'rf-policy-'));
const policyFile = join(policyDir, 'policy.yaml');
writeFileSync(policyFile, 'classes:\n  critical: { maxWaitMinutes: 30 }\n');

const userOf = (req: { headers: Record<string, unknown> }): string | undefined => req.headers['x-test-user'] as string | undefined;

/** The triage, worklist, follow-up and alert modules over in-memory DICOM and result stores. */
async function wire(m: ModuleRunner) {
  const policy = await m.start(policyModule, {});
  const { worklist } = await m.start(worklistModule, { starvationGuard: policy.starvationGuard, userOf });
  const { followUps } = await m.start(followUpModule, { userOf });
  await m.start(triageModule, { policy: policy.policy, worklist, studies: dicom, results, followUps });
  const { alerts } = await m.start(alertsModule, { worklist, userOf, deliver: true });
  // Tests sign in by header; the real guard comes from the security module.
  return { guard: async () => undefined, worklist, alerts };
}

describe('triage module over HTTP and SSE', () => {
  let app: App<Awaited<ReturnType<typeof wire>>>;
  let base: string;
  const as = (user: string) => ({ 'x-test-user': user, 'content-type': 'application/json' });
  beforeAll(async () => {
    app = await startTestAppWith({ 'triage.policyFile': policyFile }, wire);
    base = `http://127.0.0.1:${app.httpPort()}`;
  });
  afterAll(async () => app.close());

  it('ranks on completion, moves a critical study to the top on analysis and pushes it over SSE', async () => {
    const t = Date.now();
    for (const [uid, over] of [
      ['1.2.1', { requestedProcedurePriority: 'ROUTINE' }],
      ['1.2.2', { patientLocation: 'ICU 4' }],
      ['1.2.3', {}],
    ] as const) {
      dicom.add(uid, over, t);
      app.ctx.bus.emit('study.complete', { studyInstanceUid: uid, instanceCount: 1, lastInstanceAt: t, completedAt: t, generation: 1 });
    }
    await app.ctx.bus.idle();
    const sse = await openSse(`${base}/api/worklist/events`, as('alice'));
    await sse.next((f) => f.event === 'ready');
    results.results.push(result('r1', '1.2.3', [finding('pneumothorax', 'Pneumothorax', 0.93)], t));
    app.ctx.bus.emit('study.analysed', {
      studyInstanceUid: '1.2.3',
      status: 'analysed',
      resultIds: ['r1'],
      analysedAt: t,
      sopInstanceUid: null,
      complete: true,
    });
    const frame = await sse.next((f) => f.event === 'worklist.changed');
    expect(frame.data).toMatchObject({
      type: 'ranked',
      position: 1,
      previousUrgency: 'routine',
      item: { studyInstanceUid: '1.2.3', urgency: 'critical', reason: 'Pneumothorax 0.93 ≥ 0.85 (balanced) → critical' },
    });
    sse.close();
    const page = (await (await fetch(`${base}/api/worklist`, { headers: as('alice') })).json()) as {
      items: WorklistItem[];
      counts: Record<string, number>;
    };
    expect(page.items.map((i) => i.studyInstanceUid)).toEqual(['1.2.3', '1.2.2', '1.2.1']);
    expect(page.counts).toMatchObject({ critical: 1, urgent: 1, routine: 1 });
    await app.ctx.bus.idle();
    const alerts = await app.services.alerts.list('open');
    expect(alerts.map((a) => [a.studyInstanceUid, a.reason])).toEqual([['1.2.3', 'Pneumothorax 0.93 ≥ 0.85 (balanced) → critical']]);
    const ack = await fetch(`${base}/api/alerts/${alerts[0]?.id ?? ''}/acknowledge`, { method: 'POST', headers: as('alice'), body: '{}' });
    expect(await ack.json()).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'alice' });
  });

  it('claims a study for one radiologist and refuses the second', async () => {
    const claim = (user: string) => fetch(`${base}/api/worklist/1.2.3/claim`, { method: 'POST', headers: as(user), body: '{}' });
    expect((await claim('alice')).status).toBe(200);
    const bob = await claim('bob');
    expect(bob.status).toBe(409);
    expect(await bob.json()).toMatchObject({ error: 'conflict', details: { claimedBy: 'alice' } });
    const read = await fetch(`${base}/api/worklist/1.2.3/state`, {
      method: 'PUT',
      headers: as('alice'),
      body: JSON.stringify({ state: 'read' }),
    });
    expect(await read.json()).toMatchObject({ state: 'read', claimedBy: null });
    expect((await fetch(`${base}/api/worklist?status=bogus`, { headers: as('alice') })).status).toBe(400);
  });

  it('puts a nodule on the follow-up registry with a due date', async () => {
    const t = Date.now();
    dicom.add('1.2.5', {}, t);
    results.results.push(result('r5', '1.2.5', [finding('nodule', 'Nodule', 0.9)], t));
    app.ctx.bus.emit('study.analysed', {
      studyInstanceUid: '1.2.5',
      status: 'analysed',
      resultIds: ['r5'],
      analysedAt: t,
      sopInstanceUid: null,
      complete: true,
    });
    await app.ctx.bus.idle();
    const res = (await (await fetch(`${base}/api/followups`, { headers: as('alice') })).json()) as {
      items: Array<{ id: string; studyInstanceUid: string; finding: string; dueAt: number; explanation: string }>;
    };
    expect(res.items).toEqual([
      expect.objectContaining({
        studyInstanceUid: '1.2.5',
        finding: 'nodule',
        explanation: 'Nodule 0.90 ≥ 0.85 (balanced) → follow-up in 90 days',
      }),
    ]);
    expect(Math.round(((res.items[0]?.dueAt ?? 0) - t) / 86_400_000)).toBe(90);
    const closed = await fetch(`${base}/api/followups/${res.items[0]?.id ?? ''}/close`, {
      method: 'POST',
      headers: as('bob'),
      body: JSON.stringify({ note: 'CT booked' }),
    });
    expect(await closed.json()).toMatchObject({ status: 'closed', closedBy: 'bob', note: 'CT booked' });
  });

  it('re-ranks the open worklist when the policy file changes, without a restart', async () => {
    const t = Date.now();
    dicom.add('1.2.4', {}, t);
    results.results.push(result('r4', '1.2.4', [finding('effusion', 'Pleural effusion', 0.9)], t));
    app.ctx.bus.emit('study.analysed', {
      studyInstanceUid: '1.2.4',
      status: 'analysed',
      resultIds: ['r4'],
      analysedAt: t,
      sopInstanceUid: null,
      complete: true,
    });
    await app.ctx.bus.idle();
    const worklist = app.services.worklist;
    expect((await worklist.get('1.2.4'))?.urgency).toBe('urgent');
    const sse = await openSse(`${base}/api/worklist/events`, as('alice'));
    writeFileSync(policyFile, 'findings:\n  - { finding: effusion, operatingPoint: balanced, urgency: critical }\n');
    const frame = await sse.next((f) => f.event === 'worklist.reranked', 8000);
    expect(frame.data).toMatchObject({ type: 'reranked' });
    sse.close();
    const item = await worklist.get('1.2.4');
    expect(item).toMatchObject({ urgency: 'critical', reason: 'Pleural effusion 0.90 ≥ 0.85 (balanced) → critical' });
    expect(await worklist.position('1.2.4')).toBe(1);
  });
});
