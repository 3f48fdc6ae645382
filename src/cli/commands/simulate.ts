import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { ReadfirstError } from '../../core/errors.ts';
import { loadStudiesFile } from '../../simulate/input-file.ts';
import { assumedPerformance, performanceFromCard } from '../../simulate/model-performance.ts';
import { writePlot } from '../../simulate/plot.ts';
import { reportSummary } from '../../simulate/report.ts';
import { builtinScenario, SCENARIO_FINDINGS } from '../../simulate/scenario.ts';
import { simulate, sweepTable } from '../../simulate/simulation.ts';
import { defaultPolicy, loadPolicyFile } from '../../triage/policy.ts';

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
    .option('--scenario <name>', 'built-in scenario', 'builtin')
    .option('--input <file>', 'studies from a CSV or JSON file instead (id, arrival, truth, read_minutes, order_priority, location, score_<finding>)')
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
      if (o.scenario !== 'builtin' && !o.input) throw new ReadfirstError('invalid-input', `unknown scenario "${o.scenario}" (only "builtin")`);
      const policy = o.policy ? loadPolicyFile(o.policy) : defaultPolicy();
      const base = builtinScenario({ studies: num(o.studies, '--studies'), radiologists: num(o.radiologists, '--radiologists'), seed: num(o.seed, '--seed') });
      const scenario = o.input ? loadStudiesFile(o.input, base.shifts) : base;
      const assumed = o.sensitivity !== undefined || o.specificity !== undefined;
      let perf = assumed ? undefined : performanceFromCard(resolve(o.model));
      if (!perf) {
        const points = [...new Set([...policy.findings.map((r) => r.operatingPoint), ...policy.followUp.map((r) => r.operatingPoint), policy.likelyNormalOperatingPoint])];
        perf = assumedPerformance(SCENARIO_FINDINGS, num(o.sensitivity ?? '0.85', '--sensitivity'), num(o.specificity ?? '0.85', '--specificity'), points);
        process.stdout.write(
          assumed
            ? 'NOTE: what-if run on the given sensitivity/specificity, not the model card\'s measured ones.\n'
            : `NOTE: no model card at ${o.model}; using DEFAULT sensitivity/specificity, not measured ones.\n`,
        );
      }
      for (const rule of policy.findings) {
        const f = perf.findings.get(rule.finding);
        if (!f) process.stdout.write(`NOTE: policy rule ${rule.finding} → ${rule.urgency}: the model does not claim this finding\n`);
        else if (!f.points.some((p) => p.name === rule.operatingPoint)) process.stdout.write(`NOTE: policy rule ${rule.finding}@${rule.operatingPoint}: no such operating point in the model card\n`);
      }
      const report = simulate(scenario, perf, policy);
      process.stdout.write(`${reportSummary(report)}\n`);
      if (o.sweep) process.stdout.write(`\n${sweepTable(scenario, perf, policy)}\n`);
      mkdirSync(dirname(resolve(o.plot)), { recursive: true });
      await writePlot(report, o.plot);
      process.stdout.write(`plot: ${resolve(o.plot)}\n`);
    });
}
