import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { launch } from './browser.ts';
import { SAMPLE_CR_JPEG, SAMPLE_DX, asNewStudy, readSample, sampleStudyUid, stow, useStowToken } from './dicom.ts';
import { REPO, type ServerHandle, ensureWebBuilt, startServer } from './server.ts';
import { apiGet, apiLogin, waitFor } from './session.ts';
import { makeTinyPackage } from '../../../src/inference/testing/tiny-package.ts';

export const OUT = join(REPO, 'test-output');
export const READER = { username: 'reader', password: 'reader password 1', displayName: 'Dr Reader' };

export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(OUT, { recursive: true });
  const path = join(OUT, name);
  await page.screenshot({ path });
  return path;
}

interface ListPage {
  items: Array<{ studyInstanceUid: string; urgency: string; aiStatus: string }>;
}

/**
 * The inference module's tiny seeded ONNX model (real ONNX Runtime, real heat-maps) with a card
 * that makes the outcome certain: pneumothorax positive only at or above `pneumothorax` (1: never,
 * so AI alone never makes a study critical; it scores ≈ 0.75 on the DX sample, ≈ 0.66 on the CR), effusion and cardiomegaly positive on the samples (urgent, with heat-maps).
 */
function testModel(pneumothorax: number, o: ModelOptions = {}): string {
  const pkg = makeTinyPackage({
    size: 32,
    card: (c) => {
      // Seeded weights: effusion ≈ 0.46 and cardiomegaly ≈ 0.77 on both samples, pneumothorax below 1.
      for (const f of c.findings)
        for (const p of f.operatingPoints) p.threshold = f.key === 'pneumothorax' ? pneumothorax : p.name === 'balanced' ? 0.4 : 0.3;
      if (o.minPatientAgeYears !== undefined) c.applicability.minPatientAgeYears = o.minPatientAgeYears;
      // The first output (≈ 0.75) as the model's "no finding" summary, positive beside the pathologies.
      const first = c.findings[0];
      if (o.noFindingOutput && first) {
        Object.assign(first, {
          key: 'no_finding',
          display: 'No finding',
          code: { system: 'http://snomed.info/sct', code: '281900007', display: 'No abnormality detected' },
        });
        for (const p of first.operatingPoints) p.threshold = 0.3;
      }
    },
  });
  return pkg.dir;
}

export interface ModelOptions {
  minPatientAgeYears?: number;
  noFindingOutput?: boolean;
}

/**
 * A real server with a radiologist account and real studies ingested over STOW-RS: routine
 * copies of the DX sample and the JPEG-baseline CR sample as it is.
 */
export async function readingRoom(
  routineCopies = 3,
  opts: { config?: Record<string, string>; pneumothoraxThreshold?: number; model?: ModelOptions } = {},
): Promise<{ server: ServerHandle; cookie: string; jpegStudyUid: string; studies: string[] }> {
  const model = testModel(opts.pneumothoraxThreshold ?? 1, opts.model);
  const config = opts.config ?? {};
  let stowToken = '';
  const server = await startServer(
    {
      READFIRST_INGEST_QUIET_PERIOD_MS: '300',
      READFIRST_INFERENCE_MODEL_DIRS: model,
      READFIRST_INFERENCE_INTRA_OP_THREADS: '1',
      ...config,
    },
    (h) => {
      h.cli(['user', 'add', READER.username, '--password-stdin', '--display-name', READER.displayName], READER.password);
      stowToken = h.cli(['token', 'create', '--account', 'e2e-modality', '--scope', 'dicomweb:write', '--days', '1']).trim();
    },
  );
  useStowToken(server.base, stowToken);
  const cookie = await apiLogin(server.base, READER.username, READER.password);
  const dx = readSample(SAMPLE_DX);
  const copies = Array.from({ length: routineCopies }, (_, i) =>
    asNewStudy(dx, {
      patientName: `Routine^Patient${i + 1}`,
      patientId: `R${i + 1}`,
      accession: `ACC-R${i + 1}`,
      priority: 'ROUTINE',
      institution: 'General Hospital',
    }),
  );
  // The JPEG file goes in exactly as the modality wrote it (dcmjs would rewrite its fragments).
  const jpeg = readSample(SAMPLE_CR_JPEG);
  const jpegStudyUid = sampleStudyUid(jpeg);
  await stow(server.base, [...copies.map((c) => c.bytes), jpeg]);
  const studies = [...copies.map((c) => c.studyUid), jpegStudyUid];
  await waitFor('studies analysed and on the worklist', async () => {
    const list = await apiGet<ListPage>(server.base, cookie, '/api/worklist');
    return studies.every((u) => list.items.some((i) => i.studyInstanceUid === u && i.aiStatus === 'analysed')) ? true : undefined;
  });
  return { server, cookie, jpegStudyUid, studies };
}

/**
 * A reading room (built web app, server, studies) with Chromium open on a new page. The caller
 * closes the context, then stops the server; if Chromium fails to start, the server is stopped here.
 */
export async function readingRoomInBrowser(
  ...args: Parameters<typeof readingRoom>
): Promise<Awaited<ReturnType<typeof readingRoom>> & { context: BrowserContext; page: Page }> {
  ensureWebBuilt();
  const room = await readingRoom(...args);
  try {
    const context = await launch();
    return { ...room, context, page: await context.newPage() };
  } catch (err) {
    await room.server.stop();
    throw err;
  }
}

/** Waits until every study is on the worklist with one of the AI statuses given. */
export async function waitListed(
  base: string,
  cookie: string,
  uids: readonly string[],
  statuses: readonly string[] = ['analysed', 'not-analysable', 'failed'],
): Promise<void> {
  await waitFor('studies on the worklist', async () => {
    const list = await apiGet<ListPage>(base, cookie, '/api/worklist?status=all&limit=500');
    return uids.every((u) => list.items.some((i) => i.studyInstanceUid === u && statuses.includes(i.aiStatus))) ? true : undefined;
  });
}

/** A new DX study, by default ordered STAT: the policy makes it critical whatever the AI says. */
export async function sendCriticalStudy(base: string, priority = 'STAT'): Promise<string> {
  const s = asNewStudy(readSample(SAMPLE_DX), {
    patientName: 'Critical^Arrival',
    patientId: 'C1',
    accession: 'ACC-C1',
    priority,
    institution: 'General Hospital',
  });
  await stow(base, [s.bytes]);
  return s.studyUid;
}

export async function signInThroughUi(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Username').fill(READER.username);
  await page.getByLabel('Password').fill(READER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.wl-row').first().waitFor();
}
