import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { loadConfig } from '../../config/load.ts';
import { ReadfirstError } from '../../core/errors.ts';
import { discoverPackageDirs, loadModelPackage, type ModelPackage } from '../../inference/models/model-package.ts';
import { readLabelsCsv } from '../../monitor/labels-csv.ts';
import { compareModels, type ModelComparison } from '../../monitor/model-comparison.ts';
import { formatComparison } from '../../monitor/model-comparison-text.ts';
import { scoreLabelledFolder } from '../../monitor/score-folder.ts';

interface CompareFlags {
  labels: string;
  json?: string;
  resamples: string;
  margin: string;
  concurrency: string;
}

interface PromoteFlags extends CompareFlags {
  config: string;
}

async function runComparison(
  liveDir: string,
  candDir: string,
  flags: CompareFlags,
): Promise<{ live: ModelPackage; cand: ModelPackage; cmp: ModelComparison }> {
  const csv = join(resolve(flags.labels), 'labels.csv');
  if (!existsSync(csv)) throw new ReadfirstError('invalid-input', `${csv} not found`);
  const live = await loadModelPackage(liveDir);
  const cand = await loadModelPackage(candDir);
  const { rows } = await readLabelsCsv(csv);
  // One engine per package, one after the other: two versions of one model id cannot share a registry.
  const opts = { concurrency: Number(flags.concurrency) };
  const scoredLive = await scoreLabelledFolder(live, flags.labels, rows, opts);
  const scoredCand = await scoreLabelledFolder(cand, flags.labels, rows, opts);
  const cmp = compareModels(live.card, cand.card, scoredLive, scoredCand, {
    resamples: Number(flags.resamples),
    margin: Number(flags.margin),
  });
  process.stdout.write(`${formatComparison(cmp)}\n`);
  if (flags.json) {
    const perImage = rows.map((row, i) => ({
      file: row.file,
      patientId: row.patientId,
      live: scoredLive[i]?.probs ?? {},
      candidate: scoredCand[i]?.probs ?? {},
    }));
    await writeFile(flags.json, `${JSON.stringify({ labels: resolve(flags.labels), ...cmp, perImage }, null, 1)}\n`);
  }
  return { live, cand, cmp };
}

/** The config file as written (no defaults, no environment), for editing in place. */
function readRawConfig(file: string): Record<string, unknown> {
  const text = readFileSync(file, 'utf8');
  const parsed: unknown = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ReadfirstError('config', `config file ${file} must hold an object`);
  return parsed as Record<string, unknown>;
}

/**
 * Checks that the candidate has been running in shadow mode under this configuration (its folder
 * is among the served packages, its id among `inference.shadowModels`) and that the live model is
 * served live: a model goes live only after it has run in shadow beside the one it replaces.
 */
async function checkShadow(file: string, live: ModelPackage, cand: ModelPackage): Promise<void> {
  const cfg = loadConfig({ file, env: {} });
  const served = await discoverPackageDirs(cfg.inference.modelDirs);
  if (!served.includes(cand.dir))
    throw new ReadfirstError(
      'conflict',
      `promotion refused: ${cand.dir} is not among the served model folders of ${file}; run it in shadow mode first`,
    );
  if (!cfg.inference.shadowModels.includes(cand.card.id))
    throw new ReadfirstError(
      'conflict',
      `promotion refused: ${cand.card.id} is not in inference.shadowModels of ${file}; run it in shadow mode first`,
    );
  if (!served.includes(live.dir) || cfg.inference.shadowModels.includes(live.card.id))
    throw new ReadfirstError('conflict', `promotion refused: ${live.card.id} (${live.dir}) is not the live model of ${file}`);
}

/** `readfirst models compare|promote`: a candidate against the live model, through the real engine. */
export function registerModels(program: Command): void {
  const models = program.command('models').description('compare a candidate model with the live one, and promote it from shadow mode');
  const common = (c: Command): Command =>
    c
      .requiredOption('--labels <folder>', 'labelled folder (labels.csv + images) neither model was trained on')
      .option('--json <file>', 'also write the comparison (and per-image probabilities) as JSON')
      .option('--resamples <n>', 'paired bootstrap resamples', '1000')
      .option('--margin <auroc>', 'non-inferiority margin on the AUROC difference', '0.02')
      .option('--concurrency <n>', 'images in flight', '3');
  common(
    models
      .command('compare <live> <candidate>')
      .description('per-finding AUROC differences with paired bootstrap CIs, subgroup gaps, and the promotion decision'),
  ).action(async (liveDir: string, candDir: string, flags: CompareFlags) => {
    await runComparison(liveDir, candDir, flags);
  });
  common(
    models
      .command('promote <live> <candidate>')
      .description('make a shadow candidate live if the promotion rule allows it (rewrites the config file)'),
  )
    .requiredOption('--config <file>', 'the server configuration file (JSON or YAML) to update')
    .action(async (liveDir: string, candDir: string, flags: PromoteFlags) => {
      const live = await loadModelPackage(liveDir);
      const cand = await loadModelPackage(candDir);
      await checkShadow(flags.config, live, cand);
      const { cmp } = await runComparison(liveDir, candDir, flags);
      if (!cmp.decision.promote) throw new ReadfirstError('conflict', `promotion refused: ${cmp.decision.reasons.join('; ')}`);
      const raw = readRawConfig(flags.config);
      const inference = (raw.inference ?? {}) as Record<string, unknown>;
      const shadow = ((inference.shadowModels as string[] | undefined) ?? []).filter((id) => id !== cand.card.id);
      // The model it replaces keeps running in shadow, so its figures stay comparable and a rollback is one edit.
      inference.shadowModels = [...shadow, live.card.id];
      raw.inference = inference;
      const text = flags.config.endsWith('.json') ? `${JSON.stringify(raw, null, 2)}\n` : stringifyYaml(raw);
      await writeFile(`${flags.config}.tmp`, text);
      await rename(`${flags.config}.tmp`, flags.config);
      process.stdout.write(
        `\npromoted ${cand.card.id}@${cand.card.version} to live; ${live.card.id}@${live.card.version} now runs in shadow (${flags.config} updated; restart the server)\n`,
      );
    });
}
