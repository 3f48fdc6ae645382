import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app/app.ts';
import type { ModuleRunner } from '../src/app/runner.ts';
import { dicomModule } from '../src/dicom/module.ts';
import { inferenceModule } from '../src/inference/module.ts';
import { monitorModule } from '../src/monitor/module.ts';
import type { EvaluationReport } from '../src/monitor/evaluation.ts';
import { readLabelsCsv, type LabelRow } from '../src/monitor/labels-csv.ts';
import type { MonitorReport } from '../src/monitor/report.ts';
import { labelledRowToDicom } from '../src/simulate/labelled-studies.ts';
import { launch } from '../web/e2e/support/browser.ts';
import { acknowledgedCount, runDcmtk } from './support/dcmtk.ts';
import { startTestAppWith } from './support/app.ts';
import { sharedDir } from './support/shared-data.ts';

const repoRoot = resolve(import.meta.dirname, '..');
const SET = join(sharedDir, 'data', 'nih-cxr14-621');
const N = 40;

/** Runs the readfirst CLI as a child process on the test's data folder. */
function cli(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/readfirst.ts', ...args], {
      cwd: repoRoot,
      env: {
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('READFIRST_'))),
        READFIRST_LOG_LEVEL: 'warn',
        ...env,
      },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', rej);
    child.on('close', (code) => (code === 0 ? res(out) : rej(new Error(`readfirst ${args.join(' ')} exited ${code}: ${out}`))));
  });
}

describe('end to end: labelled images → DICOM → storescu → labels import → report monitor = npm run eval', () => {
  /** Ingest, the real bundled model and monitoring: what this path needs. */
  const wire = async (m: ModuleRunner) => {
    const dicom = await m.start(dicomModule, { accept: true });
    const inference = await m.start(inferenceModule, { studies: dicom.studies, files: dicom.files, scoring: 'on-arrival' });
    await m.start(monitorModule, { results: inference.results, scheduled: true });
    return { guard: undefined, dicom };
  };
  let app: App<Awaited<ReturnType<typeof wire>>>;
  let rows: LabelRow[] = [];
  let FINDINGS: string[] = [];
  const work = mkdtempSync(join(tmpdir(), 'rf-monitor-e2e-'));
  const dataDir = join(work, 'data');
  const env = { READFIRST_DATA_DIR: dataDir, READFIRST_INFERENCE_MODEL_DIRS: join(repoRoot, 'models') };

  beforeAll(async () => {
    const labels = await readLabelsCsv(join(SET, 'labels.csv'));
    rows = labels.rows.slice(0, N);
    FINDINGS = labels.findings;
    mkdirSync(join(work, 'dicom'));
    for (const [i, row] of rows.entries()) writeFileSync(join(work, 'dicom', `${i}.dcm`), await labelledRowToDicom(SET, row, `ACC${i}`));
    app = await startTestAppWith({ dataDir, 'ingest.quietPeriodMs': 300, 'inference.modelDirs': [join(repoRoot, 'models')] }, wire);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('gives the same per-finding AUROC as npm run eval, and an HTML report whose plots Chromium draws', async () => {
    const port = app.services.dicom.dimse?.port() ?? 0;
    const sent = await runDcmtk('storescu', ['-v', '+sd', '-aec', 'READFIRST', '127.0.0.1', String(port), join(work, 'dicom')]);
    expect(acknowledgedCount(sent.stdout + sent.stderr)).toBe(N);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const [row] = await app.ctx.db.query<{ n: number | string }>(
        'SELECT COUNT(DISTINCT study_instance_uid) AS n FROM inference_result WHERE model_id IS NOT NULL',
      );
      if (Number(row?.n) === N) break;
      if (Date.now() > deadline) throw new Error(`only ${String(row?.n)} of ${N} studies analysed`);
      await new Promise((r) => setTimeout(r, 250));
    }
    await app.ctx.bus.idle();

    const csv = [
      `accession_number,${FINDINGS.join(',')}`,
      ...rows.map((r, i) =>
        [`ACC${i}`, ...FINDINGS.map((f) => (r.labels[f] === null || r.labels[f] === undefined ? '' : String(r.labels[f])))].join(','),
      ),
    ].join('\n');
    writeFileSync(join(work, 'labels-by-accession.csv'), `${csv}\n`);
    expect(await cli(['labels', 'import', join(work, 'labels-by-accession.csv')], env)).toMatch(
      new RegExp(`from ${N} rows .*; ${N} rows match a stored study`),
    );
    const json = join(work, 'report.json');
    const html = join(work, 'report.html');
    await cli(
      [
        'report',
        'monitor',
        '--from',
        '2000-01-01',
        '--to',
        '2100-01-01',
        '--resamples',
        '200',
        '--json',
        json,
        '--html',
        html,
        '--csv',
        join(work, 'report.csv'),
      ],
      env,
    );
    const report = JSON.parse(readFileSync(json, 'utf8')) as MonitorReport;
    expect(report.studies).toMatchObject({ cases: N });
    expect(report.truth.labels.verdict).toBe(0);

    // The same images through `npm run eval` (rasters, not DICOM): same labels, same model.
    const evalDir = join(work, 'eval');
    mkdirSync(evalDir);
    symlinkSync(join(SET, 'images'), join(evalDir, 'images'));
    writeFileSync(
      join(evalDir, 'labels.csv'),
      readFileSync(join(SET, 'labels.csv'), 'utf8')
        .split('\n')
        .slice(0, N + 1)
        .join('\n'),
    );
    await cli(['eval', evalDir, '--resamples', '50', '--json', join(work, 'eval.json')], env);
    const evaluation = JSON.parse(readFileSync(join(work, 'eval.json'), 'utf8')) as EvaluationReport;
    let compared = 0;
    for (const f of evaluation.findings) {
      const live = report.performance.find((p) => p.finding === f.key);
      expect(live?.positives, f.key).toBe(f.positives);
      expect(live?.negatives, f.key).toBe(f.negatives);
      if (f.auroc === null) continue;
      expect(live?.auroc, f.key).toBeCloseTo(f.auroc, 2);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(5);
    expect(readFileSync(join(work, 'report.csv'), 'utf8')).toMatch(
      /^section,model,subject,group,metric,value,lo,hi,k,n\nperformance,readfirst-cxr@/,
    );

    const context = await launch({ width: 1280, height: 1000 });
    try {
      const page = await context.newPage();
      await page.goto(`file://${html}`);
      // Runs in the page (the root tsconfig has no DOM types): each figure's SVG, its marks and its drawn size.
      const figures = await page.evaluate<
        { id: string; marks: number; width: number; height: number }[]
      >(`[...document.querySelectorAll('figure')].map((f) => {
        const svg = f.querySelector('svg');
        const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
        return { id: f.id, marks: svg ? svg.querySelectorAll('path, line, rect, circle').length : 0, width: box.width, height: box.height };
      })`);
      expect(figures.map((f) => f.id)).toEqual([
        'chart-auroc',
        'chart-reliability',
        'chart-underdiagnosis',
        'chart-score-drift',
        'chart-gate',
        'chart-turnaround',
      ]);
      for (const f of figures.slice(0, 3)) {
        expect(f.marks, f.id).toBeGreaterThan(5);
        expect(f.width * f.height, f.id).toBeGreaterThan(10_000);
      }
      if (process.env.READFIRST_SCREENSHOT_DIR)
        await page.screenshot({ path: join(process.env.READFIRST_SCREENSHOT_DIR, 'monitoring-report.png'), fullPage: false });
    } finally {
      await context.close();
    }
  }, 300_000);
});
