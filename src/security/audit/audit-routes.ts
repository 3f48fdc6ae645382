import { z } from 'zod';
import type { RouteDef } from '../../http/route.ts';
import { ACCESS } from '../../http/access-rules.ts';
import { parseBody } from '../routes.ts';
import { atnaDocument } from './atna.ts';
import type { AuditLog } from './audit-log.ts';
import { verifyAuditChain } from './audit-verify.ts';
import type { AuditRecord } from './audit-entry.ts';

const num = z.coerce.number().int().nonnegative();
const searchQuery = z
  .object({
    from: num.optional(),
    to: num.optional(),
    actor: z.string().max(64).optional(),
    action: z.string().max(32).optional(),
    patientId: z.string().max(64).optional(),
    objectId: z.string().max(128).optional(),
    limit: num.max(10_000).optional(),
    afterSeq: num.optional(),
  })
  .strict();

/** The auditor's view of the trail: search, verify the chain, export as ATNA XML. */
export function auditRoutes(deps: { log: AuditLog; key: Buffer }): RouteDef[] {
  return [
    {
      method: 'GET',
      url: '/api/audit',
      access: ACCESS.audit,
      summary: 'search the audit trail (time range, actor, action, patient, object)',
      handler: async (req) => deps.log.search(parseBody(searchQuery, req.query)),
    },
    {
      method: 'GET',
      url: '/api/audit/verify',
      access: ACCESS.audit,
      summary: 'check the hash chain of the audit trail; lists where it was edited, cut or reordered',
      handler: async () => {
        const all: AuditRecord[] = [];
        for await (const r of deps.log.all()) all.push(r);
        return verifyAuditChain(all, deps.key);
      },
    },
    {
      method: 'GET',
      url: '/api/audit/export',
      access: ACCESS.audit,
      summary: 'export audit entries as IHE ATNA / DICOM PS3.15 A.5 AuditMessage XML',
      handler: async (req, reply) => {
        const q = parseBody(searchQuery, req.query);
        const rows = await deps.log.search({ ...q, limit: q.limit ?? 10_000 });
        return reply.type('application/xml; charset=utf-8').send(atnaDocument(rows));
      },
    },
  ];
}
