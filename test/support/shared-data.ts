import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The shared data folder (READFIRST_SHARED_DIR, default ../shared beside the repo). Never copied into the repo. */
export const sharedDir = process.env.READFIRST_SHARED_DIR ?? resolve(repoRoot, '../shared');

/** Path of a real DICOM sample in the shared folder. */
export function samplePath(name: string): string {
  const p = join(sharedDir, 'data', 'dicom-samples', name);
  if (!existsSync(p)) throw new Error(`missing shared sample ${p} (set READFIRST_SHARED_DIR)`);
  return p;
}
