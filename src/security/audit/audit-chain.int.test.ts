import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { testDbs } from '../../../test/support/dbs.ts';
import type { Db } from '../../store/db.ts';
import { atnaDocument } from './atna.ts';
import type { AuditEvent, AuditRecord } from './audit-entry.ts';
import { AuditLog } from './audit-log.ts';
import { verifyAuditChain } from './audit-verify.ts';

const event = (i: number): AuditEvent => ({
  at: Date.UTC(2026, 0, 1) + i * 1000,
  action: i % 2 ? 'phi.view' : 'user.login',
  outcome: 'success',
  actor: `user${i}`,
  actorRoles: 'radiologist',
  source: '10.0.0.1',
  objectType: 'study',
  objectId: `1.2.3.${i}`,
  patientId: `P${i}`,
  detail: { route: 'GET /x', n: i },
});

const COLUMNS = 'at, action, outcome, actor, actor_roles, source, object_type, object_id, patient_id, detail, prev_hash, hash';

// Issue 12, defect 3 and "How it must be shown": tamper with the rows, verify says exactly where.
describe.each(testDbs)('the audit chain on $name', (t) => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  async function seeded(
    n = 10,
  ): Promise<{ db: Db; log: AuditLog; key: Buffer; verify: () => Promise<ReturnType<typeof verifyAuditChain>> }> {
    const handle = await t.open();
    cleanup = () => handle.cleanup();
    const key = randomBytes(32);
    const log = new AuditLog(handle.db, key);
    await Promise.all(Array.from({ length: n }, (_, i) => log.append(event(i + 1))));
    const verify = async (): Promise<ReturnType<typeof verifyAuditChain>> => {
      const all: AuditRecord[] = [];
      for await (const r of log.all(3)) all.push(r);
      return verifyAuditChain(all, key);
    };
    return { db: handle.db, log, key, verify };
  }

  it('chains concurrent appends in order and verifies clean', async () => {
    const { log, verify } = await seeded();
    const v = await verify();
    expect(v).toMatchObject({ ok: true, entries: 10, problems: [] });
    const rows = await log.search({ actor: 'user4' });
    expect(rows.map((r) => r.seq)).toEqual([4]);
    expect(rows[0]?.prevHash).toBe((await log.search({ actor: 'user3' }))[0]?.hash);
  });

  it('reports an edited entry by its sequence number', async () => {
    const { db, verify } = await seeded();
    await db.run("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 4");
    const v = await verify();
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([expect.objectContaining({ kind: 'edited', seq: 4 })]);
  });

  it('reports a deleted entry, and where', async () => {
    const { db, verify } = await seeded();
    await db.run('DELETE FROM audit_log WHERE seq = 7');
    const v = await verify();
    expect(v.problems).toEqual([expect.objectContaining({ kind: 'deleted', afterSeq: 6, beforeSeq: 8 })]);
  });

  it('reports a deletion hidden by renumbering the rest', async () => {
    const { db, verify } = await seeded();
    await db.run('DELETE FROM audit_log WHERE seq = 5');
    for (let s = 6; s <= 10; s++) await db.run('UPDATE audit_log SET seq = $1 WHERE seq = $2', [s - 1, s]);
    const v = await verify();
    expect(v.problems).toEqual([expect.objectContaining({ kind: 'deleted', afterSeq: 4, beforeSeq: 5 })]);
  });

  it('reports two swapped entries as reordered, each by its sequence number', async () => {
    const { db, verify } = await seeded();
    const row = async (seq: number): Promise<Record<string, unknown>> =>
      (await db.query(`SELECT ${COLUMNS} FROM audit_log WHERE seq = $1`, [seq]))[0] ?? {};
    const a = await row(3);
    const b = await row(4);
    const set = `UPDATE audit_log SET ${COLUMNS.split(', ')
      .map((c, i) => `${c} = $${i + 1}`)
      .join(', ')} WHERE seq = $13`;
    const values = (r: Record<string, unknown>): Array<string | number> =>
      COLUMNS.split(', ').map((c) => (c === 'at' ? Number(r[c]) : String(r[c])));
    await db.run(set, [...values(b), 3]);
    await db.run(set, [...values(a), 4]);
    const v = await verify();
    expect(v.problems.filter((p) => p.kind !== 'reordered')).toEqual([]);
    expect(v.problems.map((p) => (p.kind === 'reordered' ? [p.seq, p.belongsAfterSeq] : null))).toEqual([
      [3, 4],
      [4, 2],
    ]);
  });

  it('exports entries as DICOM PS3.15 A.5 AuditMessage XML', async () => {
    const { log } = await seeded(3);
    const xml = atnaDocument(await log.search());
    expect(xml.match(/<AuditMessage>/g)).toHaveLength(3);
    expect(xml).toContain('<EventID csd-code="110114" codeSystemName="DCM" originalText="User Authentication"/>');
    expect(xml).toContain('<EventID csd-code="110103" codeSystemName="DCM" originalText="DICOM Instances Accessed"/>');
    expect(xml).toMatch(
      /<ActiveParticipant UserID="user2" UserIsRequestor="true" NetworkAccessPointID="10.0.0.1" NetworkAccessPointTypeCode="2">/,
    );
    expect(xml).toMatch(
      /<ParticipantObjectIdentification ParticipantObjectID="P2" ParticipantObjectTypeCode="1" ParticipantObjectTypeCodeRole="1">/,
    );
    expect(xml).toContain('ParticipantObjectID="1.2.3.2"');
  });
});
