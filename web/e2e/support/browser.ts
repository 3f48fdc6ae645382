import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = process.env.READFIRST_TEST_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Debian's Chromium driven by playwright-core (STACK-NOTES): headless, no sandbox, no GPU
 * (WebGL through SwiftShader), no network chatter, a new empty profile (--user-data-dir) each time.
 */
export async function launch(viewport = { width: 1440, height: 900 }): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'rf-chromium-'));
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
