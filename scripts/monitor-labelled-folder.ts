/**
 * The monitoring path on a labelled folder, as a hospital would run a retrospective audit:
 * every image of `<folder>` (labels.csv + images, ../shared/data layout) becomes a one-image DICOM
 * study, is sent by storescu to a real readfirst (ingest, the bundled model, monitoring), its
 * labels are imported by accession number, and the report is written as text, JSON, HTML and CSV.
 *
 *   node --import tsx scripts/monitor-labelled-folder.ts ../shared/data/nih-cxr14-621 --out data/audit-nih
 *
 * `--screenshot <png>` also opens the HTML report in Chromium and saves a screenshot.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { startAppWith } from '../src/app/app.ts';
import { allMigrations } from '../src/app/modules.ts';
import type { ModuleRunner } from '../src/app/runner.ts';
import { migrate } from '../src/store/migrate.ts';
import { loadConfig } from '../src/config/load.ts';
import { dicomModule } from '../src/dicom/module.ts';
import { inferenceModule } from '../src/inference/module.ts';
import { loadCards } from '../src/monitor/cards.ts';
import { GroundTruthStore, parseGroundTruthCsv } from '../src/monitor/ground-truth.ts';
import { readLabelsCsv } from '../src/monitor/labels-csv.ts';
import { monitorModule } from '../src/monitor/module.ts';
import { buildMonitorReport } from '../src/monitor/report.ts';
import { reportCsv } from '../src/monitor/report-csv.ts';
import { reportHtml } from '../src/monitor/report-html.ts';
import { formatMonitorReport } from '../src/monitor/report-text.ts';
import { labelledRowToDicom } from '../src/simulate/labelled-studies.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string', default: 'data/audit' },
    screenshot: { type: 'string' },
    models: { type: 'string', default: 'models' },
    resamples: { type: 'string', default: '1000' },
  },
});
const folder = resolve(positionals[0] ?? '../shared/data/nih-cxr14-621');
const out = resolve(values.out ?? 'data/audit');
mkdirSync(out, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'rf-audit-'));

const { rows, findings } = await readLabelsCsv(join(folder, 'labels.csv'));
mkdirSync(join(work, 'dicom'));
for (const [i, row] of rows.entries()) writeFileSync(join(work, 'dicom', `${i}.dcm`), await labelledRowToDicom(folder, row, `AUDIT${i}`));

const config = loadConfig({
  env: {},
  overrides: {
    dataDir: join(work, 'data'),
    log: { level: 'warn' },
    http: { port: 0, host: '127.0.0.1' },
    dimse: { port: 0, host: '127.0.0.1' },
    ingest: { quietPeriodMs: 500 },
    inference: { modelDirs: [resolve(values.models ?? 'models')] },
  },
});
const app = await startAppWith(config, async (m: ModuleRunner) => {
  const dicom = await m.start(dicomModule, { accept: true });
  const inference = await m.start(inferenceModule, { studies: dicom.studies, files: dicom.files, scoring: 'on-arrival' });
  await m.start(monitorModule, { results: inference.results, scheduled: true });
  return { guard: undefined, dicom };
});
try {
  // The report reads the reading, worklist and alert tables too (empty here): apply every domain's schema.
  await migrate(app.ctx.db, allMigrations);
  // Asynchronous: the server answering it runs in this process.
  const child = spawn(
    'storescu',
    ['+sd', '-aec', 'READFIRST', '127.0.0.1', String(app.services.dicom.dimse?.port() ?? 0), join(work, 'dicom')],
    { env: { ...process.env, TCP_NODELAY: '1' } },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((res) => child.on('close', res));
  if (code !== 0) throw new Error(`storescu failed: ${stderr}`);
  for (;;) {
    const [r] = await app.ctx.db.query<{ n: number | string }>('SELECT COUNT(DISTINCT study_instance_uid) AS n FROM inference_result');
    process.stderr.write(`\ranalysed ${String(r?.n)}/${rows.length}`);
    if (Number(r?.n) >= rows.length) break;
    await new Promise((res) => setTimeout(res, 1000));
  }
  await app.ctx.bus.idle();
  const csv = [
    `accession_number,${findings.join(',')}`,
    ...rows.map((r, i) =>
      [`AUDIT${i}`, ...findings.map((f) => (r.labels[f] === null || r.labels[f] === undefined ? '' : String(r.labels[f])))].join(','),
    ),
  ].join('\n');
  await new GroundTruthStore(app.ctx.db).importBatch(parseGroundTruthCsv(csv, 'labels.csv'), {
    fileName: join(folder, 'labels.csv'),
    sha256: '',
    importedBy: 'audit script',
    now: Date.now(),
  });
  const report = await buildMonitorReport(app.ctx.db, config.monitor, {
    from: 0,
    to: Date.now() + 1,
    resamples: Number(values.resamples),
    cards: await loadCards(config.inference.modelDirs),
    now: Date.now(),
  });
  process.stdout.write(`\n${formatMonitorReport(report)}\n`);
  writeFileSync(join(out, 'report.json'), `${JSON.stringify(report, null, 1)}\n`);
  writeFileSync(join(out, 'report.csv'), reportCsv(report));
  writeFileSync(join(out, 'report.html'), await reportHtml(report));
  process.stdout.write(`wrote ${out}/report.{json,csv,html}\n`);
  if (values.screenshot) {
    const profile = mkdtempSync(join(tmpdir(), 'rf-chromium-'));
    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.READFIRST_TEST_CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1280, height: 1400 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = await ctx.newPage();
    await page.goto(`file://${join(out, 'report.html')}`);
    await page.locator('#plots').screenshot({ path: resolve(values.screenshot) });
    await ctx.close();
    process.stdout.write(`screenshot ${resolve(values.screenshot)}\n`);
  }
} finally {
  await app.close();
  rmSync(work, { recursive: true, force: true });
}
