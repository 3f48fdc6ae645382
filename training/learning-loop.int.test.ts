// The learning loop end to end, on a slice of ../shared/data posing as a hospital's de-identified export:
// fine-tune the v2 package (models/candidates/readfirst-cxr-v2, the fine-tunable MobileNetV2 package) on
// one half of the patients (training/adapt.py), compare it with its base on the other half through the
// real engine (`readfirst models compare`), and try to
// promote it: refused while it is not in shadow mode, and then decided by the paired-CI rule, with the
// config file rewritten only when the rule allows it.
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModelPackage } from '../src/inference/models/model-package.ts';
import type { ModelComparison } from '../src/monitor/model-comparison.ts';

const repo = path.resolve(import.meta.dirname, '..');
const shared = process.env.READFIRST_SHARED_DIR ?? path.resolve(repo, '..', 'shared');
const source = path.join(shared, 'data', 'nih-cxr14-621');
const bundled = path.join(repo, 'models', 'candidates', 'readfirst-cxr-v2');
const work = mkdtempSync(path.join(tmpdir(), 'rf-loop-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Two labelled folders from disjoint patients of one source: the "export" and the held-out "verdicts". */
function hospitalSlices(perSide: number): { exportDir: string; evalDir: string } {
  const [header, ...lines] = readFileSync(path.join(source, 'labels.csv'), 'utf8').trim().split('\n');
  const patient = (l: string): string => l.split(',')[5] ?? '';
  const patients = [...new Set(lines.map(patient))];
  const side = (i: number): string[] => lines.filter((l) => patients.indexOf(patient(l)) % 2 === i).slice(0, perSide);
  const write = (name: string, rows: string[]): string => {
    const dir = path.join(work, name);
    mkdirSync(dir);
    symlinkSync(path.join(source, 'images'), path.join(dir, 'images'));
    writeFileSync(path.join(dir, 'labels.csv'), `${[header, ...rows].join('\n')}\n`);
    return dir;
  };
  return { exportDir: write('export', side(0)), evalDir: write('verdicts', side(1)) };
}

/** Runs a child process without blocking the test worker (a blocked worker loses vitest's RPC heartbeat). */
function run(cmd: string, args: string[], timeout: number): Promise<{ status: number | null; out: string }> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd: repo, encoding: 'utf8', timeout, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      done({ status, out: `${stdout}\n${stderr}` });
    });
  });
}

const cli = (args: string[]): Promise<{ status: number | null; out: string }> =>
  run(process.execPath, ['--import', 'tsx', path.join(repo, 'src/cli/readfirst.ts'), ...args], 120_000);

describe('learning loop: site export -> fine-tuned candidate -> paired comparison -> promotion from shadow', () => {
  // (`bundled` is the v2 package the loop fine-tunes; the default bundled v1 network cannot be read back.)
  const { exportDir, evalDir } = hospitalSlices(36);
  const cand = path.join(work, 'candidate');

  it('fine-tunes the bundled package on the export and packages a candidate that names its base', async () => {
    const r = await run(
      '/usr/bin/python3',
      ['-m', 'training.adapt', '--base', bundled, '--export', exportDir, '--out', cand, '--epochs', '1'],
      170_000,
    );
    if (r.status !== 0) throw new Error(`adapt failed: ${r.out}`);
    const live = await loadModelPackage(bundled);
    const pkg = await loadModelPackage(cand);
    expect(pkg.card.id).toBe(`${live.card.id}-site`);
    expect(pkg.card.sha256).not.toBe(live.card.sha256);
    // the card schema passes unknown keys through the file, not through the parsed card: read the file
    const raw = JSON.parse(readFileSync(path.join(cand, 'model.json'), 'utf8')) as {
      training: { provenance: { base: { sha256: string }; export: { images: number } } };
    };
    const prov = raw.training.provenance;
    expect(prov.base.sha256).toBe(live.card.sha256);
    // adult model: the export's patients under 18 are left out of fine-tuning
    const ages = readFileSync(path.join(exportDir, 'labels.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[2] || NaN));
    expect(prov.export.images).toBe(ages.filter((a) => !(a < 18)).length);
    expect(prov.export.images).toBeGreaterThan(30);
    expect(pkg.card.findings.map((f) => [f.key, f.claimed])).toEqual(live.card.findings.map((f) => [f.key, f.claimed]));
  }, 180_000);

  it('compares both through the real engine: candidate − live per finding, with a paired CI', async () => {
    const json = path.join(work, 'cmp.json');
    const r = await cli(['models', 'compare', bundled, cand, '--labels', evalDir, '--json', json, '--resamples', '200']);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('candidate − live');
    const cmp = JSON.parse(readFileSync(json, 'utf8')) as ModelComparison & { perImage: unknown[] };
    expect(cmp.images.listed).toBe(36);
    expect(cmp.images.pairedAnalysed).toBeGreaterThan(20);
    const judged = cmp.findings.filter((f) => f.ci95 !== null);
    expect(judged.length).toBeGreaterThan(3);
    for (const f of judged) {
      expect(f.difference).toBeCloseTo((f.candidate ?? NaN) - (f.live ?? NaN), 9);
      expect(f.ci95![0]).toBeLessThanOrEqual(f.ci95![1]);
    }
    expect(cmp.subgroups.some((s) => s.by === 'sex')).toBe(true);
    expect(cmp.decision.judged).toEqual(cmp.findings.filter((f) => f.claimedLive || f.claimedCandidate).map((f) => f.key));
  }, 130_000);

  it('refuses to promote a candidate that has not run in shadow mode, and leaves the config alone', async () => {
    const config = path.join(work, 'no-shadow.json');
    const text = `${JSON.stringify({ inference: { modelDirs: [bundled, cand], shadowModels: [] } }, null, 2)}\n`;
    writeFileSync(config, text);
    const r = await cli(['models', 'promote', bundled, cand, '--labels', evalDir, '--config', config, '--resamples', '100']);
    expect(r.status).toBe(1);
    expect(r.out).toContain('run it in shadow mode first');
    expect(readFileSync(config, 'utf8')).toBe(text);
  }, 130_000);

  it('from shadow: the config changes exactly when the paired rule allows it', async () => {
    const config = path.join(work, 'shadow.json');
    const text = `${JSON.stringify({ inference: { modelDirs: [bundled, cand], shadowModels: ['readfirst-cxr-v2-site'] } }, null, 2)}\n`;
    writeFileSync(config, text);
    const json = path.join(work, 'promote.json');
    const r = await cli([
      'models',
      'promote',
      bundled,
      cand,
      '--labels',
      evalDir,
      '--config',
      config,
      '--resamples',
      '200',
      '--json',
      json,
    ]);
    const cmp = JSON.parse(readFileSync(json, 'utf8')) as ModelComparison;
    if (cmp.decision.promote) {
      expect(r.status, r.out).toBe(0);
      expect(JSON.parse(readFileSync(config, 'utf8'))).toEqual({
        inference: { modelDirs: [bundled, cand], shadowModels: ['readfirst-cxr-v2'] },
      });
    } else {
      expect(r.status).toBe(1);
      expect(r.out).toContain('promotion refused');
      expect(readFileSync(config, 'utf8')).toBe(text);
    }
  }, 130_000);
});
