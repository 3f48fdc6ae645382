import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lowestContrast } from './support/contrast.ts';
import { difference, stats } from './support/pixels.ts';
import { OUT, READER, readingRoomInBrowser, sendCriticalStudy, shot, signInThroughUi } from './support/scenario.ts';
import type { ServerHandle } from './support/server.ts';
import { apiGet } from './support/session.ts';
import type { Reading } from '../../src/reading/reading.ts';
import { sortAt } from '../src/worklist/reading-order.ts';
import type { Page as WorklistPage } from '../src/worklist/worklist-api.ts';

/** The worklist rows' study UIDs, top to bottom (rows are absolutely placed: sort by their offset). */
async function rowUids(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const rows = [...document.querySelectorAll<HTMLElement>('.vrow')];
    rows.sort((a, b) => new DOMMatrix(getComputedStyle(a).transform).m42 - new DOMMatrix(getComputedStyle(b).transform).m42);
    return rows.map((r) => r.querySelector<HTMLElement>('.wl-row')?.dataset.uid ?? '');
  });
}

/** The row at the top of the worklist (rows are absolutely placed: sort by their offset). */
async function topRowUid(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const rows = [...document.querySelectorAll<HTMLElement>('.vrow')];
    rows.sort((a, b) => new DOMMatrix(getComputedStyle(a).transform).m42 - new DOMMatrix(getComputedStyle(b).transform).m42);
    return rows[0]?.querySelector<HTMLElement>('.wl-row')?.dataset.uid ?? null;
  });
}

async function viewportShot(page: Page): Promise<Buffer> {
  return page.locator('.viewport-wrap').screenshot();
}

