/**
 * Regenerates docs/screenshots/worklist.png and viewer.png for README from a real server with
 * real ingested DICOM (the same set-up as the end-to-end tests). Run: scripts/screenshots.sh
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch } from './support/browser.ts';
import { readingRoom, sendCriticalStudy, signInThroughUi } from './support/scenario.ts';
import { REPO, ensureWebBuilt } from './support/server.ts';

const outDir = join(REPO, 'docs/screenshots');
mkdirSync(outDir, { recursive: true });
ensureWebBuilt();
const room = await readingRoom(5);
const context = await launch();
try {
  const page = await context.newPage();
  await signInThroughUi(page, room.server.base);
  const critical = await sendCriticalStudy(room.server.base);
  await page.locator(`.wl-row[data-uid="${critical}"].highlight`).waitFor({ timeout: 30_000 });
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(outDir, 'worklist.png') });
  await page.locator(`.wl-row[data-uid="${room.jpegStudyUid}"]`).click();
  await page.locator('.viewport[data-rendered="true"]').waitFor({ timeout: 30_000 });
  await page.locator('.finding').first().waitFor();
  await page.keyboard.press('a');
  await page.keyboard.press('h');
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(outDir, 'viewer.png') });
  process.stdout.write(`wrote ${join(outDir, 'worklist.png')} and ${join(outDir, 'viewer.png')}\n`);
} finally {
  await context.close();
  await room.server.stop();
}
