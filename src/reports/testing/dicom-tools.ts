import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const scratch = mkdtempSync(join(tmpdir(), 'rf-reports-check-'));
let n = 0;

function fileOf(bytes: Uint8Array): string {
  const p = join(scratch, `object-${++n}.dcm`);
  writeFileSync(p, bytes);
  return p;
}

/** dciodvfy (dicom3tools) on an object: its IOD name and every "Error" line it printed. */
export function dciodvfy(bytes: Uint8Array): { iod: string; errors: string[]; output: string } {
  const r = spawnSync('dciodvfy', [fileOf(bytes)], { encoding: 'utf8' });
  if (r.error) throw new Error(`dciodvfy could not run (apt-get install dicom3tools): ${r.error.message}`);
  const output = `${r.stdout}${r.stderr}`;
  const lines = output.split('\n');
  return {
    iod: lines.find((l) => /^[A-Za-z0-9]+$/.test(l.trim()))?.trim() ?? '',
    errors: lines.filter((l) => l.startsWith('Error')),
    output,
  };
}

/** dsrdump (dcmtk) of an SR or KOS, with codes printed. */
export function dsrdump(bytes: Uint8Array, args: string[] = []): string {
  return execFileSync('dsrdump', [...args, fileOf(bytes)], { encoding: 'utf8' });
}
