import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acknowledgedCount, runDcmtk } from '../../../test/support/dcmtk.ts';
import { makeInstance } from '../../../test/support/dicom-gen.ts';
import { allMigrations } from '../../app/modules.ts';
import { systemClock } from '../../core/clock.ts';
import { InMemoryBus } from '../../events/bus.ts';
import { createLogger } from '../../log/logger.ts';
import type { Db } from '../../store/db.ts';
import { openDb } from '../../store/open.ts';
import { type Ingest, createIngest } from '../ingest/create-ingest.ts';
import { DimseServer } from './dimse-server.ts';

const IDLE_MS = 1000;
const VERIFICATION = '1.2.840.10008.1.1';
const IMPLICIT_LE = '1.2.840.10008.1.2';

/** A UID as a DICOM value: padded to even length with NUL (PS3.5 9.1). */
const uid = (u: string): Buffer => Buffer.from(u.length % 2 ? `${u}\0` : u, 'latin1');

/** An A-ASSOCIATE-RQ/-AC sub-item or item: type, reserved, 16-bit length, value (PS3.8 9.3.2). */
function item(type: number, value: Buffer): Buffer {
  const head = Buffer.from([type, 0, 0, 0]);
  head.writeUInt16BE(value.length, 2);
  return Buffer.concat([head, value]);
}

/** A PDU: type, reserved, 32-bit length, value (PS3.8 9.3.1). */
function pdu(type: number, value: Buffer): Buffer {
  const head = Buffer.from([type, 0, 0, 0, 0, 0]);
  head.writeUInt32BE(value.length, 2);
  return Buffer.concat([head, value]);
}

/** A-ASSOCIATE-RQ for verification, implicit VR little endian (PS3.8 9.3.2). */
function associateRq(calling: string, called: string): Buffer {
  const fixed = Buffer.alloc(68, 0x20);
  fixed.writeUInt16BE(1, 0);
  fixed.writeUInt16BE(0, 2);
  fixed.write(called.padEnd(16), 4, 'latin1');
  fixed.write(calling.padEnd(16), 20, 'latin1');
  fixed.fill(0, 36, 68);
  const maxLength = Buffer.alloc(4);
  maxLength.writeUInt32BE(16384);
  return pdu(
    0x01,
    Buffer.concat([
      fixed,
      item(0x10, Buffer.from('1.2.840.10008.3.1.1.1', 'latin1')),
      item(0x20, Buffer.concat([Buffer.from([1, 0, 0, 0]), item(0x30, uid(VERIFICATION)), item(0x40, uid(IMPLICIT_LE))])),
      item(0x50, Buffer.concat([item(0x51, maxLength), item(0x52, uid('1.2.826.0.1.3680043.10.1455.99'))])),
    ]),
  );
}

/** One implicit VR little-endian element of a command set (PS3.7 E.1). */
function commandElement(element: number, value: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16LE(0x0000, 0);
  head.writeUInt16LE(element, 2);
  head.writeUInt32LE(value.length, 4);
  return Buffer.concat([head, value]);
}

const us = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};

/** P-DATA-TF carrying a whole C-ECHO-RQ command set on presentation context 1 (PS3.7 9.3.5.1). */
function cEchoRq(messageId: number): Buffer {
  const body = Buffer.concat([
    commandElement(0x0002, uid(VERIFICATION)),
    commandElement(0x0100, us(0x0030)),
    commandElement(0x0110, us(messageId)),
    commandElement(0x0800, us(0x0101)),
  ]);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(body.length);
  const command = Buffer.concat([commandElement(0x0000, groupLength), body]);
  const pdv = Buffer.alloc(6);
  pdv.writeUInt32BE(command.length + 2, 0);
  pdv[4] = 1;
  pdv[5] = 0x03; // command, last fragment
  return pdu(0x04, Buffer.concat([pdv, command]));
}

/** A raw DICOM peer that records the PDU types it receives and when its connection closed. */
class RawPeer {
  readonly received: number[] = [];
  closedAt: number | undefined;
  private pending = Buffer.alloc(0);
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.pending = Buffer.concat([this.pending, d]);
      while (this.pending.length >= 6 && this.pending.length >= 6 + this.pending.readUInt32BE(2)) {
        this.received.push(this.pending[0] ?? -1);
        this.pending = this.pending.subarray(6 + this.pending.readUInt32BE(2));
      }
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closedAt = Date.now();
      this.wake();
    });
  }

  static open(port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawPeer(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once `ok()` holds, or rejects after `ms`. */
  until(ok: () => boolean, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (ok()) return resolve();
        if (Date.now() > deadline) return reject(new Error(`timed out; received PDU types ${this.received.join(',')}`));
        this.waiters.push(check);
        setTimeout(check, 50).unref();
      };
      check();
    });
  }
}

