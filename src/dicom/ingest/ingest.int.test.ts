import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp } from '../../../test/support/app.ts';
import { bearer, serviceToken } from '../../../test/support/auth.ts';
import { makeInstance } from '../../../test/support/dicom-gen.ts';
import type { App } from '../../app/app.ts';
import { ManualClock } from '../../core/clock.ts';
import type { StudyCompleteEvent } from '../../events/types.ts';
import { createLogger } from '../../log/logger.ts';
import type { IngestService } from './ingest-service.ts';

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function ingestOf(a: App): IngestService {
  const s = a.services.dicom.ingest;
  if (!s) throw new Error('ingest service not published');
  return s;
}

/** Each malformed upload and the reason it must be quarantined with. */
function malformedCases(): Array<[string, Buffer, string]> {
  const good = makeInstance().bytes;
  const wrongLength = Buffer.from(good);
  // PatientName's 2-byte length field (explicit VR LE): inflate it so the elements no longer add up.
  const pn = wrongLength.indexOf(Buffer.from([0x10, 0x00, 0x10, 0x00, 0x50, 0x4e]));
  wrongLength.writeUInt16LE(wrongLength.readUInt16LE(pn + 6) + 4, pn + 6);
  return [
    ['truncated', good.subarray(0, good.length - 500), 'truncated'],
    ['missing preamble', good.subarray(132), 'missing-preamble'],
    ['wrong length', wrongLength, 'wrong-length'],
    ['missing SOPInstanceUID', makeInstance({ omitSopInstanceUid: true }).bytes, 'missing-uid'],
    ['non-DICOM', Buffer.from('%PDF-1.4 this is not an image'), 'not-dicom'],
  ];
}

describe('ingest', () => {
  it.each(malformedCases())('quarantines a %s upload with its reason, in the store and a sidecar', async (_name, bytes, reason) => {
    app = await startTestApp({ 'dimse.enabled': false });
    const r = await ingestOf(app).storeBuffer(bytes, 'import');
    expect(r).toMatchObject({ outcome: 'quarantined', reason });
    if (r.outcome !== 'quarantined') return;
    const rows = await app.ctx.db.query<{ file_path: string; reason: string }>(
      'SELECT file_path, reason FROM dicom_quarantine WHERE id = $1',
      [r.quarantineId],
    );
    expect(rows[0]?.reason).toBe(reason);
    const file = join(app.ctx.config.dataDir, 'quarantine', rows[0]?.file_path ?? '');
    expect(readFileSync(file).equals(bytes)).toBe(true);
    const sidecar = JSON.parse(readFileSync(file.replace(/\.dcm$/, '.reason.json'), 'utf8')) as { reason: string };
    expect(sidecar.reason).toBe(reason);
  });

  it('keeps the bytes exactly as received at a deterministic path, and is idempotent', async () => {
    app = await startTestApp({ 'dimse.enabled': false });
    const x = makeInstance();
    const first = await ingestOf(app).storeBuffer(x.bytes, 'stow');
    const again = await ingestOf(app).storeBuffer(x.bytes, 'stow');
    expect(first.outcome).toBe('stored');
    expect(again.outcome).toBe('duplicate');
    const path = join(app.ctx.config.dataDir, 'files', x.studyUid, x.seriesUid, `${x.sopUid}.dcm`);
    expect(existsSync(path) && readFileSync(path).equals(x.bytes)).toBe(true);
    const metrics = await (
      await fetch(`http://127.0.0.1:${app.httpPort()}/metrics`, { headers: bearer(await serviceToken(app, ['metrics'])) })
    ).text();
    expect(metrics).toMatch(/readfirst_ingest_instances_total\{via="stow",outcome="stored"\} 1/);
    expect(metrics).toMatch(/readfirst_ingest_duration_seconds_count\{via="stow"\} 2/);
  });

  it('emits study.complete after the quiet period, once, and again after a late instance', async () => {
    const clock = new ManualClock();
    app = await startTestApp({ 'dimse.enabled': false, 'ingest.quietPeriodMs': 10_000 }, { clock });
    const events: StudyCompleteEvent[] = [];
    app.ctx.bus.on('study.complete', (e) => void events.push(e));
    const tracker = app.services.dicom.completeness;
    const settle = async (ms: number): Promise<void> => {
      clock.advance(ms);
      await tracker.idle();
      await app?.ctx.bus.idle();
    };
    const a = makeInstance();
    await ingestOf(app).storeBuffer(a.bytes, 'dimse');
    await settle(5_000);
    await ingestOf(app).storeBuffer(makeInstance({ studyUid: a.studyUid }).bytes, 'dimse');
    await settle(9_000);
    expect(events).toHaveLength(0);
    await settle(1_500);
    expect(events).toMatchObject([{ studyInstanceUid: a.studyUid, instanceCount: 2, generation: 1 }]);
    await settle(30_000);
    expect(events).toHaveLength(1);
    await ingestOf(app).storeBuffer(makeInstance({ studyUid: a.studyUid }).bytes, 'dimse');
    await settle(10_000);
    expect(events.map((e) => [e.generation, e.instanceCount])).toEqual([
      [1, 2],
      [2, 3],
    ]);
  });

  it('never writes patient names or IDs to the log', async () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    app = await startTestApp({ 'dimse.enabled': false }, { logger: createLogger('trace', sink) });
    const x = makeInstance({ patientName: 'Zebedee^Quintus', patientId: 'PID-SECRET-4711' });
    await ingestOf(app).storeBuffer(x.bytes, 'stow');
    await ingestOf(app).storeBuffer(x.bytes.subarray(0, x.bytes.length - 100), 'stow');
    const q = await fetch(`http://127.0.0.1:${app.httpPort()}/dicom-web/studies?PatientID=PID-SECRET-4711`, {
      headers: bearer(await serviceToken(app, ['dicomweb:read'])),
    });
    expect(q.status).toBe(200);
    await app.close();
    app = undefined;
    expect(out.length).toBeGreaterThan(0);
    expect(out).not.toContain('Zebedee');
    expect(out).not.toContain('PID-SECRET-4711');
  });
});
