import { mkdtempSync, readFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { allMigrations } from '../app/modules.ts';
import { systemClock } from '../core/clock.ts';
import { createIngest } from '../dicom/ingest/create-ingest.ts';
import { SqlDicomStore } from '../dicom/store/sql-dicom-store.ts';
import { InMemoryBus } from '../events/bus.ts';
import { SqlInferenceResultStore } from '../inference/result-store.ts';
import { derive, setString, UNCOMPRESSED } from '../inference/testing/dicom-fixtures.ts';
import { createLogger } from '../log/logger.ts';
import { openDb } from '../store/open.ts';
import { readSr } from './sr/read-sr.ts';
import { buildStudyOutputs } from './study-outputs.ts';
import { FIXTURE_MODEL, fixtureFinding } from './testing/analysis-fixture.ts';

const STUDY = '1.2.826.0.1.3680043.10.1455.78.1';

describe("a study's outputs when one of its images is gone from disk", () => {
  const dir = mkdtempSync(join(tmpdir(), 'rf-outputs-'));
  const logged: string[] = [];
  const logger = createLogger('error', new Writable({ write: (c: Buffer, _e, cb) => (logged.push(c.toString()), cb()) }));

  it('writes the SR, KOS and heat-map of the readable image and logs the missing one', async () => {
    const db = await openDb({ sqlitePath: join(dir, 'readfirst.db'), migrations: allMigrations });
    const ingest = await createIngest({
      dataDir: dir,
      db,
      bus: new InMemoryBus(() => undefined),
      clock: systemClock,
      logger,
      metrics: new Registry(),
    });
    try {
      const files = ['a', 'b'].map((k) =>
        derive(UNCOMPRESSED, `outputs-${k}.dcm`, (d, meta) => {
          setString(d, '0020000D', 'UI', STUDY);
          setString(d, '0020000E', 'UI', `${STUDY}.${k === 'a' ? 1 : 2}`);
          setString(d, '00080018', 'UI', `${STUDY}.${k === 'a' ? 1 : 2}.1`);
          setString(meta, '00020003', 'UI', `${STUDY}.${k === 'a' ? 1 : 2}.1`);
        }),
      );
      for (const f of files) expect((await ingest.service.storeBuffer(readFileSync(f), 'import')).outcome).toBe('stored');
      const store = new SqlDicomStore(db);
      const results = new SqlInferenceResultStore(db);
      const [a, b] = [`${STUDY}.1.1`, `${STUDY}.2.1`];
      for (const [sop, series] of [
        [a, `${STUDY}.1`],
        [b, `${STUDY}.2`],
      ] as const) {
        const finding = fixtureFinding('pneumothorax', '36118008', 'Pneumothorax', 0.8);
        const id = `result-${sop}`;
        finding.heatmap = { grey: `${id}-grey`, colour: `${id}-colour` };
        const source = {
          cam: { width: 2, height: 2, data: [0, 1, 1, 3] },
          inputWidth: 32,
          inputHeight: 32,
          placement: { scaleX: 32 / 1024, scaleY: 32 / 1024, offsetX: 0, offsetY: 0, width: 32, height: 32 },
          columns: 1024,
          rows: 1024,
        };
        for (const kind of ['grey', 'colour'] as const)
          await results.saveHeatmap({
            id: `${id}-${kind}`,
            resultId: id,
            findingKey: 'pneumothorax',
            kind,
            rows: 1024,
            columns: 1024,
            png: Buffer.alloc(0),
            source,
          });
        await results.save({
          id,
          studyInstanceUid: STUDY,
          seriesInstanceUid: series,
          sopInstanceUid: sop,
          status: 'analysed',
          model: FIXTURE_MODEL,
          findings: [finding],
          gate: null,
          timings: null,
          inputSha256: null,
          createdAt: 1,
          aiGenerated: true,
        });
      }
      await ingest.close();
      const gone = await store.getInstance(b);
      if (!gone) throw new Error('instance b not stored');
      unlinkSync(ingest.files.absolutePath(gone));

      const objects = await buildStudyOutputs(
        {
          results,
          heatmaps: results,
          dicomStore: store,
          instanceFiles: ingest.files,
          now: () => 1,
          outputs: ['sr', 'kos', 'heatmap'],
          manufacturer: 'readfirst',
          logger,
        },
        STUDY,
      );
      expect(objects.map((o) => o.kind)).toEqual(['sr', 'kos', 'heatmap']);
      const sr = objects.find((o) => o.kind === 'sr');
      expect(readSr(sr?.bytes ?? Buffer.alloc(0)).findings.map((f) => f.sopInstanceUid)).toEqual([a]);
      expect(logged.join('')).toContain('source image of an AI result is unreadable');
      // No patient data in the log line: only UIDs and ids.
      expect(logged.join('')).not.toContain('Covid');
    } finally {
      await db.close();
    }
  });
});
