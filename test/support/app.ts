import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App, StartOptions, Wired, Wiring } from '../../src/app/app.ts';
import { startAppWith } from '../../src/app/app.ts';
import { wireApp } from '../../src/app/modules.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Config, ConfigInput } from '../../src/config/schema.ts';

type Overrides = { [k: string]: string | number | boolean | string[] | Record<string, number> | null };

/** The configuration of a test server: loopback, ephemeral ports, a temporary data folder. */
export function testConfig(overrides: Overrides = {}): Config {
  const dataDir = mkdtempSync(join(tmpdir(), 'rf-app-'));
  return loadConfig({
    env: {},
    overrides: {
      dataDir,
      'log.level': 'silent',
      'http.port': 0,
      'dimse.port': 0,
      'dimse.host': '127.0.0.1',
      // One inference worker: the default (one per core) would start a model session per core
      // in every test server, on a machine the suite already keeps busy.
      'inference.workers': 1,
      ...overrides,
    },
  });
}

/** Starts a real server with every module. */
export async function startTestApp(overrides: Overrides = {}, opts: StartOptions = {}): Promise<App> {
  return startAppWith(testConfig(overrides), wireApp, opts);
}

/** Starts a real server with the modules `wire` starts (a subset, or some beside stand-ins). */
export async function startTestAppWith<S extends Wired>(overrides: Overrides, wire: Wiring<S>, opts: StartOptions = {}): Promise<App<S>> {
  return startAppWith(testConfig(overrides), wire, opts);
}

export type { ConfigInput };
