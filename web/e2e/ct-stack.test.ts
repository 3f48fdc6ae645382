/**
 * A CT series end to end: sent by storescu, assembled, read by the 2.5D pipeline test model
 * (models/ct-phantom-demo, synthetic phantoms only), ranked, and in Chromium the viewer opens the
 * series as one stack at the AI's key slice with its heat-map, scrolls with the keys and the
 * mouse wheel, and jumps back to the key slice.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCtSeries } from '../../src/inference/volume/testing/ct-series.ts';
import { acknowledgedCount, runDcmtk } from '../../test/support/dcmtk.ts';
import { freePort } from '../../test/support/server-process.ts';
import { launch } from './support/browser.ts';
import { READER, shot, signInThroughUi } from './support/scenario.ts';
import { REPO, type ServerHandle, ensureWebBuilt, startServer } from './support/server.ts';
import { apiGet, apiLogin, waitFor } from './support/session.ts';

interface ListPage {
  items: Array<{ studyInstanceUid: string; aiStatus: string }>;
}

const SLICES = 16;
const LESION = 9;

describe('a CT series in the viewer: stack, key slice, heat-map', () => {
  let server: ServerHandle;
  let context: BrowserContext;
  let page: Page;
  let cookie = '';
  const studyUid = '2.25.8080.1';

  beforeAll(async () => {
    ensureWebBuilt();
    const dimse = await freePort();
    server = await startServer(
      {
        READFIRST_DIMSE_ENABLED: 'true',
        READFIRST_DIMSE_PORT: String(dimse),
        READFIRST_DIMSE_HOST: '127.0.0.1',
        READFIRST_INGEST_QUIET_PERIOD_MS: '500',
        READFIRST_INFERENCE_MODEL_DIRS: join(REPO, 'models/ct-phantom-demo'),
        READFIRST_INFERENCE_TEST_MODELS: 'ct-phantom-demo',
        READFIRST_INFERENCE_INTRA_OP_THREADS: '1',
      },
      (h) => void h.cli(['user', 'add', READER.username, '--password-stdin', '--display-name', READER.displayName], READER.password),
    );
    cookie = await apiLogin(server.base, READER.username, READER.password);
    const dir = mkdtempSync(join(tmpdir(), 'rf-ct-e2e-'));
    const files = makeCtSeries({
      studyUid,
      seriesUid: `${studyUid}.2`,
      sopPrefix: `${studyUid}.2.1`,
      slices: SLICES,
      rows: 128,
      columns: 128,
      lesionSlice: LESION,
    }).map((s) => {
      const p = join(dir, `slice-${String(SLICES - s.index).padStart(3, '0')}.dcm`);
      writeFileSync(p, s.bytes);
      return p;
    });
    // Sent in reverse order of position: the volume must come from the geometry.
    const r = await runDcmtk('storescu', ['-v', '-aec', 'READFIRST', '127.0.0.1', String(dimse), ...files.sort()]);
    expect(acknowledgedCount(r.stdout + r.stderr)).toBe(SLICES);
    await waitFor(
      'the CT study analysed',
      async () => {
        const list = await apiGet<ListPage>(server.base, cookie, '/api/worklist?status=all');
        return list.items.some((i) => i.studyInstanceUid === studyUid && i.aiStatus === 'analysed') ? true : undefined;
      },
      120_000,
    );
    context = await launch();
    page = await context.newPage();
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await server?.stop();
  });

  it('stores one series-level result with the key slice that holds the lesion', async () => {
    const res = await apiGet<{
      results: Array<{
        sopInstanceUid: string | null;
        volume?: { slices: number; keySlices: Array<{ sliceIndex: number; sopInstanceUid: string }> };
        findings: Array<{ key: string; probability: number }>;
      }>;
    }>(server.base, cookie, `/api/readings/${studyUid}`);
    const series = res.results.filter((r) => r.volume);
    expect(series).toHaveLength(1);
    expect(series[0]?.sopInstanceUid).toBeNull();
    expect(series[0]?.volume?.slices).toBe(SLICES);
    expect(Math.abs((series[0]?.volume?.keySlices[0]?.sliceIndex ?? -9) - LESION)).toBeLessThanOrEqual(1);
    expect(series[0]?.findings[0]?.key).toBe('synthetic_lesion');
    // No slice was scored on its own as if it were a radiograph.
    expect(res.results.filter((r) => r.sopInstanceUid !== null && r.findings.length > 0)).toEqual([]);
  });

  it('opens the series as one stack at the key slice, scrolls, and jumps back to the key slice with its heat-map', async () => {
    await signInThroughUi(page, server.base);
    await page.goto(`${server.base}/study/${studyUid}`);
    const readout = page.getByTestId('slice-readout');
    await expect
      .poll(async () => readout.textContent(), { timeout: 30_000 })
      .toMatch(new RegExp(`Slice (${LESION}|${LESION + 1}|${LESION + 2}) / ${SLICES} · AI key slice`));
    const key = Number(/Slice (\d+)/.exec((await readout.textContent()) ?? '')?.[1]);
    // One thumbnail for the series, not one per slice.
    expect(await page.locator('.thumbs li').count()).toBe(1);
    await page.keyboard.press('h');
    const heat = page.getByTestId('heatmap');
    await expect.poll(async () => heat.evaluate((c) => (c as HTMLElement).style.visibility || 'visible')).toBe('visible');
    await shot(page, 'ct-stack-key-slice.png');
    await page.getByTestId('viewport-0').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('PageDown');
    await expect.poll(async () => readout.textContent()).toBe(`Slice ${key + 1} / ${SLICES}`);
    expect(await heat.evaluate((c) => (c as HTMLElement).style.visibility)).toBe('hidden');
    const box = await page.getByTestId('viewport-0').boundingBox();
    if (!box) throw new Error('no viewport');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, 300);
    await expect.poll(async () => readout.textContent()).not.toBe(`Slice ${key + 1} / ${SLICES}`);
    await page.getByTestId('key-slice').click();
    await expect.poll(async () => readout.textContent()).toBe(`Slice ${key} / ${SLICES} · AI key slice`);
    expect(await heat.evaluate((c) => (c as HTMLElement).style.visibility)).toBe('visible');
  });
});
