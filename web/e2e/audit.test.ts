/**
 * The auditor's screen in Debian Chromium against a real server: an auditor searches the audit
 * trail by user and action and sees the entry, with the hash chain's status; a radiologist has
 * no such screen, and the API refuses them too.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch } from './support/browser.ts';
import { READER, shot } from './support/scenario.ts';
import { type ServerHandle, ensureWebBuilt, startServer } from './support/server.ts';
import { apiLogin } from './support/session.ts';

const LOGINS = 53;
const AUDITOR = { username: 'auditor1', password: 'auditor password 1', displayName: 'A. Auditor' };

async function signIn(page: Page, base: string, who: { username: string; password: string }): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

describe('the audit trail screen', () => {
  let server: ServerHandle;
  // One browser profile per person: each signs in with its own session cookie.
  const contexts: BrowserContext[] = [];
  const newPage = async (): Promise<Page> => {
    const context = await launch();
    contexts.push(context);
    return context.newPage();
  };

  beforeAll(async () => {
    ensureWebBuilt();
    server = await startServer({}, (h) => {
      h.cli(['user', 'add', READER.username, '--password-stdin', '--display-name', READER.displayName], READER.password);
      h.cli(
        ['user', 'add', AUDITOR.username, '--role', 'auditor', '--password-stdin', '--display-name', AUDITOR.displayName],
        AUDITOR.password,
      );
    });
    // The entries to find: the radiologist's sign-ins, more than one page of them (50 a page).
    for (let i = 0; i < LOGINS; i++) await apiLogin(server.base, READER.username, READER.password);
  }, 240_000);
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await server?.stop();
  });

  it('lets an auditor search by user and action, page through the results, and see the chain intact', async () => {
    const page = await newPage();
    await signIn(page, server.base, AUDITOR);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
    await page
      .getByTestId('audit-chain')
      .getByText(/Hash chain intact: \d+ entries/)
      .waitFor();

    await page.getByLabel('User', { exact: true }).fill(READER.username);
    await page.getByLabel('Action').selectOption('user.login');
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.getByTestId('audit-results').locator('tbody tr');
    const caption = page.getByTestId('audit-results').locator('caption');
    // The screen opened on the unfiltered trail: wait until the filtered page replaced it.
    await page.waitForFunction(() => {
      const trs = [...document.querySelectorAll('[data-testid="audit-results"] tbody tr')];
      return trs.length > 0 && trs.every((tr) => tr.getAttribute('data-action') === 'user.login');
    });
    expect(await caption.textContent()).toMatch(/^Page 1: entries #\d+ to #\d+$/);
    const onlyLogins = async (): Promise<string[]> => {
      const actions = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action') ?? ''));
      expect(new Set(actions)).toEqual(new Set(['user.login']));
      return rows.evaluateAll((trs) => trs.map((tr) => tr.textContent ?? ''));
    };
    // The first page: 50 of the radiologist's sign-ins, none of anyone else's.
    const first = await onlyLogins();
    expect(first).toHaveLength(50);
    for (const text of first) expect(text).toContain(`${READER.username} (radiologist)`);
    expect(first.join('')).not.toContain(AUDITOR.username);
    await shot(page, 'audit-trail.png');
    // The next page holds the rest; Previous goes back to the first.
    await page.getByRole('button', { name: 'Next →' }).click();
    await caption.getByText(/^Page 2: /).waitFor();
    expect(await onlyLogins()).toHaveLength(LOGINS - 50);
    expect(await page.getByRole('button', { name: 'Next →' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: '← Previous' }).click();
    await caption.getByText(/^Page 1: /).waitFor();
    expect(await onlyLogins()).toEqual(first);
    expect(await page.getByRole('button', { name: '← Previous' }).isDisabled()).toBe(true);

    // A user with no entries: nothing listed.
    await page.getByLabel('User', { exact: true }).fill('nobody-here');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No entries match.').waitFor();
    expect(await rows.count()).toBe(0);
  });

  it('shows a radiologist no audit screen, and the API refuses them', async () => {
    const page = await newPage();
    await signIn(page, server.base, READER);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Worklist' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Audit' }).count()).toBe(0);
    // Typed in by hand, the path shows a refusal, not the screen.
    await page.evaluate(() => {
      history.pushState(null, '', '/audit');
      dispatchEvent(new PopStateEvent('popstate'));
    });
    await page.getByText('The audit trail is open to auditors only.').waitFor();
    expect(await page.getByRole('heading', { name: 'Audit trail' }).count()).toBe(0);
    const status = await page.evaluate(async () => (await fetch('/api/audit', { credentials: 'same-origin' })).status);
    expect(status).toBe(403);
  });
});