const A_ASSOCIATE_AC = 0x02;
const P_DATA_TF = 0x04;
const A_ABORT = 0x07;

describe('DIMSE association idle timeout', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rf-dimse-idle-'));
  const logged: string[] = [];
  const logger = createLogger('warn', new Writable({ write: (c: Buffer, _e, cb) => (logged.push(c.toString()), cb()) }));
  let db: Db;
  let ingest: Ingest;
  let server: DimseServer;

  beforeAll(async () => {
    db = await openDb({ sqlitePath: join(dir, 'readfirst.db'), migrations: allMigrations });
    ingest = await createIngest({
      dataDir: dir,
      db,
      bus: new InMemoryBus(() => undefined),
      clock: systemClock,
      logger,
      metrics: new Registry(),
    });
    server = new DimseServer({
      aeTitle: 'READFIRST',
      allowedCallingAeTitles: [],
      host: '127.0.0.1',
      port: 0,
      ingest: ingest.service,
      logger,
      idleTimeoutMs: IDLE_MS,
    });
    await server.start();
  });
  afterAll(async () => {
    await server.close(1000);
    await ingest.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('aborts an association whose peer stopped in the middle of a PDU, within the timeout, while another peer is served', async () => {
    const silent = await RawPeer.open(server.port());
    silent.socket.write(associateRq('STALLS', 'READFIRST'));
    await silent.until(() => silent.received.includes(A_ASSOCIATE_AC), 5000);
    // A P-DATA-TF that announces 4,000 bytes and delivers 10: the SCP is left mid-PDU.
    const head = Buffer.from([P_DATA_TF, 0, 0, 0, 0, 0]);
    head.writeUInt32BE(4000, 2);
    silent.socket.write(Buffer.concat([head, Buffer.alloc(10)]));
    const stalledAt = Date.now();

    // Meanwhile a good file arrives over another association and is stored.
    const scuDir = mkdtempSync(join(tmpdir(), 'rf-dimse-idle-scu-'));
    const good = makeInstance({ patientId: 'IDLE-OTHER' });
    writeFileSync(join(scuDir, 'good.dcm'), good.bytes);
    const r = await runDcmtk('storescu', [
      '-v',
      '-aet',
      'MODALITY',
      '-aec',
      'READFIRST',
      '+sd',
      '127.0.0.1',
      String(server.port()),
      scuDir,
    ]);
    rmSync(scuDir, { recursive: true, force: true });
    expect(acknowledgedCount(r.stdout + r.stderr)).toBe(1);
    expect(await ingest.store.getInstance(good.sopUid)).toBeDefined();

    await silent.until(() => silent.closedAt !== undefined, IDLE_MS + 4000);
    const waited = (silent.closedAt ?? 0) - stalledAt;
    expect(silent.received).toContain(A_ABORT);
    expect(waited).toBeGreaterThanOrEqual(IDLE_MS - 100);
    expect(waited).toBeLessThan(IDLE_MS + 3000);
    expect(logged.some((l) => l.includes('DIMSE connection silent too long') && l.includes('"established":true'))).toBe(true);

    // The server goes on accepting associations afterwards.
    expect((await runDcmtk('echoscu', ['-aet', 'MODALITY', '-aec', 'READFIRST', '127.0.0.1', String(server.port())])).code).toBe(0);
  });

  it('closes a connection that never sends an A-ASSOCIATE-RQ, without an A-ABORT (ARTIM, PS3.8 9.2)', async () => {
    const mute = await RawPeer.open(server.port());
    await mute.until(() => mute.closedAt !== undefined, IDLE_MS + 4000);
    expect(mute.received).toEqual([]);
  });

  it('keeps an association that goes on talking, though it lasts longer than the timeout', async () => {
    const peer = await RawPeer.open(server.port());
    peer.socket.write(associateRq('ECHOER', 'READFIRST'));
    await peer.until(() => peer.received.includes(A_ASSOCIATE_AC), 5000);
    const start = Date.now();
    for (let id = 1; Date.now() - start < IDLE_MS * 2.5; id++) {
      peer.socket.write(cEchoRq(id));
      await peer.until(() => peer.received.filter((t) => t === P_DATA_TF).length === id, 5000);
      await new Promise((r) => setTimeout(r, IDLE_MS / 3));
    }
    expect(peer.closedAt).toBeUndefined();
    expect(peer.received).not.toContain(A_ABORT);
    peer.socket.destroy();
  });
});
