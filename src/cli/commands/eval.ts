import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ReadfirstError } from '../../core/errors.ts';
import { loadModelPackage } from '../../inference/models/model-package.ts';
import { evaluate } from '../../monitor/evaluation.ts';
import { formatReport } from '../../monitor/evaluation-text.ts';
import { readLabelsCsv } from '../../monitor/labels-csv.ts';
import { scoreLabelledFolder } from '../../monitor/score-folder.ts';

interface EvalOptions {
  json?: string;
  model: string;
  resamples: string;
  concurrency: string;
  limit?: string;
}

/** `readfirst eval <folder>`: runs a model package through the real engine on a labelled folder. */
export function registerEval(program: Command): void {
  program
    .command('eval <folder>')
    .description('evaluate a model on a labelled folder (labels.csv + images): AUROC with CIs, operating points, subgroups')
    .option('--json <file>', 'also write the full report as JSON')
    .option('--model <dir>', 'model package folder', 'models/readfirst-cxr')
    .option('--resamples <n>', 'bootstrap resamples', '1000')
    .option('--concurrency <n>', 'images in flight', '3')
    .option('--limit <n>', 'evaluate only the first n rows')
    .action(async (folder: string, opts: EvalOptions) => {
      const csv = join(resolve(folder), 'labels.csv');
      if (!existsSync(csv)) throw new ReadfirstError('invalid-input', `${csv} not found`);
      const pkg = await loadModelPackage(opts.model);
      const { rows: all } = await readLabelsCsv(csv);
      const rows = opts.limit ? all.slice(0, Number(opts.limit)) : all;
      const scored = await scoreLabelledFolder(pkg, folder, rows, { concurrency: Number(opts.concurrency) });
      const report = evaluate(pkg.card, scored, { resamples: Number(opts.resamples) });
      process.stdout.write(`${formatReport(report)}\n`);
      if (opts.json) {
        await writeFile(opts.json, `${JSON.stringify({ folder: resolve(folder), ...report }, null, 1)}\n`);
        process.stdout.write(`\nwrote ${opts.json}\n`);
      }
    });
}
