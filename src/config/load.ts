import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { ZodTypeAny } from 'zod';
import { z } from 'zod';
import { ReadfirstError } from '../core/errors.ts';
import { type Config, configSchema } from './schema.ts';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const PREFIX = 'READFIRST_';

function snake(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

function unwrap(t: ZodTypeAny): ZodTypeAny {
  let cur = t;
  for (;;) {
    if (cur instanceof z.ZodDefault) cur = cur._def.innerType as ZodTypeAny;
    else if (cur instanceof z.ZodEffects) cur = cur._def.schema as ZodTypeAny;
    else if (cur instanceof z.ZodOptional) cur = cur._def.innerType as ZodTypeAny;
    else return cur;
  }
}

/** Every leaf of the schema as [path, env var name, leaf type]. */
function leaves(t: ZodTypeAny, path: string[] = []): Array<[string[], string, ZodTypeAny]> {
  const inner = unwrap(t);
  if (inner instanceof z.ZodObject) {
    const shape = inner.shape as Record<string, ZodTypeAny>;
    return Object.entries(shape).flatMap(([k, v]) => leaves(v, [...path, k]));
  }
  return [[path, PREFIX + path.map(snake).join('_'), inner]];
}

function parseEnvValue(raw: string, leaf: ZodTypeAny, name: string): Json {
  if (leaf instanceof z.ZodNumber) {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new ReadfirstError('config', `${name}: "${raw}" is not a number`);
    return n;
  }
  if (leaf instanceof z.ZodBoolean) {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new ReadfirstError('config', `${name}: "${raw}" is not a boolean (true/false)`);
  }
  if (leaf instanceof z.ZodRecord) {
    try {
      return JSON.parse(raw) as Json;
    } catch {
      throw new ReadfirstError('config', `${name}: not valid JSON (e.g. {"CR":1})`);
    }
  }
  if (leaf instanceof z.ZodArray) {
    if (raw.trim().startsWith('[')) {
      try {
        return JSON.parse(raw) as Json;
      } catch {
        throw new ReadfirstError('config', `${name}: not valid JSON`);
      }
    }
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }
  return raw;
}

function setPath(obj: JsonObject, path: string[], value: Json): void {
  let cur = obj;
  for (const key of path.slice(0, -1)) {
    const next = cur[key];
    if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) cur[key] = {};
    cur = cur[key] as JsonObject;
  }
  cur[path[path.length - 1] ?? ''] = value;
}

/** The environment variable for each configuration key, e.g. READFIRST_DIMSE_AE_TITLE. */
export function envVarNames(): string[] {
  return leaves(configSchema).map(([, name]) => name);
}

/**
 * Loads the configuration: defaults, then the file (JSON or YAML), then READFIRST_* variables.
 * An invalid value stops start-up with a message naming the key and the reason.
 */
export function loadConfig(opts: { file?: string; env?: NodeJS.ProcessEnv; overrides?: JsonObject } = {}): Config {
  const env = opts.env ?? process.env;
  let base: JsonObject = {};
  const file = opts.file ?? env.READFIRST_CONFIG;
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ReadfirstError('config', `cannot read config file ${file}: ${(e as Error).message}`);
    }
    const parsed: unknown = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      throw new ReadfirstError('config', `config file ${file} must hold an object`);
    }
    base = (parsed ?? {}) as JsonObject;
  }
  const known = new Set(['READFIRST_CONFIG']);
  for (const [path, name, leaf] of leaves(configSchema)) {
    known.add(name);
    const raw = env[name];
    if (raw !== undefined) setPath(base, path, parseEnvValue(raw, leaf, name));
  }
  const unknown = Object.keys(env).filter((k) => k.startsWith(PREFIX) && !known.has(k) && !k.startsWith('READFIRST_TEST_'));
  if (unknown.length > 0 && env.READFIRST_STRICT_ENV !== '0') {
    throw new ReadfirstError('config', `unknown configuration variable ${unknown.join(', ')}`);
  }
  for (const [path, value] of Object.entries(opts.overrides ?? {})) setPath(base, path.split('.'), value);
  const result = configSchema.safeParse(base);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ReadfirstError('config', `invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return result.data;
}