describe('the radiologist app in Chromium against a real server', () => {
  let server: ServerHandle;
  let context: BrowserContext;
  let page: Page;
  let jpegStudyUid: string;
  let cookie: string;

  beforeAll(async () => {
    ({ server, jpegStudyUid, cookie, context, page } = await readingRoomInBrowser());
  }, 240_000);
  afterAll(async () => {
    await context?.close();
    await server?.stop();
  });

  it('signs in with a readfirst account and shows the worklist', async () => {
    await page.goto(`${server.base}/`);
    await page.getByLabel('Username').waitFor();
    // Keyboard reachable with a visible focus ring: the username field has focus, Tab moves on.
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => {
      const el = document.activeElement;
      return el ? [el.getAttribute('name'), getComputedStyle(el).outlineStyle, getComputedStyle(el).outlineWidth] : [];
    });
    expect(outline).toEqual(['password', 'solid', '3px']);
    await page.getByLabel('Username').fill(READER.username);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/wrong username or password/);
    await shot(page, 'signin.png');
    await signInThroughUi(page, server.base);
    expect(await page.locator('.wl-row').count()).toBe(4);
    expect(await page.locator('.who').textContent()).toContain(READER.displayName);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'rf_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  });

  it('re-ranks live: a new critical study moves to the top, highlighted, without a reload', async () => {
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    const before = await topRowUid(page);
    const critical = await sendCriticalStudy(server.base);
    await expect.poll(() => topRowUid(page), { timeout: 30_000 }).toBe(critical);
    expect(before).not.toBe(critical);
    const row = page.locator(`.wl-row[data-uid="${critical}"]`);
    expect(await row.getAttribute('class')).toMatch(/highlight/);
    expect(await row.locator('.badge').textContent()).toBe('Critical');
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    await shot(page, 'worklist.png');
    const ratios = await lowestContrast(page, [
      '.wl-row strong',
      '.wl-row small',
      '.wl-row .c-reason',
      '.badge',
      '.wl-head span',
      '.filters .field > span',
      '.topbar .who',
    ]);
    for (const [sel, ratio] of Object.entries(ratios)) expect(ratio, `contrast of ${sel}`).toBeGreaterThanOrEqual(4.5);
  });

  it('opens a study (claiming it) and renders the JPEG-baseline image; window/level and invert change the pixels', async () => {
    await page.locator(`.wl-row[data-uid="${jpegStudyUid}"]`).click();
    await page.waitForURL(`**/study/${jpegStudyUid}`);
    await page.locator('.viewport[data-rendered="true"]').waitFor({ timeout: 30_000 });
    await page.waitForTimeout(300);
    const first = await viewportShot(page);
    const s = await stats(first);
    expect(s.std).toBeGreaterThan(10);
    expect(s.lit).toBeGreaterThan(0.2);
    const box = await page.locator('.viewport').boundingBox();
    if (!box) throw new Error('no viewport box');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 120, box.y + box.height / 2 + 80, { steps: 8 });
    await page.mouse.up();
    await page.waitForTimeout(200);
    const levelled = await viewportShot(page);
    expect(await difference(first, levelled)).toBeGreaterThan(2);
    await page.keyboard.press('i');
    await page.waitForTimeout(200);
    const inverted = await viewportShot(page);
    expect(await difference(levelled, inverted)).toBeGreaterThan(20);
    await page.keyboard.press('r');
    await page.waitForTimeout(200);
    expect(await difference(first, await viewportShot(page))).toBeLessThan(2);
    await page.locator('.ai-label').waitFor();
    expect(await page.locator('.ai-label').textContent()).toContain('AI-generated: for assistance, not a diagnosis');
    const ratios = await lowestContrast(page, ['.ai-label', '.toolbar button', '.report .field > span', '.study-summary']);
    for (const [sel, ratio] of Object.entries(ratios)) expect(ratio, `contrast of ${sel}`).toBeGreaterThanOrEqual(4.5);
    const entry = await apiGet<{ claimedBy: string | null; state: string }>(server.base, cookie, `/api/worklist/${jpegStudyUid}`);
    expect(entry.claimedBy).toBe(READER.username);
    expect(OUT).toContain('test-output');
  });

  it('shows the findings with probability and operating point, and the heat-map toggle changes the pixels', async () => {
    await page.locator('.finding').first().waitFor();
    const first = page.locator('.finding').first();
    expect(await first.textContent()).toMatch(/Pleural effusion|Cardiomegaly/);
    expect(await first.textContent()).toMatch(/\d+%.*passed (high-sensitivity|balanced)/s);
    expect(await page.locator('.ai-label').textContent()).toContain('tiny test model · version 0.0.1');
    const plain = await viewportShot(page);
    await page.keyboard.press('h');
    await expect.poll(async () => difference(plain, await viewportShot(page)), { timeout: 10_000 }).toBeGreaterThan(3);
    expect(await first.locator('button.heat').getAttribute('aria-pressed')).toBe('true');
    await shot(page, 'viewer.png');
    await page.keyboard.press(']');
    await page.keyboard.press('h');
    await expect.poll(async () => difference(plain, await viewportShot(page)), { timeout: 10_000 }).toBeLessThan(1);
  });

  it('stores agree and disagree verdicts from the keyboard and a report signed by the reader (Ctrl+Enter)', async () => {
    const keys = await page.locator('.finding').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.key ?? ''));
    await page.keyboard.press('a');
    await expect.poll(() => page.locator('.finding').first().locator('.verdict.chosen').textContent()).toBe('Agree');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('d');
    await expect.poll(() => page.locator('.finding').nth(1).locator('.verdict.chosen').textContent()).toBe('Disagree');
    const agreed = (await page.locator('.finding').first().locator('strong').textContent()) ?? '';
    await expect.poll(() => page.locator('textarea[name="impression"]').inputValue()).toContain(agreed);
    await page.getByLabel('Agree with AI').check();
    await page.keyboard.press('Control+Enter');
    await page.waitForURL((url) => !url.pathname.endsWith(jpegStudyUid), { timeout: 15_000 });
    const { reading } = await apiGet<{ reading: Reading }>(server.base, cookie, `/api/readings/${jpegStudyUid}`);
    expect(reading).toMatchObject({
      status: 'signed',
      readerName: READER.displayName,
      modelId: 'tiny-cxr',
      modelVersion: '0.0.1',
      overall: 'agree',
    });
    expect(reading.readingMs).toBeGreaterThan(0);
    expect(reading.report.impression).toContain(agreed);
    expect(Object.fromEntries(reading.verdicts.map((v) => [v.findingKey, v.verdict]))).toMatchObject({
      [keys[0] ?? '']: 'agree',
      [keys[1] ?? '']: 'disagree',
    });
    const entry = await apiGet<{ state: string }>(server.base, cookie, `/api/worklist/${jpegStudyUid}`);
    expect(entry.state).toBe('read');
  });

  it('keyboard: help overlay, next and previous study, back to the worklist', async () => {
    await page.locator('.viewport[data-rendered="true"]').waitFor({ timeout: 30_000 });
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    expect(await page.getByRole('dialog').textContent()).toContain('Sign the report and open the next study');
    await shot(page, 'help.png');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    const here = new URL(page.url()).pathname;
    const hereUid = here.split('/').pop() ?? '';
    expect((await apiGet<{ claimedBy: string | null }>(server.base, cookie, `/api/worklist/${hereUid}`)).claimedBy).toBe(READER.username);
    await page.keyboard.press('n');
    await page.waitForURL((url) => url.pathname !== here && url.pathname.startsWith('/study/'));
    // Moving on without signing gives the study back.
    await expect
      .poll(async () => (await apiGet<{ claimedBy: string | null }>(server.base, cookie, `/api/worklist/${hereUid}`)).claimedBy)
      .toBeNull();
    await page.keyboard.press('p');
    await page.waitForURL((url) => url.pathname === here);
    await page.keyboard.press('Escape');
    await page.waitForURL((url) => url.pathname === '/');
    await page.locator('.wl-row').first().waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname.startsWith('/study/'));
  });

  it("shows the server's reading order, and sorts a server page exactly as the server did", async () => {
    const all = await apiGet<WorklistPage>(server.base, cookie, '/api/worklist?status=all&limit=500');
    const uids = all.items.map((i) => i.studyInstanceUid);
    expect(uids.length).toBeGreaterThan(1);
    expect(all.items.some((i) => i.state === 'read')).toBe(true);
    const local = Date.now();
    for (const input of [[...all.items].reverse(), [...all.items.slice(1), ...all.items.slice(0, 1)]]) {
      expect(
        sortAt(input, { at: all.at, protectedUpTo: all.protectedUpTo, receivedAt: local }, local).map((i) => i.studyInstanceUid),
      ).toEqual(uids);
    }
    const open = await apiGet<WorklistPage>(server.base, cookie, '/api/worklist?status=open&limit=500');
    await page.goto(`${server.base}/`);
    await page.locator('.wl-row').first().waitFor();
    await expect.poll(() => rowUids(page)).toEqual(open.items.map((i) => i.studyInstanceUid));
  });
});
