import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp } from '../../../test/support/app.ts';
import { makeInstance } from '../../../test/support/dicom-gen.ts';
import type { App } from '../../app/app.ts';
import { instanceFilePath } from '../../files/instance-files.ts';
import { LocalInstanceFiles } from '../../files/local-instance-files.ts';
import { IngestJournal } from '../../files/journal/ingest-journal.ts';
import { listSegments } from '../../files/journal/segment-files.ts';
import { createLogger } from '../../log/logger.ts';
import { SqlDicomStore } from '../store/sql-dicom-store.ts';
import { replayJournal } from './journal-replay.ts';

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('ingest journal replay', () => {
  it('restores files and records of journalled instances, and is idempotent', async () => {
    app = await startTestApp({ 'dimse.enabled': false });
    const store = new SqlDicomStore(app.ctx.db);
    const files = new LocalInstanceFiles(join(app.ctx.config.dataDir, 'files'));
    const dir = mkdtempSync(join(tmpdir(), 'rf-replay-'));
    const xs = [makeInstance(), makeInstance()];
    const j = await IngestJournal.open(dir, { segmentBytes: 1 << 20, onSealed: () => undefined });
    for (const x of xs) await j.append(instanceFilePath(x.studyUid, x.seriesUid, x.sopUid), 'stow', x.bytes);
    await j.close();
    const [seg] = await listSegments(dir);
    if (!seg) throw new Error('no segment');
    copyFileSync(seg.path, `${seg.path}.copy`);
    const logger = createLogger('silent');

    expect(await replayJournal(dir, { store, files, logger })).toEqual({ records: 2, recorded: 2 });
    expect(await listSegments(dir)).toEqual([]);
    copyFileSync(`${seg.path}.copy`, seg.path);
    expect(await replayJournal(dir, { store, files, logger })).toEqual({ records: 2, recorded: 0 });

    for (const x of xs) {
      const rec = await store.getInstance(x.sopUid);
      expect(rec?.filePath).toBe(instanceFilePath(x.studyUid, x.seriesUid, x.sopUid));
      expect(readFileSync(files.absolutePath({ filePath: rec?.filePath ?? '' })).equals(x.bytes)).toBe(true);
    }
  });
});
