import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envVarNames, loadConfig } from './load.ts';

describe('loadConfig', () => {
  it('gives safe defaults with nothing set', () => {
    const c = loadConfig({ env: {} });
    expect(c.databaseUrl).toBe('');
    expect(c.dimse.aeTitle).toBe('READFIRST');
    expect(c.ingest.quietPeriodMs).toBe(10_000);
  });

  it('layers env variables over the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rf-cfg-'));
    const file = join(dir, 'readfirst.yaml');
    writeFileSync(file, 'dimse:\n  port: 4242\n  aeTitle: FROMFILE\n');
    const c = loadConfig({ file, env: { READFIRST_DIMSE_PORT: '5000', READFIRST_DIMSE_ALLOWED_CALLING_AE_TITLES: 'A,B' } });
    expect(c.dimse.port).toBe(5000);
    expect(c.dimse.aeTitle).toBe('FROMFILE');
    expect(c.dimse.allowedCallingAeTitles).toEqual(['A', 'B']);
  });

  it('reads a per-modality map from JSON in the environment, and refuses a bad count', () => {
    expect(loadConfig({ env: { READFIRST_INGEST_EXPECTED_INSTANCES: '{"CR":1,"DX":2}' } }).ingest.expectedInstances).toEqual({
      CR: 1,
      DX: 2,
    });
    expect(() => loadConfig({ env: { READFIRST_INGEST_EXPECTED_INSTANCES: 'CR=1' } })).toThrow(
      /READFIRST_INGEST_EXPECTED_INSTANCES: not valid JSON/,
    );
    expect(() => loadConfig({ env: { READFIRST_INGEST_EXPECTED_INSTANCES: '{"CR":0}' } })).toThrow(/ingest\.expectedInstances/);
  });

  it('names the key and the reason for an invalid value', () => {
    expect(() => loadConfig({ env: { READFIRST_HTTP_PORT: '70000' } })).toThrow(/http\.port: .*65535/);
    expect(() => loadConfig({ env: { READFIRST_HTTP_PORT: 'abc' } })).toThrow(/READFIRST_HTTP_PORT: "abc" is not a number/);
    expect(() => loadConfig({ env: { READFIRST_DIMSE_AE_TITLE: 'THIS_AE_TITLE_IS_TOO_LONG' } })).toThrow(/dimse\.aeTitle/);
    expect(() => loadConfig({ env: { READFIRST_DATABASE_URL: 'mysql://x' } })).toThrow(/databaseUrl: must be empty/);
  });

  it('rejects unknown READFIRST_ variables so typos do not pass silently', () => {
    expect(() => loadConfig({ env: { READFIRST_HTTP_PROT: '1' } })).toThrow(/unknown configuration variable READFIRST_HTTP_PROT/);
  });

  it('lists an env var for every key', () => {
    expect(envVarNames()).toContain('READFIRST_INGEST_QUIET_PERIOD_MS');
  });
});
