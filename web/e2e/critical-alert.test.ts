import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readingRoomInBrowser, sendCriticalStudy, shot, signInThroughUi } from './support/scenario.ts';
import type { ServerHandle } from './support/server.ts';
import { apiGet } from './support/session.ts';

interface AlertList {
  items: Array<{ id: string; studyInstanceUid: string; status: string; acknowledgedBy: string | null }>;
}

describe('the critical-result alert banner', () => {
  let server: ServerHandle;
  let context: BrowserContext;
  let page: Page;
  let cookie: string;

  beforeAll(async () => {
    // Pneumothorax positive from 0.7: the DX sample (≈ 0.75) is AI-critical, the CR one is not.
    ({ server, cookie, context, page } = await readingRoomInBrowser(0, { pneumothoraxThreshold: 0.7 }));
  }, 240_000);
  afterAll(async () => {
    await context?.close();
    await server?.stop();
  });

  it('shows an AI-critical study live in a banner until a person acknowledges it', async () => {
    await signInThroughUi(page, server.base);
    expect(await page.locator('.alert-banner').count()).toBe(0);
    // Ordered routine: only the AI's pneumothorax finding makes it critical.
    const uid = await sendCriticalStudy(server.base, 'ROUTINE');
    const banner = page.getByRole('alert', { name: 'Critical results' });
    await banner.waitFor({ timeout: 30_000 });
    expect(await banner.textContent()).toMatch(/Pneumothorax 0\.\d+ ≥ 0\.70/);
    await shot(page, 'alert.png');
    await banner.getByRole('button', { name: 'Acknowledge' }).click();
    await banner.waitFor({ state: 'detached' });
    const all = await apiGet<AlertList>(server.base, cookie, '/api/alerts?status=all');
    expect(all.items.find((a) => a.studyInstanceUid === uid)).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'reader' });
  });
});
