/**
 * Whole studies in Chromium against a real server with real DICOM: a PA plus lateral study shown
 * as two images, a prior listed and opened side by side with synchronised window/level, a
 * measurement drawn with its value, zoom direction, search by accession, an addendum and a
 * critical-result communication. One server and one browser for the file.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { difference } from './support/pixels.ts';
import { SAMPLE_DX, asNewStudy, readSample, stow } from './support/dicom.ts';
import { readingRoomInBrowser, shot, signInThroughUi, waitListed } from './support/scenario.ts';
import type { ServerHandle } from './support/server.ts';
import { apiGet } from './support/session.ts';

async function go(page: Page, path: string): Promise<void> {
  await page.evaluate((p) => {
    history.pushState(null, '', p);
    dispatchEvent(new PopStateEvent('popstate'));
  }, path);
}

async function send(base: string, cookie: string, method: string, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function drag(page: Page, selector: string, dx: number, dy: number, from: [number, number] = [0, 0]): Promise<void> {
  const box = await page.locator(selector).boundingBox();
  if (!box) throw new Error(`no box for ${selector}`);
  const x = box.x + box.width / 2 + from[0];
  const y = box.y + box.height / 2 + from[1];
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx, y + dy, { steps: 8 });
  await page.mouse.up();
}

describe('whole studies, priors and tools in Chromium against a real server', () => {
  let server: ServerHandle;
  let context: BrowserContext;
  let page: Page;
  let cookie: string;
  let current: string;
  let prior: string;
  let otherIssuer: string;

  beforeAll(async () => {
    ({ server, cookie, context, page } = await readingRoomInBrowser(0));
    const dx = readSample(SAMPLE_DX);
    const who = {
      patientName: 'Compare^Pat',
      patientId: 'P-77',
      issuer: 'HOSP-A',
      priority: 'ROUTINE',
      age: '063Y',
      indication: 'Breathless, ?effusion',
    };
    const pa = asNewStudy(dx, { ...who, accession: 'ACC-CUR', view: 'PA', studyDate: '20261201', seriesNumber: 1 });
    const lat = asNewStudy(dx, { ...who, accession: 'ACC-CUR', view: 'LL', studyDate: '20261201', seriesNumber: 2, studyUid: pa.studyUid });
    const old = asNewStudy(dx, { ...who, accession: 'ACC-PRIOR', view: 'PA', studyDate: '20250101' });
    const other = asNewStudy(dx, { ...who, issuer: 'HOSP-B', accession: 'ACC-OTHER', view: 'PA', studyDate: '20240101' });
    await stow(server.base, [pa.bytes, lat.bytes, old.bytes, other.bytes]);
    current = pa.studyUid;
    prior = old.studyUid;
    otherIssuer = other.studyUid;
    await waitListed(server.base, cookie, [current, prior, otherIssuer]);
    // The prior was reported: verdicts on its AI findings, then a signed report.
    const opened = (
      await apiGet<{ results: Array<{ findings: Array<{ key: string; decisions: Array<{ positive: boolean }> }> }> }>(
        server.base,
        cookie,
        `/api/readings/${prior}`,
      )
    ).results;
    for (const f of opened[0]?.findings ?? [])
      if (f.decisions.some((d) => d.positive))
        await send(server.base, cookie, 'PUT', `/api/readings/${prior}/findings/${f.key}`, { verdict: 'disagree' });
    await send(server.base, cookie, 'POST', `/api/readings/${prior}/sign`, {
      report: { technique: 'PA chest radiograph.', findings: 'Clear lungs.', impression: 'Normal chest in 2025.' },
    });
    await signInThroughUi(page, server.base);
  }, 240_000);
  afterAll(async () => {
    await context?.close();
    await server?.stop();
  });

  it('shows a PA plus lateral study as two images, with the header and the AI on its own image', async () => {
    await go(page, `/study/${current}`);
    await page.locator('[data-testid="viewport-0"][data-rendered="true"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="viewport-1"][data-rendered="true"]').waitFor({ timeout: 30_000 });
    const names = await page.locator('.viewport').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(/^Current: PA.*analysed by the AI$/);
    expect(names[1]).toMatch(/^Current: LL/);
    expect(await page.locator('.thumbs img').count()).toBe(2);
    const header = page.locator('.study-header');
    expect(await header.locator('[data-field="age"]').textContent()).toBe('63 y');
    expect(await header.locator('[data-field="accession"]').textContent()).toBe('ACC-CUR');
    expect(await header.locator('[data-field="view"]').textContent()).toContain('PA + LL');
    expect(await header.locator('[data-field="indication"]').textContent()).toBe('Breathless, ?effusion');
    expect(await header.locator('[data-field="priority"]').textContent()).toBe('ROUTINE');
    expect(await page.getByTestId('wl-readout').textContent()).toMatch(/^W \d+ · L -?\d+$/);
  });

  it('zooms in when dragging up with the zoom tool, and draws a length and an ellipse ROI with their values', async () => {
    await page.keyboard.press('z');
    const before = Number(await page.getByTestId('viewport-0').getAttribute('data-zoom'));
    await drag(page, '[data-testid="viewport-0"]', 0, -120);
    await expect.poll(async () => Number(await page.getByTestId('viewport-0').getAttribute('data-zoom'))).toBeGreaterThan(before);
    await page.keyboard.press('f');
    await page.keyboard.press('l');
    await drag(page, '[data-testid="viewport-0"]', 120, 40);
    await expect.poll(() => page.locator('.measurements li').first().textContent()).toMatch(/^Length \d+(\.\d)? (mm|px)$/); // px: the sample has no calibrated pixel spacing
    await page.keyboard.press('e');
    // Away from the length's handles, or the drag would move them instead of drawing.
    await drag(page, '[data-testid="viewport-0"]', 60, 60, [-140, -160]);
    await expect.poll(() => page.locator('.measurements').textContent()).toMatch(/Ellipse mean \d+(\.\d)? SD \d+(\.\d)?/);
    await shot(page, 'measurements.png');
    await page.keyboard.press('w');
  });

  it('lists the prior of the same patient within the issuer, with date and report, and opens it side by side with synchronised W/L', async () => {
    const priors = page.locator('.prior');
    await priors.first().waitFor();
    expect(await priors.count()).toBe(1);
    expect(await priors.first().getAttribute('data-uid')).toBe(prior);
    expect(await priors.first().textContent()).toMatch(/2025-01-01.*ACC-PRIOR.*Normal chest in 2025\. \(signed by Dr Reader\)/s);
    await priors.first().getByRole('button', { name: 'Compare side by side' }).click();
    await expect.poll(() => page.getByTestId('viewport-1').getAttribute('aria-label')).toMatch(/^Prior 2025-01-01: PA/);
    await page.locator('[data-testid="viewport-1"][data-rendered="true"]').waitFor({ timeout: 30_000 });
    await page.waitForTimeout(300);
    const priorPane = page.locator('.pane').nth(1);
    const beforeWl = await priorPane.screenshot();
    // Window/level dragged on the current image changes the prior too.
    await drag(page, '[data-testid="viewport-0"]', 140, 90);
    await page.waitForTimeout(300);
    expect(await difference(beforeWl, await priorPane.screenshot())).toBeGreaterThan(2);
    await shot(page, 'priors.png');
  });

  it('finds a read study by accession number and opens it', async () => {
    await go(page, '/');
    await page.locator('input[name="search"]').fill('acc-prior');
    const hit = page.locator('.search-hit');
    await hit.first().waitFor();
    expect(await hit.count()).toBe(1);
    expect(await hit.first().textContent()).toMatch(/Compare Pat.*ACC-PRIOR.*read/);
    await hit.first().click();
    await page.waitForURL(`**/study/${prior}`);
  });

  it('signs an addendum to the signed report and logs a critical-result communication', async () => {
    const box = page.locator('textarea[name="addendum"]');
    await box.waitFor();
    await box.fill('Compared with the study of 2026-12-01: new effusion there.');
    await page.getByRole('button', { name: 'Sign addendum' }).click();
    await expect
      .poll(() => page.locator('.addenda li').first().textContent())
      .toMatch(/new effusion there\..*Addendum signed by Dr Reader/s);
    const addenda = await apiGet<{ items: Array<{ text: string }> }>(server.base, cookie, `/api/readings/${prior}/addenda`);
    expect(addenda.items.map((a) => a.text)).toEqual(['Compared with the study of 2026-12-01: new effusion there.']);
    expect((await apiGet<{ state: string }>(server.base, cookie, `/api/worklist/${prior}`)).state).toBe('addended');
    await page.locator('input[name="call-finding"]').fill('New pleural effusion');
    await page.locator('input[name="call-recipient"]').fill('Dr Ward');
    await page.locator('input[name="call-role"]').fill('medical registrar');
    await page.locator('select[name="call-method"]').selectOption('phone');
    await page.locator('input[name="call-ack"]').fill('Dr Ward (read back)');
    await page.getByRole('button', { name: 'Log communication' }).click();
    await expect
      .poll(() => page.locator('.calls li').first().textContent())
      .toMatch(/New pleural effusion: told Dr Ward \(medical registrar\) by phone at .*acknowledged by Dr Ward \(read back\)/);
    const calls = await apiGet<{ items: Array<{ recordedBy: string; method: string }> }>(
      server.base,
      cookie,
      `/api/readings/${prior}/communications`,
    );
    expect(calls.items).toMatchObject([{ recordedBy: 'Dr Reader', method: 'phone' }]);
  });
});
