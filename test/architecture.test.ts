import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EVENT_NAMES } from '../src/events/types.ts';

/**
 * The dependency direction of src/, read from the import statements themselves:
 * infrastructure → domains → composition root (src/app/, and src/cli/ over it).
 */
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** Folders that are infrastructure: they may import each other and libraries, never a domain. */
const INFRASTRUCTURE = new Set(['core', 'log', 'store', 'files', 'http', 'events', 'config']);
const COMPOSITION = new Set(['app', 'cli']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx|js)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every relative module specifier a file imports (static, re-exports, dynamic and side-effect imports). */
export function importsOf(code: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /^\s*import\s+['"]([^'"]+)['"]/gm];
  for (const re of patterns) for (const m of code.matchAll(re)) if (m[1]?.startsWith('.')) found.push(m[1]);
  return found;
}

interface Edge {
  from: string;
  fromTop: string;
  to: string;
  toTop: string;
  test: boolean;
}

/** Import edges between top-level folders of src/ (a file at the root of src/ has the folder ''). */
function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = relative(SRC, file);
    const fromTop = from.includes('/') ? (from.split('/')[0] ?? '') : '';
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const to = relative(SRC, resolve(dirname(file), spec));
      if (to.startsWith('..')) continue;
      const toTop = to.includes('/') ? (to.split('/')[0] ?? '') : '';
      if (toTop === fromTop) continue;
      out.push({ from, fromTop, to, toTop, test: /\.test\.tsx?$/.test(from) || from.includes('/testing/') });
    }
  }
  return out;
}

const show = (es: Edge[]): string[] => es.map((e) => `${e.from} → ${e.to}`);

describe('dependency direction of src/', () => {
  const all = edges();

  it('finds the imports it checks', () => {
    expect(
      importsOf(
        `import a from './a.ts';\nimport type { B } from "../b.ts";\nexport { c } from './c.ts';\nimport './d.ts';\nawait import('../e.ts');`,
      ),
    ).toEqual(['./a.ts', '../b.ts', './c.ts', '../e.ts', './d.ts']);
    expect(all.length).toBeGreaterThan(100);
  });

  it('worklist never imports triage: triage places ranked studies on the worklist', () => {
    expect(show(all.filter((e) => e.fromTop === 'worklist' && e.toTop === 'triage'))).toEqual([]);
  });

  it('infrastructure imports no domain', () => {
    expect(show(all.filter((e) => INFRASTRUCTURE.has(e.fromTop) && !INFRASTRUCTURE.has(e.toTop)))).toEqual([]);
  });

  it('only the composition root and the CLI import src/app/ (tests may, to start a server)', () => {
    expect(show(all.filter((e) => e.toTop === 'app' && !COMPOSITION.has(e.fromTop) && !e.test))).toEqual([]);
  });

  it('no two domains import each other', () => {
    const domainEdges = all.filter(
      (e) => !e.test && !INFRASTRUCTURE.has(e.fromTop) && !INFRASTRUCTURE.has(e.toTop) && !COMPOSITION.has(e.fromTop),
    );
    const pairs = new Set(domainEdges.map((e) => `${e.fromTop}→${e.toTop}`));
    const cycles = [...pairs].filter((p) => {
      const [a, b] = p.split('→');
      return pairs.has(`${b}→${a}`);
    });
    expect(cycles.sort()).toEqual([]);
  });

  it('every event has a subscriber in src/, or is a documented extension point', () => {
    const code = sourceFiles(SRC)
      .filter((f) => !/\.test\.tsx?$/.test(f))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const unheard = EVENT_NAMES.filter((e) => !new RegExp(`\\.on\\(\\s*'${e.replace('.', '\\.')}'`).test(code));
    // verdict.recorded is heard by the audit trail (src/security/audit/auditor.ts) and is there for monitoring.
    expect(unheard).toEqual([]);
  });
});
