import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDbs } from '../../test/support/dbs.ts';
import { ManualClock } from '../core/clock.ts';
import { InMemoryBus } from '../events/bus.ts';
import type { VerdictRecordedEvent } from '../events/types.ts';
import type { Principal } from '../security/users.ts';
import type { Db } from '../store/db.ts';
import { ReadingService } from './reading-service.ts';
import { MemoryResults, sampleResult } from './testing.ts';

const reader: Principal = { userId: 'u-1', username: 'grey', displayName: 'Dr Grey', roles: ['radiologist'] };

describe.each(testDbs)('reading a study on $name', (t) => {
  let db: Db;
  let cleanup: () => Promise<void>;
  const clock = new ManualClock();
  const bus = new InMemoryBus(() => undefined);
  const events: VerdictRecordedEvent[] = [];
  const results = new MemoryResults();
  let service: ReadingService;
  const signedStudies: string[] = [];

  beforeAll(async () => {
    const handle = await t.open();
    db = handle.db;
    cleanup = () => handle.cleanup();
    bus.on('verdict.recorded', (e) => void events.push(e));
    service = new ReadingService({ db, clock, bus, results, onSigned: async (r) => void signedStudies.push(r.studyInstanceUid) });
    await results.save(sampleResult('1.2.3'));
  });
  afterAll(async () => cleanup());

  it('opens a draft tied to the model version that never says normal while AI-positive findings await a verdict', async () => {
    const r = await service.open('1.2.3', reader);
    expect(r).toMatchObject({
      status: 'draft',
      resultId: 'res-1.2.3',
      modelId: 'cxr-test',
      modelVersion: '1.2.3',
      readerName: 'Dr Grey',
      reportEdited: false,
    });
    expect(r.report.impression).toBe('');
    expect(r.report.findings).toMatch(/Awaiting .*Pneumothorax, Pleural effusion/);
    // Signing the untouched draft is refused: two AI-positive findings have no verdict.
    await expect(service.sign('1.2.3', reader, { report: r.report })).rejects.toThrow(
      /verdict on each AI-positive finding.*pneumothorax, effusion/,
    );
    expect((await service.open('1.2.3', reader)).id).toBe(r.id);
  });

  it('stores per-finding verdicts with the model version and pre-fills the report from agreed findings', async () => {
    clock.advance(30_000);
    await service.setVerdict('1.2.3', reader, 'pneumothorax', 'agree', '');
    const r = await service.setVerdict('1.2.3', reader, 'effusion', 'disagree', 'skin fold');
    expect(r.report.findings).toBe('Pneumothorax.');
    const rows = await db.query<{ finding_key: string; verdict: string; model_version: string; ai_positive: number; comment: string }>(
      'SELECT finding_key, verdict, model_version, ai_positive, comment FROM finding_verdicts ORDER BY finding_key',
    );
    expect(rows.map((x) => [x.finding_key, x.verdict, x.model_version, Number(x.ai_positive), x.comment])).toEqual([
      ['effusion', 'disagree', '1.2.3', 1, 'skin fold'],
      ['pneumothorax', 'agree', '1.2.3', 1, ''],
    ]);
    await expect(service.setVerdict('1.2.3', reader, 'no_such', 'agree', '')).rejects.toThrow(/no finding/);
  });

  it('adds missed findings from the whole vocabulary (not only the model outputs), never no_finding, and keeps an edited report', async () => {
    let r = await service.update('1.2.3', reader, { missedFindings: ['nodule', 'cardiomegaly'], overall: 'disagree' });
    expect(r.report.impression).toBe('1. Pneumothorax.\n2. Lung nodule.\n3. Cardiomegaly.');
    r = await service.update('1.2.3', reader, { missedFindings: ['nodule'] });
    await expect(service.update('1.2.3', reader, { missedFindings: ['unicorn'] })).rejects.toThrow(/finding vocabulary/);
    await expect(service.update('1.2.3', reader, { missedFindings: ['no_finding'] })).rejects.toThrow(/finding vocabulary/);
    // Sending the pre-fill back unchanged is not an edit.
    r = await service.update('1.2.3', reader, { report: { ...r.report } });
    expect(r.reportEdited).toBe(false);
    r = await service.update('1.2.3', reader, { report: { ...r.report, impression: 'Large left pneumothorax. Nodule RUL.' } });
    r = await service.setVerdict('1.2.3', reader, 'effusion', 'uncertain', '');
    expect(r.report.impression).toBe('Large left pneumothorax. Nodule RUL.');
  });

  it('signs as the reader, records open-to-sign time, emits verdict.recorded, and then refuses changes', async () => {
    clock.advance(90_000);
    const r = await service.sign('1.2.3', reader);
    expect(r).toMatchObject({ status: 'signed', readingMs: 120_000 });
    await bus.idle();
    expect(events).toEqual([{ studyInstanceUid: '1.2.3', resultId: 'res-1.2.3', modelId: 'cxr-test', modelVersion: '1.2.3' }]);
    expect(signedStudies).toEqual(['1.2.3']);
    await expect(service.sign('1.2.3', reader)).rejects.toThrow(/signed/);
    await expect(service.setVerdict('1.2.3', reader, 'pneumothorax', 'disagree', '')).rejects.toThrow(/signed/);
    const stored = await service.store.signedForStudy('1.2.3');
    expect(stored[0]).toMatchObject({
      overall: 'disagree',
      missedFindings: ['nodule'],
      readingMs: 120_000,
      reportEdited: true,
      signOverride: null,
    });
  });

  it('signs over an unverified AI-positive finding only as a deliberate override, recorded with its reason', async () => {
    await results.save(sampleResult('4.4'));
    await service.setVerdict('4.4', reader, 'pneumothorax', 'agree', '');
    await expect(service.sign('4.4', reader)).rejects.toThrow(/effusion/);
    await expect(service.sign('4.4', reader, { override: { reason: '  ' } })).rejects.toThrow(/override/);
    // The draft states no impression while a finding is unverified: the reader writes one.
    await expect(service.sign('4.4', reader, { override: { reason: 'seen on CT' } })).rejects.toThrow(/impression is empty/);
    const report = { technique: 'Chest radiograph.', findings: 'Pneumothorax.', impression: 'Left pneumothorax.' };
    const r = await service.sign('4.4', reader, { report, override: { reason: 'effusion reported on the CT the same day' } });
    expect(r.signOverride).toMatchObject({ reason: 'effusion reported on the CT the same day', unverified: ['effusion'] });
    expect((await service.store.signedForStudy('4.4'))[0]?.signOverride?.unverified).toEqual(['effusion']);
  });

  it('refuses a verdict on the no-finding summary', async () => {
    const res = sampleResult('5.5');
    res.findings.push({ ...res.findings[2]!, key: 'no_finding', display: 'No finding' });
    await results.save(res);
    await expect(service.setVerdict('5.5', reader, 'no_finding', 'agree', '')).rejects.toThrow(/summary, not a finding/);
  });

  it('blocks signing after an image failed to show until the reader confirms reading it elsewhere', async () => {
    await service.update('9.8', reader, { imageProblem: 'decode failed: bad JPEG' });
    await expect(service.sign('9.8', reader)).rejects.toThrow(/failed to show \(decode failed: bad JPEG\).*elsewhere/);
    const r = await service.update('9.8', reader, { readElsewhere: true });
    expect(r.imageProblem).toMatchObject({ reason: 'decode failed: bad JPEG', readElsewhere: true });
    expect((await service.sign('9.8', reader)).status).toBe('signed');
    expect((await service.store.signedForStudy('9.8'))[0]?.imageProblem).toMatchObject({ readElsewhere: true });
  });

  it('refuses to open a reading of a study the DICOM store does not hold', async () => {
    const strict = new ReadingService({ db, clock, bus, results, studyExists: async (uid) => uid === '1.2.3' });
    await expect(strict.open('7.7.7', reader)).rejects.toThrow(/no study 7.7.7/);
    expect((await strict.open('1.2.3', reader)).studyInstanceUid).toBe('1.2.3');
  });

  it('reads a study without an AI result: no verdicts, a normal draft, no event', async () => {
    await bus.idle();
    const before = events.length;
    const r = await service.open('9.9', reader);
    expect(r.resultId).toBeNull();
    await service.sign('9.9', reader);
    await bus.idle();
    expect(events).toHaveLength(before);
  });
});
