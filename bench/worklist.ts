/**
 * `npm run bench -- worklist [N]`: N open studies (default 100,000) in SQLite and in PostgreSQL.
 * Prints p95 (and median) for the first page, a filtered page (modality + class), a page deep in
 * the list by cursor, and a re-rank after a new critical study (upsert, its position, and the
 * first page a client fetches after the SSE push). Target: p95 ≤ 50 ms. Also times a whole-list
 * re-rank (what a policy file change does).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../src/core/clock.ts';
import type { UrgencyClass } from '../src/events/types.ts';
import { Prng } from '../src/simulate/prng.ts';
import type { Db } from '../src/store/db.ts';
import { allMigrations } from '../src/app/modules.ts';
import { openDb } from '../src/store/open.ts';
import { TEST_PG_URL } from '../test/support/dbs.ts';
import { defaultPolicy, guardFloorMs } from '../src/triage/policy.ts';
import { rankStudy } from '../src/triage/rank.ts';
import { SqlWorklistStore } from '../src/worklist/sql-worklist-store.ts';
import { makeEntry } from '../src/worklist/test-entries.ts';
import { ENTRY_COLUMNS, entryParams } from '../src/worklist/worklist-row.ts';

const NOW = Date.UTC(2026, 0, 5, 12);
const CLASSES: UrgencyClass[] = [
  'critical',
  'urgent',
  'urgent',
  'routine',
  'routine',
  'likely-normal',
  'likely-normal',
  'likely-normal',
  'likely-normal',
  'likely-normal',
];
const MODALITIES = ['DX', 'DX', 'DX', 'CR', 'CR', 'CT', 'MR', 'US'];
const SITES = ['Main', 'North', 'South', 'East'];

async function fill(db: Db, n: number): Promise<void> {
  const rng = new Prng(42);
  const cols = [...ENTRY_COLUMNS, 'state', 'is_open', 'updated_at'];
  const batch = 500;
  for (let i = 0; i < n; i += batch) {
    const rows: Array<string | number | null> = [];
    const values: string[] = [];
    for (let k = i; k < Math.min(n, i + batch); k++) {
      // Arrivals over the last 48 h: most of the list is past due (a department far behind), the worst case for the overdue tier.
      const arrivedAt = NOW - rng.int(0, 48 * 3600_000);
      const e = makeEntry(`1.2.826.0.1.${k}`, arrivedAt, rng.pick(CLASSES), { modality: rng.pick(MODALITIES), site: rng.pick(SITES) });
      const params = [...entryParams(e), 'unread', 1, arrivedAt];
      values.push(`(${params.map((_, j) => `$${rows.length + j + 1}`).join(', ')})`);
      rows.push(...params);
    }
    await db.run(`INSERT INTO worklist_items (${cols.join(', ')}) VALUES ${values.join(', ')}`, rows);
  }
  // As autovacuum would: lets PostgreSQL use index-only scans for the position counts.
  if (db.dialect === 'postgres') await db.exec('VACUUM ANALYZE worklist_items');
  else await db.exec('ANALYZE');
}

async function time(runs: number, fn: (i: number) => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < 5; i++) await fn(-1 - i);
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn(i);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { p50: ms[Math.floor(runs / 2)] ?? NaN, p95: ms[Math.ceil(runs * 0.95) - 1] ?? NaN };
}

async function benchOne(name: string, db: Db, n: number): Promise<Array<[string, { p50: number; p95: number }]>> {
  const t0 = performance.now();
  await fill(db, n);
  process.stdout.write(`${name}: ${n} studies loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  const clock = new ManualClock(NOW);
  const policy = defaultPolicy();
  const store = new SqlWorklistStore(db, clock, () => ({
    floorMs: guardFloorMs(policy),
    marginMs: policy.starvationGuard.marginMinutes * 60_000,
    windowMs: policy.starvationGuard.windowHours * 3600_000,
  }));
  const deep = (await store.list({ limit: 50 })).nextCursor ?? undefined;
  let cursor = deep;
  for (let i = 0; i < 20 && cursor; i++) cursor = (await store.list({ limit: 50, cursor })).nextCursor ?? undefined;
  const results: Array<[string, { p50: number; p95: number }]> = [];
  results.push(['first page (50)', await time(200, () => store.list({ limit: 50 }))]);
  results.push(['filtered page (CR, urgent)', await time(200, () => store.list({ limit: 50, modality: 'CR', urgency: 'urgent' }))]);
  results.push(['filtered page (site North)', await time(200, () => store.list({ limit: 50, site: 'North' }))]);
  results.push(['page 22 by cursor', await time(200, () => store.list({ limit: 50, ...(cursor ? { cursor } : {}) }))]);
  results.push([
    're-rank after new critical',
    await time(200, async (i) => {
      const uid = `1.2.826.0.9.${i + 10}`;
      const r = rankStudy(policy, {
        arrivedAt: NOW,
        orderPriority: null,
        patientLocation: null,
        aiStatus: 'analysed',
        findings: [
          {
            key: 'pneumothorax',
            display: 'Pneumothorax',
            probability: 0.93,
            decisions: [{ name: 'high-sensitivity', threshold: 0.71, positive: true }],
          },
        ],
      });
      await store.upsert(
        makeEntry(uid, NOW, 'critical', { score: r.score, dueAt: r.dueAt, reason: r.reason, explanation: r.explanation }),
        NOW,
      );
      await store.position(uid);
      await store.list({ limit: 50 });
    }),
  ]);
  const t1 = performance.now();
  const entries = await store.openEntries();
  const ranks = entries.map((e) => ({ studyInstanceUid: e.studyInstanceUid, ...rankStudy(policy, { ...e }), aiUrgency: e.aiUrgency }));
  await store.updateRanks(ranks, NOW);
  process.stdout.write(
    `${name}: whole-list re-rank (policy change) of ${entries.length} open studies: ${((performance.now() - t1) / 1000).toFixed(2)} s\n`,
  );
  return results;
}

export async function main(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 100_000);
  const table: string[] = ['| query | SQLite p50 | SQLite p95 | PostgreSQL p50 | PostgreSQL p95 |', '|---|---|---|---|---|'];
  const dir = mkdtempSync(join(tmpdir(), 'rf-bench-wl-'));
  const sqlite = await openDb({ sqlitePath: join(dir, 'bench.db'), migrations: allMigrations });
  const schema = `rf_bench_${randomBytes(4).toString('hex')}`;
  const pg = await openDb({ databaseUrl: TEST_PG_URL, sqlitePath: '', schema, migrations: allMigrations });
  try {
    const a = await benchOne('SQLite', sqlite, n);
    const b = await benchOne('PostgreSQL', pg, n);
    a.forEach(([label, s], i) => {
      const p = b[i]?.[1];
      table.push(
        `| ${label} | ${s.p50.toFixed(1)} ms | ${s.p95.toFixed(1)} ms | ${p?.p50.toFixed(1) ?? '-'} ms | ${p?.p95.toFixed(1) ?? '-'} ms |`,
      );
    });
    const worst = Math.max(...a.map(([, s]) => s.p95), ...b.map(([, s]) => s.p95));
    process.stdout.write(
      `\n${n} open studies, page size 50\n${table.join('\n')}\nworst p95 ${worst.toFixed(1)} ms (target ≤ 50 ms: ${worst <= 50 ? 'met' : 'NOT met'})\n`,
    );
  } finally {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
    await pg.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pg.close();
  }
}
