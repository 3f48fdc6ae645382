import { readFileSync } from 'node:fs';
import { ReadfirstError } from '../core/errors.ts';
import type { Scenario, ScenarioStudy } from './scenario.ts';

/**
 * Studies from a CSV or JSON file. Columns (JSON: keys of each object): `id`, `arrival` (minutes
 * since the start, or an ISO time), `truth` (findings present, `;`-separated), optional
 * `read_minutes`, `order_priority`, `location`, and `score_<finding>` model probabilities.
 */
function parseCsv(text: string): Array<Record<string, string>> {
  const rows = text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(',').map((c) => c.trim().replace(/^"|"$/g, '')));
  const header = rows[0] ?? [];
  return rows.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

export function loadStudiesFile(path: string, shifts: Scenario['shifts']): Scenario {
  const text = readFileSync(path, 'utf8');
  const raw: Array<Record<string, unknown>> = path.endsWith('.json')
    ? (JSON.parse(text) as Array<Record<string, unknown>>)
    : parseCsv(text);
  if (!Array.isArray(raw) || raw.length === 0) throw new ReadfirstError('invalid-input', `${path}: no studies`);
  let t0: number | undefined;
  const studies: ScenarioStudy[] = raw.map((r, i) => {
    const arrival = typeof r.arrival === 'number' ? String(r.arrival) : typeof r.arrival === 'string' ? r.arrival : '';
    let at = Number(arrival) * 60_000;
    if (!Number.isFinite(at) || arrival === '') {
      const ms = Date.parse(arrival);
      if (!Number.isFinite(ms))
        throw new ReadfirstError('invalid-input', `${path}: row ${i + 1}: arrival "${arrival}" is neither minutes nor an ISO time`);
      t0 ??= ms;
      at = ms - t0;
    }
    const scores: Record<string, number> = {};
    for (const [k, v] of Object.entries(r)) if (k.startsWith('score_') && v !== '' && v !== null) scores[k.slice(6)] = Number(v);
    const truth = Array.isArray(r.truth)
      ? r.truth.map((x) => (typeof x === 'string' ? x : '')).filter((x) => x !== '')
      : (typeof r.truth === 'string' ? r.truth : '')
          .split(/[;|]/)
          .map((s) => s.trim())
          .filter((s) => s !== '' && s !== 'no_finding');
    const read = Number(r.read_minutes ?? r.readMinutes ?? 4);
    const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
    return {
      id: str(r.id) ?? `row-${i + 1}`,
      arrivedAt: Math.round(at),
      orderPriority: str(r.order_priority ?? r.orderPriority),
      patientLocation: str(r.location ?? r.patientLocation),
      truth,
      ...(Object.keys(scores).length > 0 ? { scores } : {}),
      readMs: Math.round((Number.isFinite(read) && read > 0 ? read : 4) * 60_000),
    };
  });
  studies.sort((a, b) => a.arrivedAt - b.arrivedAt);
  return { name: path, description: `${studies.length} studies from ${path}`, studies, shifts };
}
