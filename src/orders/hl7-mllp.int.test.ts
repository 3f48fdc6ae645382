import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Hl7Message } from '@medplum/core';
import { Hl7Client, Hl7Connection, type Hl7MessageEvent } from '@medplum/hl7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../../test/support/app.ts';
import type { App } from '../app/app.ts';
import { deriveStudy } from '../inference/testing/dicom-fixtures.ts';
import { makeTinyPackage } from '../inference/testing/tiny-package.ts';

const ROOT = '1.2.826.0.1.3680043.10.12';

/** An order message as a RIS sends it (segments joined by CR). */
function hl7(...segments: string[]): Hl7Message {
  return Hl7Message.parse(segments.join('\r'));
}
const msh = (type: string, id: string, version = '2.3'): string =>
  `MSH|^~\\&|RIS|HOSP|READFIRST|RAD|20260110101500||${type}|${id}|P|${version}`;

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('HL7 v2 over MLLP: orders and ADT in re-rank studies; ORU^R01 out is ACKed, a NAK or no ACK is retried', () => {
  let app: App;
  let ris: Hl7Client;
  // The receiving system: NAK (AE) first, then silence (no ACK), then AA.
  const received: Hl7Message[] = [];
  let attempts = 0;
  let receiver: Server;
  const tiny = makeTinyPackage({
    size: 32,
    card: (c) => void c.findings.forEach((f) => f.operatingPoints.forEach((p) => (p.threshold = 1))),
  });
  const late = deriveStudy('hl7-late', `${ROOT}.1`, { '00080050': ['SH', 'ORD-LATE'], '00100020': ['LO', 'HL7-P1'] });
  const early = deriveStudy('hl7-early', `${ROOT}.2`, { '00080050': ['SH', 'ORD-EARLY'], '00100020': ['LO', 'HL7-P2'] });

  beforeAll(async () => {
    receiver = createServer((socket) => {
      const conn = new Hl7Connection(socket);
      conn.addEventListener('message', (e: Hl7MessageEvent) => {
        attempts += 1;
        if (attempts === 1) conn.send(e.message.buildAck({ ackCode: 'AE' }));
        else if (attempts === 2) return;
        else {
          received.push(e.message);
          conn.send(e.message.buildAck());
        }
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    app = await startTestApp({
      'inference.modelDirs': [tiny.dir],
      'inference.intraOpThreads': 1,
      'ingest.quietPeriodMs': 100,
      'dimse.enabled': false,
      'hl7.listen.enabled': true,
      'hl7.listen.port': 0,
      'hl7.oru.host': '127.0.0.1',
      'hl7.oru.port': (receiver.address() as AddressInfo).port,
      'hl7.oru.ackTimeoutMs': 400,
      'hl7.oru.backoffMs': 50,
    });
    ris = new Hl7Client({ host: '127.0.0.1', port: app.services.orders.mllpPort ?? 0 });
  }, 90_000);
  afterAll(async () => {
    await ris?.close();
    await app?.close();
    await new Promise((r) => receiver.close(r));
  });

  const send = async (msg: Hl7Message): Promise<string> =>
    (await ris.sendAndWait(msg, { timeoutMs: 5000 })).getSegment('MSA')?.getComponent(1, 1) ?? '';
  const item = (uid: string) => app.services.worklist.get(uid);

  it('a late STAT order (ORM^O01) raises a study already on the worklist', async () => {
    await app.services.dicom.ingest.storeBuffer(readFileSync(late.path), 'import');
    const before = await until('the study on the worklist, analysed', async () => {
      const i = await item(late.uid);
      return i && i.aiStatus !== 'pending' ? i : undefined;
    });
    expect(before.urgency).not.toBe('critical');
    const ack = await send(
      hl7(
        msh('ORM^O01', 'M1'),
        'PID|1||HL7-P1^^^HOSP^MR||Late^Lou',
        'PV1|1|O|CLINIC',
        'ORC|NW|PL1|ORD-LATE||SC||^^^^^S',
        'OBR|1|PL1|ORD-LATE|71045^XR CHEST^CPT|||||||||||||||ORD-LATE',
      ),
    );
    expect(ack).toBe('AA');
    const after = await until('the re-rank', async () => {
      const i = await item(late.uid);
      return i?.urgency === 'critical' ? i : undefined;
    });
    expect(after.orderPriority).toBe('S');
    expect(after.explanation.join(' ')).toMatch(/S/);
  });

  it('an order that comes before its study (OMI^O23, inpatient in ICU) sets the floor when the study arrives; ADT moves it', async () => {
    const ack = await send(
      hl7(
        msh('OMI^O23', 'M2', '2.5.1'),
        'PID|1||HL7-P2^^^HOSP^MR||Early^Eve',
        'PV1|1|I|ICU^3^B',
        'ORC|NW|PL2',
        'TQ1|1||||||||R',
        'OBR|1|PL2||71045^XR CHEST^CPT',
        'IPC|ORD-EARLY|RP2|1.2.3|SPS2',
      ),
    );
    expect(ack).toBe('AA');
    await app.services.dicom.ingest.storeBuffer(readFileSync(early.path), 'import');
    const ranked = await until('the early-ordered study', async () => item(early.uid));
    expect(ranked.patientLocation).toBe('ICU 3 B INPATIENT');
    expect(ranked.urgency).toBe('urgent');
    expect(await send(hl7(msh('ADT^A03', 'M3'), 'PID|1||HL7-P2^^^HOSP^MR', 'PV1|1|O|'))).toBe('AA');
    const moved = await until('the discharge to reach the worklist', async () => {
      const i = await item(early.uid);
      return i?.patientLocation === 'DISCHARGED OUTPATIENT' ? i : undefined;
    });
    expect(moved.urgency).not.toBe('urgent');
  });

  it('answers AE to an order without an accession number and AR to a message type it does not handle', async () => {
    expect(await send(hl7(msh('ORM^O01', 'M4'), 'PID|1||X^^^HOSP^MR', 'ORC|NW', 'OBR|1'))).toBe('AE');
    expect(await send(hl7(msh('SIU^S12', 'M5'), 'SCH|1'))).toBe('AR');
  });

  it('sent one ORU^R01 per analysed study, preliminary, after a NAK and a missing ACK', async () => {
    const status = await until('the ORU to be delivered', async () => {
      const s = await app.services.hl7.oruQueue?.status(late.uid);
      return s?.state === 'delivered' ? s : undefined;
    });
    expect(status.attempts).toBeGreaterThanOrEqual(3);
    const oru = received.find((m) => m.getSegment('OBR')?.getComponent(3, 1) === 'ORD-LATE');
    expect(oru?.getSegment('MSH')?.getComponent(9, 1)).toBe('ORU');
    expect(oru?.getSegment('OBR')?.getField(25).toString()).toBe('P');
    const obx = oru?.getAllSegments('OBX') ?? [];
    expect(obx.map((o) => o.getComponent(3, 1))).toEqual(['36118008', '60046008', '8186001']);
    for (const o of obx) {
      expect(o.getField(11).toString()).toBe('P');
      expect(Number(o.getField(5).toString())).toBeGreaterThanOrEqual(0);
      expect(o.getComponent(18, 2)).toContain('0.0.1');
    }
    expect(oru?.getAllSegments('NTE').at(-1)?.getField(3).toString()).toContain('AI-generated');
  });
});
