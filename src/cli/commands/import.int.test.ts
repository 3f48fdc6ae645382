import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeInstance } from '../../../test/support/dicom-gen.ts';
import { importFolder } from './import.ts';

describe('readfirst import', () => {
  const saved = process.env.READFIRST_DATA_DIR;
  beforeEach(() => {
    process.env.READFIRST_DATA_DIR = mkdtempSync(join(tmpdir(), 'rf-import-data-'));
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.READFIRST_DATA_DIR;
    else process.env.READFIRST_DATA_DIR = saved;
  });

  it('imports a folder recursively, quarantines junk, and skips what it has seen on a second run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rf-import-'));
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    writeFileSync(join(dir, 'one.dcm'), makeInstance().bytes);
    writeFileSync(join(dir, 'a', 'b', 'two'), makeInstance().bytes);
    writeFileSync(join(dir, 'a', 'notes.txt'), 'not dicom');
    expect(await importFolder(dir, { progress: false })).toEqual({ stored: 2, duplicate: 0, quarantined: 1, failed: 0, skipped: 0 });
    writeFileSync(join(dir, 'three.dcm'), makeInstance().bytes);
    expect(await importFolder(dir, { progress: false })).toEqual({ stored: 1, duplicate: 0, quarantined: 0, failed: 0, skipped: 3 });
  });
});
