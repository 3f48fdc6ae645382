import { fuzzIngest } from './fuzz-ingest.ts';

/**
 * `npm run fuzz [-- --n 10000 --seed 1]`: seeded mutated and truncated DICOM files through STOW-RS
 * and DIMSE into a real server process, interleaved with good files (src/security/fuzz/).
 * Exit status 1 when anything crashed, hung, answered 5xx or lost a good file.
 */
const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  return Number.isFinite(v) ? v : dflt;
};
const n = arg('n', 10_000);
const seed = arg('seed', 1);
const t0 = Date.now();
const keep = process.argv.indexOf('--keep-hung');
const r = await fuzzIngest({
  n,
  seed,
  log: (s) => process.stderr.write(`${s}\n`),
  ...(keep >= 0 && process.argv[keep + 1] ? { keepHungDir: process.argv[keep + 1] } : {}),
});
const rows: Array<[string, string | number]> = [
  ['inputs', r.inputs],
  ['  good files among them', r.good],
  ['  via STOW-RS / DIMSE', `${r.viaStow} / ${r.viaDimse}`],
  ['crashes', r.crashes],
  ['hangs (request > 10 s)', r.hangs],
  ['5xx answers', r.http5xx],
  ['stored', r.stored],
  ['quarantined or refused', r.quarantinedOrRefused],
  ['good files lost', r.goodLost],
  ['peak RSS of the server (MB)', r.peakRssMb],
  ['slowest request (ms)', r.slowestRequestMs],
  ['wall time (s)', Math.round((Date.now() - t0) / 1000)],
];
for (const [k, v] of rows) process.stdout.write(`${k.padEnd(30)} ${v}\n`);
process.stdout.write(`${JSON.stringify({ seed, ...r })}\n`);
if (r.crashes + r.hangs + r.http5xx + r.goodLost > 0) process.exitCode = 1;
