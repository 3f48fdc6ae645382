import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';

/** Measured operating points per finding, as the simulator draws model decisions from them. */
export interface OperatingPoint {
  name: string;
  threshold: number;
  sensitivity: number;
  specificity: number;
}

export interface ModelPerformance {
  /** Where the numbers came from, printed with the results. */
  source: string;
  measured: boolean;
  findings: Map<string, { display: string; points: OperatingPoint[] }>;
}

const cardSubset = z.object({
  id: z.string(),
  version: z.string(),
  findings: z.array(
    z.object({
      key: z.string(),
      display: z.string(),
      claimed: z.boolean().optional(),
      operatingPoints: z.array(
        z.object({ name: z.string(), threshold: z.number(), sensitivity: z.number().min(0).max(1), specificity: z.number().min(0).max(1) }),
      ),
    }),
  ),
});

/** Reads the measured sensitivity and specificity at each operating point from a model card. */
export function performanceFromCard(path: string): ModelPerformance | undefined {
  if (!existsSync(path)) return undefined;
  const card = cardSubset.parse(JSON.parse(readFileSync(path, 'utf8')));
  const findings = new Map<string, { display: string; points: OperatingPoint[] }>();
  for (const f of card.findings) if (f.claimed !== false) findings.set(f.key, { display: f.display, points: f.operatingPoints });
  return { source: `${card.id} ${card.version} (${path}), measured operating points`, measured: true, findings };
}

/** Assumed numbers, the same for every finding, when no model card is at hand. */
export function assumedPerformance(
  keys: ReadonlyArray<{ key: string; display: string }>,
  sensitivity: number,
  specificity: number,
  points: readonly string[],
): ModelPerformance {
  const findings = new Map<string, { display: string; points: OperatingPoint[] }>();
  for (const k of keys)
    findings.set(k.key, { display: k.display, points: points.map((name) => ({ name, threshold: 0.5, sensitivity, specificity })) });
  return {
    source: `ASSUMED sensitivity ${sensitivity} / specificity ${specificity} (no model card found; --sensitivity/--specificity)`,
    measured: false,
    findings,
  };
}
