import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { instanceFilesDir } from '../../files/local-instance-files.ts';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { systemClock } from '../../core/clock.ts';
import { ReadfirstError } from '../../core/errors.ts';
import { loadCards } from '../../monitor/cards.ts';
import { tagReader } from '../../monitor/dicom-tags.ts';
import { buildMonitorReport, type MonitorReport } from '../../monitor/report.ts';
import { reportCsv } from '../../monitor/report-csv.ts';
import { reportHtml } from '../../monitor/report-html.ts';
import { formatMonitorReport } from '../../monitor/report-text.ts';
import { allMigrations } from '../../app/modules.ts';
import { openDb } from '../../store/open.ts';

interface MonitorOptions {
  config?: string;
  from?: string;
  to?: string;
  model?: string;
  modelVersion?: string;
  referenceFrom?: string;
  referenceTo?: string;
  splitAt?: string;
  resamples: string;
  html?: string;
  json?: string;
  csv?: string;
}

/** A date (YYYY-MM-DD, UTC midnight) or an ISO time. */
export function parseWhen(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (!Number.isFinite(t)) throw new ReadfirstError('invalid-input', `${name}: "${v}" is not a date (YYYY-MM-DD or ISO 8601)`);
  return t;
}

async function write(path: string, text: string): Promise<void> {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  await writeFile(path, text);
}

/** Builds the monitoring report from the configured store (the CLI and `/api/monitor/report` share it). */
export async function monitorReport(o: MonitorOptions): Promise<MonitorReport> {
  const config = loadConfig(o.config ? { file: o.config } : {});
  const dataDir = resolve(config.dataDir);
  const to = parseWhen(o.to, '--to') ?? systemClock.now();
  const from = parseWhen(o.from, '--from') ?? to - 30 * 86_400_000;
  if (from >= to) throw new ReadfirstError('invalid-input', '--from must be before --to');
  const db = await openDb({ databaseUrl: config.databaseUrl, sqlitePath: join(dataDir, 'readfirst.db'), migrations: allMigrations });
  try {
    return await buildMonitorReport(db, config.monitor, {
      from,
      to,
      modelId: o.model,
      modelVersion: o.modelVersion,
      referenceFrom: parseWhen(o.referenceFrom, '--reference-from'),
      referenceTo: parseWhen(o.referenceTo, '--reference-to'),
      splitAt: parseWhen(o.splitAt, '--split-at'),
      resamples: Number(o.resamples),
      cards: await loadCards(config.inference.modelDirs),
      readTags: tagReader(instanceFilesDir({ ...config, dataDir }), config.monitor.bias.tags),
      now: systemClock.now(),
    });
  } finally {
    await db.close();
  }
}

/** `readfirst report monitor`: the quality-committee report as text, JSON, self-contained HTML and CSV. */
export function registerReport(program: Command): void {
  const report = program.command('report').description('reports');
  report
    .command('monitor')
    .description('model performance, calibration, subgroup audit, drift and turnaround over a date range')
    .option('--config <file>', 'configuration file')
    .option('--from <date>', 'window start (default: 30 days before --to)')
    .option('--to <date>', 'window end, exclusive (default: now)')
    .option('--model <id>', 'only this model id')
    .option('--model-version <v>', 'only this model version')
    .option('--reference-from <date>', 'drift reference window start (default: monitor.drift.referenceDays before --from)')
    .option('--reference-to <date>', 'drift reference window end (default: --from)')
    .option('--split-at <date>', 'turnaround before/after this date')
    .option('--resamples <n>', 'bootstrap resamples', '1000')
    .option('--html <file>', 'write the self-contained HTML report')
    .option('--json <file>', 'write the figures as JSON')
    .option('--csv <file>', 'write the figures as CSV')
    .action(async (o: MonitorOptions) => {
      const r = await monitorReport(o);
      process.stdout.write(`${formatMonitorReport(r)}\n`);
      if (o.json) await write(o.json, `${JSON.stringify(r, null, 1)}\n`);
      if (o.csv) await write(o.csv, reportCsv(r));
      if (o.html) await write(o.html, await reportHtml(r));
      for (const [k, v] of [
        ['json', o.json],
        ['csv', o.csv],
        ['html', o.html],
      ] as const)
        if (v) process.stdout.write(`wrote ${k}: ${resolve(v)}\n`);
    });
}
