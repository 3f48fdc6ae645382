import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDbs } from '../../test/support/dbs.ts';
import type { InferenceResult } from './result.ts';
import { SqlInferenceResultStore } from './result-store.ts';

const result = (id: string, study: string, createdAt: number): InferenceResult => ({
  id,
  studyInstanceUid: study,
  seriesInstanceUid: '1.2.3.1',
  sopInstanceUid: `1.2.3.1.${id}`,
  status: 'analysed',
  model: { modelId: 'tiny-cxr', modelName: 'tiny', modelVersion: '0.0.1', modelSha256: 'f'.repeat(64), shadow: false },
  findings: [
    {
      key: 'pneumothorax',
      display: 'Pneumothorax',
      code: { system: 'http://snomed.info/sct', code: '36118008', display: 'Pneumothorax' },
      probability: 0.7,
      decisions: [{ name: 'balanced', threshold: 0.5, positive: true, sensitivity: 0.8, specificity: 0.8 }],
      heatmap: { grey: `${id}-g`, colour: `${id}-c` },
    },
  ],
  gate: { passed: true, measures: { oodDistance: 1.5 } },
  timings: { queueMs: 1, decodeMs: 2, preprocessMs: 3, inferMs: 4, totalMs: 10 },
  inputSha256: 'e'.repeat(64),
  createdAt,
  aiGenerated: true,
});

for (const t of testDbs) {
  describe(`SqlInferenceResultStore on ${t.name}`, () => {
    let store: SqlInferenceResultStore;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      const opened = await t.open();
      cleanup = () => opened.cleanup();
      store = new SqlInferenceResultStore(opened.db);
    });
    afterAll(async () => cleanup());

    it('round-trips results and lists a study in creation order', async () => {
      await store.save(result('b', '1.2.3', 2000));
      await store.save(result('a', '1.2.3', 1000));
      await store.save(result('c', '9.9.9', 1500));
      expect(await store.get('b')).toEqual(result('b', '1.2.3', 2000));
      expect((await store.listForStudy('1.2.3')).map((r) => r.id)).toEqual(['a', 'b']);
      expect(await store.get('nope')).toBeUndefined();
    });

    it('stores heat-map PNG bytes exactly', async () => {
      const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]);
      const source = {
        cam: { width: 1, height: 1, data: [0.5] },
        inputWidth: 8,
        inputHeight: 8,
        placement: { scaleX: 0.4, scaleY: 0.4, offsetX: 0, offsetY: 2, width: 8, height: 4 },
        columns: 20,
        rows: 10,
      };
      await store.saveHeatmap({
        id: 'h1',
        resultId: 'a',
        findingKey: 'pneumothorax',
        kind: 'grey',
        rows: 10,
        columns: 20,
        png: Buffer.alloc(0),
        source,
      });
      expect((await store.getHeatmap('h1'))?.png.length).toBe(0);
      await store.setHeatmapPng('h1', png);
      const h = await store.getHeatmap('h1');
      expect(h?.png.equals(png)).toBe(true);
      expect(h).toMatchObject({ resultId: 'a', kind: 'grey', rows: 10, columns: 20, source });
    });
  });
}
