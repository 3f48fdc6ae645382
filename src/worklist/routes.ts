import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../core/clock.ts';
import { ReadfirstError } from '../core/errors.ts';
import type { RouteDef, UserOf } from '../http/route.ts';
import { URGENCY_CLASSES } from '../events/types.ts';
import type { EventBus } from '../events/bus.ts';
import { streamWorklist } from './worklist-stream.ts';
import type { ReadingState } from './worklist-item.ts';
import type { StateFilter } from './worklist-store.ts';
import type { WorklistService } from './worklist-service.ts';

const READING_STATES = ['unread', 'in-progress', 'read', 'addended'] as const satisfies readonly ReadingState[];

const listQuery = z.object({
  status: z.string().optional(),
  modality: z.string().max(16).optional(),
  site: z.string().max(128).optional(),
  urgency: z.enum(URGENCY_CLASSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().max(1000).optional(),
});
const uidParams = z.object({ uid: z.string().regex(/^[0-9.]{1,64}$/, 'must be a DICOM UID') });
const stateBody = z.object({ state: z.enum(READING_STATES) });
const nextBody = z
  .object({
    skip: z
      .string()
      .regex(/^[0-9.]{1,64}$/)
      .optional(),
  })
  .strict();
const searchQuery = z.object({
  q: z.string().trim().min(2, 'type at least 2 characters').max(64),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new ReadfirstError('invalid-input', `${what}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

function stateFilter(status: string | undefined): StateFilter {
  if (!status || status === 'open') return 'open';
  if (status === 'all') return 'all';
  const states = status.split(',').map((s) => s.trim());
  for (const s of states)
    if (!(READING_STATES as readonly string[]).includes(s))
      throw new ReadfirstError('invalid-input', `status: unknown reading state "${s}"`);
  return states as ReadingState[];
}

export interface WorklistRouteDeps {
  service: WorklistService;
  bus: EventBus;
  clock: Clock;
  userOf: UserOf;
}

/** REST and SSE routes of the worklist. Every one needs a signed-in user; all carry patient data. */
export function worklistRoutes({ service, bus, clock, userOf }: WorklistRouteDeps): RouteDef[] {
  const user = (req: FastifyRequest): string => {
    const u = userOf(req);
    if (!u) throw new ReadfirstError('unauthenticated', 'sign in required');
    return u;
  };
  const uid = (req: FastifyRequest): string => parse(uidParams, req.params, 'study').uid;
  return [
    {
      method: 'GET',
      url: '/api/worklist',
      access: 'authenticated',
      phi: true,
      summary: 'worklist page, most urgent first (status, modality, site, urgency, limit, cursor)',
      handler: async (req) => {
        const q = parse(listQuery, req.query, 'query');
        const page = await service.list({
          states: stateFilter(q.status),
          ...(q.modality ? { modality: q.modality } : {}),
          ...(q.site ? { site: q.site } : {}),
          ...(q.urgency ? { urgency: q.urgency } : {}),
          ...(q.limit ? { limit: q.limit } : {}),
          ...(q.cursor ? { cursor: q.cursor } : {}),
        });
        return { ...page, counts: await service.counts() };
      },
    },
    {
      method: 'GET',
      url: '/api/worklist/events',
      access: 'authenticated',
      phi: true,
      summary: 'Server-Sent Events: re-rankings, claims and state changes',
      handler: async (req, reply) => streamWorklist(req, reply, { service, bus, clock }),
    },
    {
      method: 'POST',
      url: '/api/worklist/next',
      access: 'authenticated',
      phi: true,
      summary: "claim and return the most urgent unread, unclaimed study in the server's reading order ({ item: null } when none is left)",
      handler: async (req) => ({ item: (await service.next(user(req), parse(nextBody, req.body ?? {}, 'body').skip)) ?? null }),
    },
    {
      method: 'GET',
      url: '/api/worklist/search',
      access: 'authenticated',
      phi: true,
      summary: 'studies in any reading state by patient name, patient ID or accession number (q, limit)',
      handler: async (req) => {
        const q = parse(searchQuery, req.query, 'query');
        return { items: await service.search(q.q, q.limit) };
      },
    },
    {
      method: 'GET',
      url: '/api/worklist/:uid',
      access: 'authenticated',
      phi: true,
      summary: 'one worklist entry with its position and explanation',
      handler: async (req) => {
        const id = uid(req);
        const item = await service.get(id);
        if (!item) throw new ReadfirstError('not-found', `study ${id} is not on the worklist`);
        return { ...item, position: await service.position(id) };
      },
    },
    {
      method: 'POST',
      url: '/api/worklist/:uid/claim',
      access: 'authenticated',
      phi: true,
      summary: 'open a study for reading (locks it for the claim timeout)',
      handler: async (req) => service.claim(uid(req), user(req)),
    },
    {
      method: 'POST',
      url: '/api/worklist/:uid/release',
      access: 'authenticated',
      phi: true,
      summary: 'give a claimed study back to the list',
      handler: async (req) => service.release(uid(req), user(req)),
    },
    {
      method: 'PUT',
      url: '/api/worklist/:uid/state',
      access: 'authenticated',
      phi: true,
      summary: 'set the reading state (in-progress, unread, read, addended)',
      handler: async (req) => service.setState(uid(req), user(req), parse(stateBody, req.body, 'body').state),
    },
  ];
}
