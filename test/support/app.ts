import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App, StartOptions } from '../../src/app/app.ts';
import { startApp } from '../../src/app/app.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { ConfigInput } from '../../src/config/schema.ts';

type Overrides = { [k: string]: string | number | boolean | string[] | Record<string, number> | null };

/** Starts a real server on loopback with ephemeral ports and a temporary data folder. */
export async function startTestApp(overrides: Overrides = {}, opts: StartOptions = {}): Promise<App> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rf-app-'));
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      'log.level': 'silent',
      'http.port': 0,
      'dimse.port': 0,
      'dimse.host': '127.0.0.1',
      ...overrides,
    },
  });
  return startApp(config, opts);
}

export type { ConfigInput };
