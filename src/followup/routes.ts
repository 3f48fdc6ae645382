import { z } from 'zod';
import { ReadfirstError } from '../core/errors.ts';
import type { RouteDef, UserOf } from '../http/route.ts';
import type { FollowUpRegistry } from './followup-registry.ts';

const listQuery = z.object({
  status: z.enum(['open', 'closed', 'all']).optional(),
  dueBefore: z.coerce.number().int().optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
const closeBody = z.object({ note: z.string().max(2000).optional() });
const idParams = z.object({ id: z.string().uuid() });

/** Follow-up registry routes: list by due date, close with a note. */
export function followUpRoutes(registry: FollowUpRegistry, userOf: UserOf): RouteDef[] {
  return [
    {
      method: 'GET',
      url: '/api/followups',
      access: 'authenticated',
      phi: true,
      summary: 'patients awaiting follow-up, soonest due first',
      handler: async (req) => {
        const q = listQuery.safeParse(req.query);
        if (!q.success)
          throw new ReadfirstError('invalid-input', q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
        return {
          items: await registry.list({
            ...(q.data.status ? { status: q.data.status } : {}),
            ...(q.data.dueBefore ? { dueBefore: q.data.dueBefore } : {}),
            ...(q.data.limit ? { limit: q.data.limit } : {}),
          }),
        };
      },
    },
    {
      method: 'POST',
      url: '/api/followups/:id/close',
      access: 'authenticated',
      phi: true,
      summary: 'close a follow-up (done, or not needed) with a note',
      handler: async (req) => {
        const p = idParams.safeParse(req.params);
        const b = closeBody.safeParse(req.body ?? {});
        if (!p.success || !b.success) throw new ReadfirstError('invalid-input', 'expected a follow-up id and an optional note');
        const user = userOf(req);
        if (!user) throw new ReadfirstError('unauthenticated', 'sign in required');
        return registry.close(p.data.id, user, b.data.note ?? null);
      },
    },
  ];
}
