import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../../test/support/app.ts';
import { serviceToken } from '../../test/support/auth.ts';
import { makeInstance } from '../../test/support/dicom-gen.ts';
import { freePort } from '../../test/support/server-process.ts';
import type { App } from '../app/app.ts';
import { runDemo } from './demo.ts';

describe('readfirst demo', () => {
  let app: App;
  beforeAll(async () => {
    app = await startTestApp({ 'dimse.enabled': false });
  });
  afterAll(async () => app.close());

  it('streams a folder into a running server over STOW-RS, without opening its data directory', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'rf-demo-'));
    const xs = [makeInstance(), makeInstance()];
    xs.forEach((x, i) => writeFileSync(join(folder, `${i}.dcm`), x.bytes));
    const lines: string[] = [];
    // Like `serve --demo`: the demo is a modality with a one-day STOW token of its own.
    const token = await serviceToken(app, ['dicomweb:write'], 'demo');
    const r = await runDemo({
      server: `http://127.0.0.1:${app.httpPort()}`,
      folder,
      count: 5,
      intervalMs: 0,
      write: (l) => void lines.push(l),
      token,
    });
    expect(r).toEqual({ sent: 2, failed: 0 });
    for (const x of xs) expect(await app.services.dicom.studies.getInstance(x.sopUid)).toBeDefined();
    expect(lines.join('')).toContain('(STOW-RS)');
  });

  it('says so when no server answers', async () => {
    const port = await freePort();
    await expect(runDemo({ server: `http://127.0.0.1:${port}`, count: 1, intervalMs: 0, write: () => undefined })).rejects.toThrow(
      /no readfirst server answers/,
    );
  });
});
