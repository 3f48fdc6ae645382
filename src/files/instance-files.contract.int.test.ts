import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type InstanceFiles, instanceFilePath } from './instance-files.ts';
import { IngestJournal } from './journal/ingest-journal.ts';
import { SegmentSweeper } from './journal/segment-sweeper.ts';
import { retireSegment } from './journal/segment-files.ts';
import { LocalInstanceFiles } from './local-instance-files.ts';

/**
 * The contract every InstanceFiles implementation passes (a second one, object storage, must
 * pass it too: add it to `implementations`). Bytes come back exactly as written, a missing file is
 * an error for `read` and undefined for `size`, `restore` repairs a missing or different file and
 * keeps an identical one, and concurrent writes of different instances never mix.
 */
interface Implementation {
  name: string;
  open(): Promise<{ files: InstanceFiles; reopen(): Promise<InstanceFiles>; close(): Promise<void> }>;
}

const implementations: Implementation[] = [
  {
    name: 'local folder, per-file sync',
    async open() {
      const root = mkdtempSync(join(tmpdir(), 'rf-files-'));
      return { files: new LocalInstanceFiles(root), reopen: async () => new LocalInstanceFiles(root), close: async () => undefined };
    },
  },
  {
    name: 'local folder behind the ingest journal',
    async open() {
      const root = mkdtempSync(join(tmpdir(), 'rf-files-j-'));
      const journalDir = join(root, '..', `${root.split('/').pop() ?? 'x'}-journal`);
      const sweeper = new SegmentSweeper({
        beforeRetire: async () => undefined,
        retire: (seq) => retireSegment(journalDir, seq, true),
        onError: () => undefined,
      });
      // Small segments, so a large instance takes the per-file path and several segments seal.
      const journal = await IngestJournal.open(journalDir, { onSealed: sweeper.onSealed, segmentBytes: 256 * 1024 });
      const files = new LocalInstanceFiles(root);
      files.useJournal(journal);
      const close = async (): Promise<void> => {
        files.useJournal(undefined);
        await journal.close();
        await sweeper.idle();
      };
      return { files, reopen: async () => (await close(), new LocalInstanceFiles(root)), close };
    },
  },
];

const pathOf = (n: number): string =>
  instanceFilePath('1.2.826.0.1.3680043.10.7', '1.2.826.0.1.3680043.10.7.1', `1.2.826.0.1.3680043.10.7.1.${n}`);

for (const impl of implementations) {
  describe(`InstanceFiles contract: ${impl.name}`, () => {
    let store: Awaited<ReturnType<Implementation['open']>>;
    beforeEach(async () => {
      store = await impl.open();
    });
    afterEach(async () => store.close());

    it('reads back exactly the bytes written, and their size, also after reopening', async () => {
      const small = randomBytes(3000);
      const large = randomBytes(600 * 1024);
      await store.files.write(pathOf(1), small, 'dimse');
      await store.files.write(pathOf(2), large, 'stow');
      expect((await store.files.read({ filePath: pathOf(1) })).equals(small)).toBe(true);
      expect(await store.files.size({ filePath: pathOf(2) })).toBe(large.length);
      const again = await store.reopen();
      expect((await again.read({ filePath: pathOf(2) })).equals(large)).toBe(true);
    });

    it('reports a missing file: read rejects, size is undefined', async () => {
      await expect(store.files.read({ filePath: pathOf(9) })).rejects.toThrow();
      expect(await store.files.size({ filePath: pathOf(9) })).toBeUndefined();
    });

    it('restore writes a missing file, replaces a different one, keeps an identical one', async () => {
      const bytes = randomBytes(2048);
      await store.files.restore(pathOf(3), bytes);
      expect((await store.files.read({ filePath: pathOf(3) })).equals(bytes)).toBe(true);
      const other = randomBytes(1024);
      await store.files.write(pathOf(4), other);
      await store.files.restore(pathOf(4), bytes);
      expect((await store.files.read({ filePath: pathOf(4) })).equals(bytes)).toBe(true);
      await store.files.restore(pathOf(4), bytes);
      expect(await store.files.size({ filePath: pathOf(4) })).toBe(bytes.length);
    });

    it('keeps 200 concurrent writes apart', async () => {
      const xs = Array.from({ length: 200 }, (_, i) => ({ path: pathOf(100 + i), bytes: randomBytes(1000 + i) }));
      await Promise.all(xs.map((x) => store.files.write(x.path, x.bytes, 'dimse')));
      for (const x of xs) expect((await store.files.read({ filePath: x.path })).equals(x.bytes)).toBe(true);
    });
  });
}

describe('instance file paths', () => {
  it('refuses anything but DICOM UIDs, so no path leaves the root', () => {
    expect(instanceFilePath('1.2', '1.2.3', '1.2.3.4')).toBe('1.2/1.2.3/1.2.3.4.dcm');
    for (const bad of ['..', '1.2/../..', '', '1..2', 'a.b']) expect(() => instanceFilePath('1.2', bad, '1.2.3')).toThrow();
  });
});
