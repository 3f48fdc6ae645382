import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ReadfirstError } from '../core/errors.ts';
import {
  DEFAULT_FINDINGS,
  DEFAULT_FOLLOW_UP,
  DEFAULT_LOCATION_FLOOR,
  DEFAULT_LOCATIONS,
  DEFAULT_ORDER_PRIORITY,
} from './default-policy.ts';
import { type PolicyInput, policySchema, type UrgencyPolicy } from './policy-schema.ts';

/** Validates a policy object and fills in every default. Throws a `config` error naming each bad key. */
export function parsePolicy(input: unknown, source = 'policy'): UrgencyPolicy {
  const r = policySchema.safeParse(input ?? {});
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ReadfirstError('config', `invalid urgency policy ${source}:\n  ${lines.join('\n  ')}`);
  }
  const p = r.data;
  const orderPriority = Object.fromEntries(
    Object.entries(p.orderPriority ?? DEFAULT_ORDER_PRIORITY).map(([k, v]) => [k.trim().toUpperCase(), v]),
  );
  return {
    classes: p.classes,
    findings: p.findings ?? DEFAULT_FINDINGS,
    followUp: p.followUp ?? DEFAULT_FOLLOW_UP,
    likelyNormalOperatingPoint: p.likelyNormalOperatingPoint,
    orderPriority,
    defaultUrgency: p.defaultUrgency,
    locations: p.locations ?? DEFAULT_LOCATIONS,
    locationFloor: p.locationFloor ?? DEFAULT_LOCATION_FLOOR,
    starvationGuard: p.starvationGuard,
  };
}

/** The built-in policy. */
export function defaultPolicy(): UrgencyPolicy {
  return parsePolicy({}, '(built-in)');
}

/** Reads and validates a policy file; `.json` is JSON, anything else YAML. */
export function loadPolicyFile(file: string): UrgencyPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ReadfirstError('config', `cannot read urgency policy ${file}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ReadfirstError(
      'config',
      `urgency policy ${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`,
    );
  }
  return parsePolicy(parsed, file);
}

export type { PolicyInput, UrgencyPolicy };

/** The guard's floor: the longest class maximum wait (the lowest class's), in ms. */
export function guardFloorMs(policy: UrgencyPolicy): number {
  return Math.max(...Object.values(policy.classes).map((c) => c.maxWaitMinutes)) * 60_000;
}
