import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type SealedSegment, IngestJournal } from './ingest-journal.ts';
import { encodeRecord, scanSegment } from './record.ts';
import { listSegments } from './segment-files.ts';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'rf-journal-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const payload = (n: number, size = 1000): Buffer => Buffer.alloc(size, n);

async function segmentBytes(dir: string): Promise<{ seq: number; buf: Buffer; path: string }> {
  const [seg] = await listSegments(dir);
  if (!seg) throw new Error('no segment');
  return { seq: seg.seq, buf: readFileSync(seg.path), path: seg.path };
}

describe('ingest journal', () => {
  it('appends records that a scan reads back in order, with key, tag and payload', async () => {
    const dir = tmp();
    const j = await IngestJournal.open(dir, { segmentBytes: 1 << 20, onSealed: () => undefined });
    const seqs = await Promise.all([1, 2, 3].map((n) => j.append(`a/b/${n}.dcm`, 'dimse', payload(n, 1001 + n))));
    await j.close();
    expect(new Set(seqs).size).toBe(1);
    const { seq, buf } = await segmentBytes(dir);
    const scan = scanSegment(buf, seq);
    expect(scan.end).toBe('end');
    expect(scan.records.map((r) => [r.key, r.tag, r.payload.length, r.payload[0]])).toEqual([
      ['a/b/1.dcm', 'dimse', 1002, 1],
      ['a/b/2.dcm', 'dimse', 1003, 2],
      ['a/b/3.dcm', 'dimse', 1004, 3],
    ]);
  });

  it('ignores a torn last record on replay', async () => {
    const dir = tmp();
    const j = await IngestJournal.open(dir, { segmentBytes: 1 << 20, onSealed: () => undefined });
    for (const n of [1, 2, 3]) await j.append(`k${n}`, 'stow', payload(n));
    await j.close();
    const { seq, buf, path } = await segmentBytes(dir);
    const third = scanSegment(buf, seq).records[2];
    if (!third) throw new Error('missing record');
    // Only the first half of the third record reached the disk.
    buf.fill(0, third.offset + 500, third.offset + 2000);
    writeFileSync(path, buf);
    const scan = scanSegment(readFileSync(path), seq);
    expect(scan.records.map((r) => r.key)).toEqual(['k1', 'k2']);
    expect(scan.end).toBe('checksum-mismatch');
    expect(scan.endOffset).toBe(third.offset);
  });

  it('detects a checksum mismatch and stops before the damaged record', async () => {
    const dir = tmp();
    const j = await IngestJournal.open(dir, { segmentBytes: 1 << 20, onSealed: () => undefined });
    for (const n of [1, 2, 3]) await j.append(`k${n}`, 'stow', payload(n));
    await j.close();
    const { seq, buf } = await segmentBytes(dir);
    const second = scanSegment(buf, seq).records[1];
    if (!second) throw new Error('missing record');
    buf.writeUInt8((buf.readUInt8(second.offset + 600) ^ 0x01) & 0xff, second.offset + 600);
    const scan = scanSegment(buf, seq);
    expect(scan.records.map((r) => r.key)).toEqual(['k1']);
    expect(scan.end).toBe('checksum-mismatch');
  });

  it('reads records left over from an older segment (a recycled file) as the end of the log', () => {
    const old = encodeRecord(7, 'stale', '', payload(9));
    const fresh = encodeRecord(8, 'fresh', '', payload(1));
    const buf = Buffer.concat([...fresh.buffers, ...old.buffers, Buffer.alloc(64)]);
    const scan = scanSegment(buf, 8);
    expect(scan.records.map((r) => r.key)).toEqual(['fresh']);
    expect(scan.end).toBe('end');
  });

  it('group-commits concurrent appends, rolls to a new segment when full, and hands sealed segments over in order', async () => {
    const dir = tmp();
    const sealed: SealedSegment[] = [];
    const j = await IngestJournal.open(dir, { segmentBytes: 64 * 1024, onSealed: (s) => sealed.push(s) });
    const seqs = await Promise.all(Array.from({ length: 40 }, (_, n) => j.append(`k${n}`, '', payload(n, 5000), Promise.resolve(`f${n}`))));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(sealed.length).toBeGreaterThanOrEqual(2);
    expect(sealed.map((s) => s.seq)).toEqual([...new Set(seqs)].slice(0, sealed.length));
    await j.close();
    const total = sealed.reduce((n, s) => n + s.work.length, 0);
    expect(total).toBe(40);
    let keys: string[] = [];
    for (const seg of await listSegments(dir)) keys = keys.concat(scanSegment(readFileSync(seg.path), seg.seq).records.map((r) => r.key));
    expect(keys).toEqual(Array.from({ length: 40 }, (_, n) => `k${n}`));
    expect(readdirSync(dir).some((f) => f.startsWith('spare-'))).toBe(true);
  });

  it('refuses a payload larger than a segment (the caller writes it durably another way)', async () => {
    const j = await IngestJournal.open(tmp(), { segmentBytes: 64 * 1024, onSealed: () => undefined });
    expect(j.fits('k', '', 100_000)).toBe(false);
    await expect(j.append('k', '', payload(1, 100_000))).rejects.toThrow(/larger than a journal segment/);
    await j.close();
  });
});
