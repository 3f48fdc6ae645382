import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ReadfirstError } from '../../core/errors.ts';
import { allMigrations } from '../../app/modules.ts';
import { loadConfig } from '../../config/load.ts';
import { systemClock } from '../../core/clock.ts';
import { loadModelPackage } from '../../inference/models/model-package.ts';
import { readLabelsCsv } from '../../monitor/labels-csv.ts';
import { scenarioFromLabelledFolder, scenarioFromStore } from '../../simulate/from-studies.ts';
import { loadStudiesFile } from '../../simulate/input-file.ts';
import { assumedPerformance, performanceFromCard } from '../../simulate/model-performance.ts';
import { writePlot } from '../../simulate/plot.ts';
import { reportSummary } from '../../simulate/report.ts';
import { builtinScenario, overloadedScenario, SCENARIO_FINDINGS, type Scenario } from '../../simulate/scenario.ts';
import { simulate, sweepTable } from '../../simulate/simulation.ts';
import { openDb } from '../../store/open.ts';
import { defaultPolicy, loadPolicyFile } from '../../triage/policy.ts';
import { parseWhen } from './report.ts';

interface SimulateOptions {
  scenario: string;
  input?: string;
  model: string;
  sensitivity?: string;
  specificity?: string;
  radiologists: string;
  studies: string;
  seed: string;
  policy?: string;
  plot: string;
  sweep?: boolean;
  fromStudies?: string | boolean;
  from?: string;
  to?: string;
  config?: string;
}

const num = (v: string, name: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new ReadfirstError('invalid-input', `${name}: "${v}" is not a number`);
  return n;
};

/** `readfirst simulate`: replays a day of studies under FIFO and under the readfirst policy. */
export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('compare FIFO with the readfirst policy on a replayed day; prints wait statistics per class and writes a PNG plot')
    .option('--scenario <name>', "built-in scenario: builtin (today's day) or overloaded (shown beside today's day)", 'builtin')
    .option(
      '--from-studies [folder]',
      'replay the studies this server received (--from/--to, --config), or a labelled folder (labels.csv + images) run through the real model',
    )
    .option('--from <date>', 'with --from-studies: first arrival (default 7 days before --to)')
    .option('--to <date>', 'with --from-studies: end of arrivals (default now)')
    .option('--config <file>', 'with --from-studies: configuration of the server whose studies to replay')
    .option(
      '--input <file>',
      'studies from a CSV or JSON file instead (id, arrival, truth, read_minutes, order_priority, location, score_<finding>)',
    )
    .option('--model <model.json>', 'model card with measured operating points', 'models/readfirst-cxr/model.json')
    .option('--sensitivity <p>', 'assumed sensitivity for every finding, instead of the card (what-if); default 0.85 when no card is found')
    .option('--specificity <p>', 'assumed specificity for every finding, instead of the card (what-if); default 0.85 when no card is found')
    .option('--radiologists <n>', 'radiologists on the day shift (08-18)', '2')
    .option('--studies <n>', 'studies in the built-in day', '450')
    .option('--seed <n>', 'seed of the built-in day', '20260101')
    .option('--policy <file>', 'urgency policy file (default: built-in policy)')
    .option('--plot <file.png>', 'where to write the plot', 'data/readfirst-simulation.png')
    .option('--sweep', 'also show the trade-off as the routine/likely-normal maximum wait (the starvation guard) varies')
    .action(async (o: SimulateOptions) => {
      if (o.scenario !== 'builtin' && o.scenario !== 'overloaded')
        throw new ReadfirstError('invalid-input', `unknown scenario "${o.scenario}" (builtin or overloaded)`);
      const policy = o.policy ? loadPolicyFile(o.policy) : defaultPolicy();
      const seed = num(o.seed, '--seed');
      const radiologists = num(o.radiologists, '--radiologists');
      const base = builtinScenario({ studies: num(o.studies, '--studies'), radiologists, seed });
      const scenarios: Scenario[] = [];
      if (typeof o.fromStudies === 'string') {
        const csv = join(resolve(o.fromStudies), 'labels.csv');
        if (!existsSync(csv)) throw new ReadfirstError('invalid-input', `${csv} not found`);
        const { scenario, refused } = await scenarioFromLabelledFolder(
          await loadModelPackage(resolve(dirname(o.model))),
          o.fromStudies,
          (await readLabelsCsv(csv)).rows,
          { seed, radiologists },
        );
        if (refused)
          process.stdout.write(
            `NOTE: ${refused} images were refused or missing: those studies are ranked on drawn decisions, not on a model score\n`,
          );
        scenarios.push(scenario);
      } else if (o.fromStudies) {
        const config = loadConfig(o.config ? { file: o.config } : {});
        const db = await openDb({
          databaseUrl: config.databaseUrl,
          sqlitePath: join(resolve(config.dataDir), 'readfirst.db'),
          migrations: allMigrations,
        });
        try {
          const to = parseWhen(o.to, '--to') ?? systemClock.now();
          const r = await scenarioFromStore(db, { from: parseWhen(o.from, '--from') ?? to - 7 * 86_400_000, to, radiologists });
          if (r.scenario.studies.length === 0) throw new ReadfirstError('invalid-input', 'no received studies in that window');
          if (r.withoutTruth)
            process.stdout.write(
              `NOTE: ${r.withoutTruth} of ${r.scenario.studies.length} studies have no ground truth: counted as without findings\n`,
            );
          scenarios.push(r.scenario);
        } finally {
          await db.close();
        }
      } else if (o.input) scenarios.push(loadStudiesFile(o.input, base.shifts));
      else if (o.scenario === 'overloaded') scenarios.push(base, overloadedScenario({ seed }));
      else scenarios.push(base);
      const assumed = o.sensitivity !== undefined || o.specificity !== undefined;
      let perf = assumed ? undefined : performanceFromCard(resolve(o.model));
      if (!perf) {
        const points = [
          ...new Set([
            ...policy.findings.map((r) => r.operatingPoint),
            ...policy.followUp.map((r) => r.operatingPoint),
            policy.likelyNormalOperatingPoint,
          ]),
        ];
        perf = assumedPerformance(
          SCENARIO_FINDINGS,
          num(o.sensitivity ?? '0.85', '--sensitivity'),
          num(o.specificity ?? '0.85', '--specificity'),
          points,
        );
        process.stdout.write(
          assumed
            ? "NOTE: what-if run on the given sensitivity/specificity, not the model card's measured ones.\n"
            : `NOTE: no model card at ${o.model}; using DEFAULT sensitivity/specificity, not measured ones.\n`,
        );
      }
      for (const rule of policy.findings) {
        const f = perf.findings.get(rule.finding);
        if (!f) process.stdout.write(`NOTE: policy rule ${rule.finding} → ${rule.urgency}: the model does not claim this finding\n`);
        else if (!f.points.some((p) => p.name === rule.operatingPoint))
          process.stdout.write(`NOTE: policy rule ${rule.finding}@${rule.operatingPoint}: no such operating point in the model card\n`);
      }
      const reports = scenarios.map((sc) => simulate(sc, perf, policy));
      for (const report of reports) {
        process.stdout.write(`${reportSummary(report)}\n\n`);
        if (o.sweep) process.stdout.write(`${sweepTable(report.scenario, perf, policy)}\n\n`);
      }
      mkdirSync(dirname(resolve(o.plot)), { recursive: true });
      await writePlot(reports, o.plot);
      process.stdout.write(`plot: ${resolve(o.plot)}\n`);
    });
}
