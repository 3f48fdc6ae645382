import { ReadfirstError } from '../../core/errors.ts';
import type { AttributeMatch, Matcher, QidoLevel, QidoSearch } from '../store/qido-search.ts';
import { type MatchKind, type QidoAttribute, attributesFor, qidoAttribute } from './qido-attributes.ts';

export type QueryParams = Record<string, string | string[] | undefined>;

/** A parsed QIDO-RS request (PS3.18 8.3.4 query parameters, 10.6.1 search transaction). */
export interface ParsedQido {
  search: QidoSearch;
  /** Attributes each response dataset carries. */
  returned: Set<QidoAttribute>;
  /** `Warning: 299` texts to send (PS3.18 8.3.3.1 / 10.6.3.2), e.g. an includefield readfirst does not hold. */
  warnings: string[];
  /** True when the server's maximum, not the client's limit, bounds this page. */
  serverCapped: boolean;
}

export interface QidoLimits {
  /** The most results one response carries; a larger result is cut with a Warning header. */
  maxResults: number;
}

const RESERVED = new Set(['limit', 'offset', 'includefield', 'fuzzymatching']);

function values(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function nonNegative(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new ReadfirstError('invalid-input', `${name} must be a non-negative integer, got "${v}"`);
  return n;
}

const bad = (keyword: string, why: string): ReadfirstError =>
  new ReadfirstError('invalid-input', `QIDO-RS ${keyword}: ${why}`, { attribute: keyword });

/** DA single value or range (PS3.4 C.2.2.2.5): `20250101`, `20250101-20250131`, `-20250131`, `20250101-`. */
function dateMatcher(keyword: string, v: string): Matcher {
  const m = /^(\d{8})?(-)?(\d{8})?$/.exec(v.replace(/\./g, ''));
  if (!m || (!m[1] && !m[3])) throw bad(keyword, `"${v}" is not a date YYYYMMDD or a range YYYYMMDD-YYYYMMDD`);
  if (!m[2]) return { type: 'single', value: m[1] ?? '' };
  return { type: 'range', ...(m[1] ? { from: m[1] } : {}), ...(m[3] ? { to: m[3] } : {}) };
}

/** TM single value or range, compared on HHMMSS; a shorter time stands for its whole hour or minute. */
function timeMatcher(keyword: string, v: string): Matcher {
  const m = /^(\d{2,6}(?:\.\d{1,6})?)?(-)?(\d{2,6}(?:\.\d{1,6})?)?$/.exec(v.replace(/:/g, ''));
  if (!m || (!m[1] && !m[3])) throw bad(keyword, `"${v}" is not a time HHMMSS or a range HHMMSS-HHMMSS`);
  const hms = (t: string): string => t.split('.')[0] ?? '';
  const low = (t: string): string => hms(t).padEnd(6, '0');
  const high = (t: string): string => hms(t).padEnd(6, '9');
  if (!m[2]) return { type: 'range', from: low(m[1] ?? ''), to: high(m[1] ?? '') };
  return { type: 'range', ...(m[1] ? { from: low(m[1]) } : {}), ...(m[3] ? { to: high(m[3]) } : {}) };
}

const UID = /^[0-9]+(\.[0-9]+)*$/;

function matcherOf(kind: MatchKind, keyword: string, v: string): Matcher | undefined {
  // Universal matching (C.2.2.2.3): an empty value or a lone "*" matches everything; the attribute is returned.
  if (v === '' || (v === '*' && kind !== 'uid')) return undefined;
  switch (kind) {
    case 'uid': {
      const list = v.split(/[,\\]/).map((s) => s.trim());
      if (list.some((u) => !UID.test(u) || u.length > 64))
        throw bad(keyword, 'UIDs are digits and dots (at most 64 characters); wildcards do not apply to UIDs');
      return list.length === 1 ? { type: 'single', value: list[0] ?? '' } : { type: 'list', values: list };
    }
    case 'modalities': {
      const list = v
        .split(/[,\\]/)
        .map((s) => s.trim())
        .filter((s) => s !== '');
      if (list.some((s) => /[*?]/.test(s))) throw bad(keyword, 'wildcards are not supported on ModalitiesInStudy');
      return { type: 'list', values: list };
    }
    case 'date':
      return dateMatcher(keyword, v);
    case 'time':
      return timeMatcher(keyword, v);
    case 'integer': {
      const n = Number(v);
      if (!Number.isInteger(n)) throw bad(keyword, `"${v}" is not an integer`);
      return { type: 'integer', value: n };
    }
    case 'string':
    case 'pn':
      return /[*?]/.test(v) ? { type: 'wildcard', pattern: v } : { type: 'single', value: v };
  }
}

/**
 * Person names (PS3.5 6.2): only the alphabetic group is stored and matched, so a query's
 * ideographic and phonetic groups (after "=") are dropped; trailing empty components are trimmed
 * as in stored values ("Doe^John^^^" is "Doe^John").
 */
function personNameQuery(v: string): string {
  return (v.split('=')[0] ?? '').replace(/\^+$/, '');
}

/** Parses and validates a QIDO-RS query: unknown keys, keys of a lower level and malformed values are 400s, never ignored. */
export function parseQido(level: QidoLevel, q: QueryParams, scope: { study?: string; series?: string }, limits: QidoLimits): ParsedQido {
  const allowed = new Set(attributesFor(level));
  const returned = new Set([...allowed].filter((a) => isDefault(a, level)));
  const matches: AttributeMatch[] = [];
  const warnings: string[] = [];
  for (const [name, raw] of Object.entries(q)) {
    if (RESERVED.has(name.toLowerCase())) continue;
    if (name.includes('.')) throw bad(name, 'sequence (dotted) matching keys are not supported');
    const a = qidoAttribute(name);
    if (!a) throw bad(name, 'unknown or unsupported matching key; see docs/dicom-conformance.md for the supported keys');
    if (!allowed.has(a)) throw bad(name, `is a ${a.level}-level attribute and cannot be matched in a ${level}-level search`);
    if (!a.match) throw bad(name, 'is returned but not supported as a matching key');
    if ((a.keyword === 'StudyInstanceUID' && scope.study) || (a.keyword === 'SeriesInstanceUID' && scope.series))
      throw bad(name, 'is already given in the URL path');
    const vs = values(raw);
    if (vs.length > 1) throw bad(name, 'given more than once; use a comma-separated list for UIDs');
    const v = a.match.kind === 'pn' ? personNameQuery(vs[0] ?? '') : (vs[0] ?? '');
    returned.add(a);
    const matcher = matcherOf(a.match.kind, a.keyword, v);
    if (matcher) matches.push({ keyword: a.match.keyword, matcher, caseInsensitive: a.match.kind === 'pn' });
  }
  for (const f of values(q.includefield).flatMap((s) => s.split(','))) {
    const name = f.trim();
    if (name === '') continue;
    if (name.toLowerCase() === 'all') {
      for (const a of allowed) returned.add(a);
      continue;
    }
    const a = qidoAttribute(name);
    if (a && allowed.has(a)) returned.add(a);
    else warnings.push(`includefield ${name} is not held at the ${level} level and was not returned`);
  }
  if (values(q.fuzzymatching)[0] === 'true')
    warnings.push('The fuzzymatching parameter is not supported. Only literal matching has been performed.');
  const requested = nonNegative('limit', values(q.limit)[0]);
  const offset = nonNegative('offset', values(q.offset)[0]) ?? 0;
  const limit = Math.min(requested ?? limits.maxResults, limits.maxResults);
  return {
    search: {
      level,
      ...(scope.study ? { studyInstanceUid: scope.study } : {}),
      ...(scope.series ? { seriesInstanceUid: scope.series } : {}),
      matches,
      limit,
      offset,
    },
    returned,
    warnings,
    serverCapped: requested === undefined || requested > limits.maxResults,
  };
}

/** The level's default attributes, the UIDs of the levels above, and the Retrieve URL. */
function isDefault(a: QidoAttribute, level: QidoLevel): boolean {
  if (a.keyword === 'RetrieveURL') return true;
  if (a.keyword === 'StudyInstanceUID') return true;
  if (a.keyword === 'SeriesInstanceUID') return level !== 'study';
  return a.level === level && a.byDefault;
}
